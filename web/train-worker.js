// Module worker that trains the twin networks in wasm and reports what the page draws.
// Training runs in chunks of at most ~12 ms; between chunks the worker yields so that messages
// (pause, probe, fold, …) are handled promptly. Reports (measurements) follow a step schedule.
import { loadSimdnorm } from './simdnorm-module.js';
import { trainerConfig } from './trainer-config.js';
import { decisionGrids, predictBoth, runningStatsSummary, twinReport } from './twin-analytics.js';

// Reports follow the steps, not the clock: every 5 steps at first, then every 2 % of the steps
// done, so the curves have detail where training changes fastest and stay light later. The
// clock only bounds them: at least 25 ms apart (the page redraws on each), at most 250 ms.
const reportInterval = (step) => Math.max(5, Math.floor(step / 50));
const REPORT_MIN_MS = 25;
const REPORT_MAX_MS = 250;
const SPEED_MS = 500; // window over which steps/s are measured
const GRID_MS = 300;
const GRID_SIZE = 64;
const CHUNK_MS = 12;

let sn = null; // the wasm module
let twins = null; // { bn, plain }
let evalMode = 'running';
let probe = null; // { x, y } predicted alone (batch of 1)
let bounds = null; // the dataset's extent, where the decision grid is sampled
let playing = false;
let stepsPerChunk = 1;
let timing = { bn: 0, plain: 0, steps: 0 };
let lastTrain = { bn: null, plain: null };
let speedLimit = Infinity; // steps/s of each twin while playing, so people can watch
let lastReport = 0;
let nextReportStep = 0;
let lastSpeed = 0;
let lastGrid = 0;

// Zero-delay yield: setTimeout(0) is clamped to 4 ms after a few nested calls.
const channel = new MessageChannel();
const yieldQueue = [];
channel.port1.onmessage = () => yieldQueue.shift()();
const yieldToEvents = () =>
  new Promise((ok) => {
    yieldQueue.push(ok);
    channel.port2.postMessage(0);
  });

function fail(e) {
  playing = false;
  postMessage({ type: 'error', message: e?.message ?? String(e) });
}

async function reset(state) {
  if (!sn || sn.kernels !== state.kernels) {
    sn = await loadSimdnorm(state.kernels, { threads: true });
    postMessage({ type: 'module', isa: sn.isa, threads: sn.threads, kernels: state.kernels });
  }
  twins?.bn.dispose();
  twins?.plain.dispose();
  twins = null;
  const bn = new sn.Trainer(trainerConfig(state, { batchNorm: true }));
  const plain = new sn.Trainer(trainerConfig(state, { batchNorm: false }));
  twins = { bn, plain };
  twins.bn.setBnInference(evalMode);
  timing = { bn: 0, plain: 0, steps: 0 };
  lastTrain = { bn: null, plain: null };
  const data = bn.dataset();
  bounds = data.bounds;
  probe = { x: data.test.x[0], y: data.test.x[1] };
  postMessage({ type: 'dataset', dataset: data, classes: bn.classes, layers: bn.layers });
  report();
  grid();
}

function trainChunk(k) {
  const t0 = performance.now();
  lastTrain.bn = twins.bn.trainSteps(k);
  const t1 = performance.now();
  lastTrain.plain = twins.plain.trainSteps(k);
  const t2 = performance.now();
  timing.bn += t1 - t0;
  timing.plain += t2 - t1;
  timing.steps += k;
  return t2 - t0;
}

function report() {
  const { bn, plain } = twins;
  const bnReport = twinReport(bn, lastTrain.bn);
  const batch = bn.evaluate({ split: 'test', mode: 'batch' });
  const msg = {
    type: 'report',
    step: bn.step,
    evalMode,
    bn: bnReport,
    plain: twinReport(plain, lastTrain.plain),
    // The BN twin's test metrics in the mode the page selected (experiment 5's switch).
    bnSelected: evalMode === 'running' ? bnReport.test : batch,
    inference: {
      running: bnReport.test,
      batch,
      probe: { ...probe, bn: predictBoth(bn, probe, evalMode) },
      runningStats: runningStatsSummary(bn),
    },
    speed: null,
  };
  // Rates count only the time inside trainSteps (not evaluation, drawing or the speed limit's
  // pauses) and are measured per window, so a switch of kernels or settings shows up quickly.
  const now = performance.now();
  if (timing.steps > 0 && (now - lastSpeed >= SPEED_MS || !playing)) {
    msg.speed = {
      bn: (1000 * timing.steps) / timing.bn,
      plain: (1000 * timing.steps) / timing.plain,
      pair: (1000 * timing.steps) / (timing.bn + timing.plain),
    };
    timing = { bn: 0, plain: 0, steps: 0 };
    lastSpeed = now;
  }
  lastReport = now;
  nextReportStep = bn.step + reportInterval(bn.step);
  postMessage(msg);
}

function grid() {
  postMessage({ type: 'grid', ...decisionGrids(twins, GRID_SIZE, bounds) });
  lastGrid = performance.now();
}

// Each play starts a new loop and retires the previous one, even if it is still awaiting a yield.
let runId = 0;
async function run(id) {
  const start = { time: performance.now(), step: twins.bn.step };
  while (playing && twins && id === runId) {
    // Steps allowed by the speed limit so far; none allowed: wait a little and look again.
    const allowed = start.step + ((performance.now() - start.time) / 1000) * speedLimit - twins.bn.step;
    if (allowed < 1) {
      await new Promise((ok) => setTimeout(ok, 5));
      continue;
    }
    // Aim each chunk at CHUNK_MS so pause stays responsive whatever the model size, and stop
    // at the next report step so the curves are sampled where the schedule says.
    const toReport = nextReportStep - twins.bn.step;
    const k = Math.max(1, Math.min(stepsPerChunk, Math.floor(allowed), toReport > 0 ? toReport : Infinity));
    const ms = trainChunk(k);
    if (k === stepsPerChunk || ms > CHUNK_MS) {
      stepsPerChunk = Math.max(1, Math.min(2000, Math.round((CHUNK_MS * k) / Math.max(ms, 1e-3))));
    }
    const now = performance.now();
    const due = twins.bn.step >= nextReportStep && now - lastReport >= REPORT_MIN_MS;
    if (due || now - lastReport >= REPORT_MAX_MS) report();
    if (now - lastGrid >= GRID_MS) grid();
    await yieldToEvents();
  }
}

const handlers = {
  async reset({ state, play }) {
    playing = false;
    await reset(state);
    if (play) handlers.play();
  },
  speed({ stepsPerSecond }) {
    speedLimit = stepsPerSecond;
    if (playing) run(++runId).catch(fail); // restart the pacing clock at the new rate
  },
  play() {
    if (playing || !twins) return;
    playing = true;
    run(++runId).catch(fail);
  },
  pause() {
    playing = false;
    if (twins) {
      report();
      grid();
    }
  },
  step({ n }) {
    if (!twins) return;
    trainChunk(n);
    report();
    grid();
  },
  evalMode({ mode }) {
    evalMode = mode;
    if (!twins) return;
    twins.bn.setBnInference(mode);
    report();
    grid();
  },
  probe({ x, y }) {
    probe = { x, y };
    if (twins) report();
  },
  fold() {
    if (twins) postMessage({ type: 'fold', step: twins.bn.step, result: twins.bn.fold() });
  },
};

// Messages are handled one at a time, in order (reset awaits a module load).
let queue = Promise.resolve();
onmessage = ({ data }) => {
  queue = queue.then(() => handlers[data.type](data)).catch(fail);
};
