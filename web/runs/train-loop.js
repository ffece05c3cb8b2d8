// The training loop of the engine runs: networks trained side by side on the same batches, in
// chunks of the worker's time so that stop and other runs' messages are handled between them,
// reporting progress, measurements and steps/s as the views expect:
//   { type: 'progress', step, steps, stepsPerSecond }   after each chunk
//   { type: 'point', ...measure(step), stepsPerSecond }  after each step in measureAt
//   { type: 'done', seconds, stepsPerSecond, ... }      (clock.done)
import { batchStream } from './batches.js';
import { measureSteps } from './measure.js';
import { makeTwins } from './twins.js';

const CHUNK_MS = 30; // long enough for thousands of small steps, short enough to stop promptly

// A run's time: steps/s counts only the time inside the networks' training steps (one step
// trains every network once), not batches, measurements or waiting; seconds count everything.
export function runClock() {
  const started = performance.now();
  let compute = 0;
  let steps = 0;
  return {
    get steps() {
      return steps;
    },
    get stepsPerSecond() {
      return (1000 * steps) / compute;
    },
    time(fn) {
      const t0 = performance.now();
      const result = fn();
      compute += performance.now() - t0;
      steps++;
      return result;
    },
    done(extra = {}) {
      return {
        type: 'done',
        seconds: (performance.now() - started) / 1000,
        stepsPerSecond: (1000 * steps) / compute,
        ...extra,
      };
    },
  };
}

// Trains every network of `models` (name → model, with optimizers by the same names) `steps`
// steps on batches.next(), each with trainStep options `options`. measureAt: the steps (a Set,
// 0 included if wanted) after which measure(step) is posted as a point. total: the run's steps
// over all calls sharing `clock` (default: steps). onStep(losses by name) sees every step.
// Returns false when pause() says the run was cancelled.
export async function trainTogether({
  clock,
  models,
  optimizers,
  batches,
  steps,
  total = steps,
  options,
  measureAt = new Set(),
  measure,
  onStep,
  post,
  pause,
}) {
  const names = Object.keys(models);
  const point = (step) => post({ type: 'point', ...measure(step), stepsPerSecond: clock.stepsPerSecond });
  if (measureAt.has(0)) point(0);
  for (let step = 0; step < steps;) {
    const chunk = performance.now();
    while (step < steps && performance.now() - chunk < CHUNK_MS) {
      const { x, y } = batches.next();
      const losses = clock.time(() =>
        Object.fromEntries(names.map((k) => [k, models[k].trainStep(x, y, optimizers[k], options).loss])),
      );
      onStep?.(losses);
      step++;
      if (measureAt.has(step)) point(step);
    }
    post({ type: 'progress', step: clock.steps, steps: total, stepsPerSecond: clock.stepsPerSecond });
    if (await pause()) return false;
  }
  return true;
}

// Each network in eval mode for fn(name, model), then back in training mode.
export function inEvalMode(models, fn) {
  for (const [name, model] of Object.entries(models)) {
    fn(name, model.eval());
    model.train();
  }
}

// A whole run of networks trained side by side from one start on the same batches (see
// makeTwins for layers, inputShape, batchSize and optimizer): `steps` steps of batches of
// `batchSize` drawn with `seed`, measure(models, step) posted at about `points` steps (and step 0),
// then the done report with finish(models)'s fields. The networks are freed at the end, cancelled
// or not.
export async function runTwins({
  sn,
  data,
  layers,
  inputShape = data.train.shape,
  batchSize,
  optimizer,
  seed,
  steps,
  points,
  options,
  onStep,
  measure,
  finish = () => ({}),
  post,
  pause,
}) {
  const { models, optimizers, dispose } = makeTwins(sn, layers, { inputShape, seed, batchSize, optimizer });
  try {
    const clock = runClock();
    const finished = await trainTogether({
      clock,
      models,
      optimizers,
      batches: batchStream(data, batchSize, seed),
      steps,
      options,
      measureAt: new Set(measureSteps(steps, points)),
      measure: (step) => measure(models, step),
      onStep,
      post,
      pause,
    });
    if (finished) post(clock.done(finish(models)));
  } finally {
    dispose();
  }
}
