// The page: reads the run from the URL, builds the controls, starts the workers (live twins,
// sweep, batch-size comparison) and routes their reports to the six toy experiment views; the
// engine experiments (7 and up) have their own worker and wiring (engine-experiments.js).
import { buildControls } from './controls.js';
import { createEngineExperiments } from './engine-experiments.js';
import { createConvergence } from './experiments/convergence.js';
import { createEfficiency } from './experiments/efficiency.js';
import { createGeneralization } from './experiments/generalization.js';
import { createInference } from './experiments/inference.js';
import { createShift } from './experiments/shift.js';
import { createSweep } from './experiments/sweep.js';
import { fromQuery, modelKeys, toQuery } from './state.js';

const $ = (id) => document.getElementById(id);
const state = fromQuery(location.search);
let playing = false;
let ready = false;

const trainer = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
const sweepWorker = new Worker(new URL('./jobs-worker.js', import.meta.url), { type: 'module' });
const gapWorker = new Worker(new URL('./jobs-worker.js', import.meta.url), { type: 'module' });
const benchWorker = new Worker(new URL('./jobs-worker.js', import.meta.url), { type: 'module' });

const convergence = createConvergence({
  onProbe: (p) => trainer.postMessage({ type: 'probe', ...p }),
});
const shift = createShift();
const sweep = createSweep({ worker: sweepWorker });
const gap = createGeneralization({ worker: gapWorker });
const inference = createInference({
  onMode: (mode) => trainer.postMessage({ type: 'evalMode', mode }),
  onFold: () => trainer.postMessage({ type: 'fold' }),
});
const efficiency = createEfficiency({
  onKernels: (k) => change('kernels', k),
  worker: benchWorker,
});

const controls = buildControls($('settings'), change);
controls.set(state);
sweep.show(state);
gap.show(state);

// Pace while playing: slow enough to watch by default; 0 means as fast as the CPU allows.
const paces = [30, 100, 300, 1000, 3000, 0];
$('speed').replaceChildren(
  ...[...new Set([...paces, state.speed])].map((v) => new Option(v === 0 ? 'max' : `${v} steps/s`, String(v))),
);
$('speed').value = String(state.speed);
$('speed').addEventListener('change', () => change('speed', Number($('speed').value)));
const sendPace = () =>
  trainer.postMessage({ type: 'speed', stepsPerSecond: state.speed === 0 ? Infinity : state.speed });
sendPace();

function setPlaying(on) {
  playing = on;
  $('play').textContent = on ? '❚❚ Pause' : '▶ Play';
  $('play').setAttribute('aria-pressed', String(on));
  trainer.postMessage({ type: on ? 'play' : 'pause' });
}

function reset() {
  ready = false;
  trainer.postMessage({ type: 'reset', state: { ...state }, play: playing });
}

function change(key, value) {
  state[key] = value;
  history.replaceState(null, '', `${location.pathname}${toQuery(state)}${location.hash}`);
  controls.set(state);
  if (modelKeys.includes(key) || key === 'kernels') reset();
  if (key === 'speed') sendPace();
  if (modelKeys.includes(key)) {
    sweep.show(state);
    gap.show(state);
  }
}

// The twins report up to 40 times a second; the views take them together at most every
// DRAW_MS, in an animation frame, so the ~20 charts and the two decision-region canvases redraw
// (and the page repaints) about 8 times a second rather than 40 (uPlot coalesces the redraws of
// one task), and input events are never kept waiting behind a backlog of drawing.
const DRAW_MS = 120;
let pending = [];
let lastFlush = 0;
function queue(m) {
  if (pending.length === 0) {
    const wait = Math.max(0, lastFlush + DRAW_MS - performance.now());
    setTimeout(() => requestAnimationFrame(flush), wait);
  }
  pending.push(m);
}
function flush() {
  lastFlush = performance.now();
  const reports = pending;
  pending = [];
  for (const m of reports) {
    if (!ready) return;
    if (m.type === 'grid') {
      convergence.grid(m);
      continue;
    }
    convergence.report(m);
    shift.report(m);
    inference.report(m);
    efficiency.report(m);
  }
}

trainer.onmessage = ({ data: m }) => {
  switch (m.type) {
    case 'module':
      efficiency.module(m);
      break;
    case 'dataset':
      ready = true;
      pending = []; // reports of the twins before the reset
      convergence.reset(m.dataset);
      shift.reset(m.layers);
      inference.reset();
      efficiency.reset();
      for (const id of ['play', 'step-once', 'reset', 'sweep-run', 'gap-run', 'fold', 'bench-run']) {
        $(id).disabled = false;
      }
      $('status').textContent = '';
      break;
    case 'report':
    case 'grid':
      if (ready) queue(m);
      break;
    case 'fold':
      inference.fold(m);
      break;
    case 'error':
      $('status').textContent = `Trainer error: ${m.message}`;
      console.error(`trainer worker: ${m.message}`);
      setPlaying(false);
      break;
  }
};

// A worker that fails to load (e.g. the wasm build is missing) reports here, not via onmessage.
for (const [name, w] of [
  ['trainer', trainer],
  ['sweep', sweepWorker],
  ['batch-size', gapWorker],
  ['speed', benchWorker],
]) {
  w.addEventListener('error', (e) => {
    $('status').textContent = `The ${name} worker failed: ${e.message ?? 'could not load'}`;
    console.error(`${name} worker: ${e.message ?? 'could not load'}`);
  });
}

$('play').addEventListener('click', () => setPlaying(!playing));
$('step-once').addEventListener('click', () => {
  if (playing) setPlaying(false);
  trainer.postMessage({ type: 'step', n: 1 });
});
$('reset').addEventListener('click', reset);
$('sweep-run').addEventListener('click', () => sweep.run({ ...state }));
$('gap-run').addEventListener('click', () => gap.run({ ...state }));
$('bench-run').addEventListener('click', () => efficiency.runBench({ ...state }));
$('copy-link').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(location.href);
    $('copy-link').textContent = 'Link copied';
  } catch {
    // Clipboard access can be refused (insecure context, permissions): the URL bar has it too.
    $('copy-link').textContent = 'Link is in the address bar';
  }
  setTimeout(() => {
    $('copy-link').textContent = 'Copy link';
  }, 1500);
});

reset();
createEngineExperiments({ state, change });
// The views above changed the layout after the browser scrolled to the link's #anchor: go there
// again, so a deep link opens at its part or experiment.
if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
