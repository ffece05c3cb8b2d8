// Module worker for the batch experiments, so they never slow the live twins down:
// the learning-rate × init-scale sweep (experiment 3), the batch-size comparison (4) and the
// speed measurement of both wasm builds (6).
// Each job posts one message per finished run; a newer job (or 'cancel') supersedes the old one.
import { loadSimdnorm } from './simdnorm-module.js';
import { gapBatchSizes, sweepAxes, trainerConfig } from './trainer-config.js';

let jobId = 0;
const yieldToEvents = () => new Promise((ok) => setTimeout(ok, 0));

// Steps/s of a job's twins, counted as the live twins' are: one step trains both networks, and
// only the time inside trainSteps counts (not building or evaluating them).
function twinRate() {
  let ms = 0;
  let networkSteps = 0;
  return {
    add(steps, took) {
      networkSteps += steps;
      ms += took;
    },
    get stepsPerSecond() {
      return (1000 * networkSteps) / 2 / ms;
    },
  };
}

// Trains one network for `steps` and measures it in eval mode (running statistics).
function trainOnce(sn, config, steps, rate) {
  const t = new sn.Trainer(config);
  try {
    const t0 = performance.now();
    const m = t.trainSteps(steps);
    rate.add(steps, performance.now() - t0);
    return {
      diverged: m.diverged,
      train: t.evaluate({ split: 'train', mode: 'eval' }).accuracy,
      test: t.evaluate({ split: 'test', mode: 'eval' }).accuracy,
    };
  } finally {
    t.dispose();
  }
}

async function sweep(id, state) {
  const sn = await loadSimdnorm(state.kernels);
  const { lrs, scales } = sweepAxes(state);
  const total = lrs.length * scales.length * 2;
  const rate = twinRate();
  let done = 0;
  for (let row = 0; row < scales.length; row++) {
    for (let col = 0; col < lrs.length; col++) {
      for (const batchNorm of [false, true]) {
        const config = trainerConfig(state, { batchNorm, lr: lrs[col], initScale: scales[row] });
        const r = trainOnce(sn, config, state.sweepSteps, rate);
        done++;
        postMessage({
          type: 'sweep-cell',
          id,
          row,
          col,
          variant: batchNorm ? 'bn' : 'plain',
          accuracy: r.test,
          diverged: r.diverged,
          done,
          total,
          stepsPerSecond: rate.stepsPerSecond,
        });
        await yieldToEvents();
        if (id !== jobId) return;
      }
    }
  }
  postMessage({ type: 'sweep-done', id, lrs, scales });
}

async function gap(id, state) {
  const sn = await loadSimdnorm(state.kernels);
  const sizes = gapBatchSizes;
  const rate = twinRate();
  for (let i = 0; i < sizes.length; i++) {
    const point = { type: 'gap-point', id, batch: sizes[i], done: i + 1, total: sizes.length };
    for (const batchNorm of [false, true]) {
      const config = trainerConfig(state, { batchNorm, batchSize: sizes[i], labelNoise: state.gapNoise });
      point[batchNorm ? 'bn' : 'plain'] = trainOnce(sn, config, state.gapSteps, rate);
      await yieldToEvents();
      if (id !== jobId) return;
    }
    postMessage({ ...point, stepsPerSecond: rate.stepsPerSecond });
  }
  postMessage({ type: 'gap-done', id });
}

// Steps/s of fresh twins on each build. The twins run alternately in blocks of BLOCK steps (blocks
// keep the browser's coarse timer out of it; alternating gives both the same conditions, e.g.
// while the engine swaps baseline wasm code for optimized code), after a warm-up. The median
// block counts, so a block interrupted by another process on the machine does not.
const BENCH_MS = 600;
const WARMUP_MS = 150;
const BLOCK = 200; // steps: ~5 ms, so the 0.1 ms timer resolution of workers is ~2 %
async function bench(id, state) {
  for (const kernels of ['simd', 'scalar']) {
    const sn = await loadSimdnorm(kernels);
    const twins = {
      plain: new sn.Trainer(trainerConfig(state, { batchNorm: false })),
      bn: new sn.Trainer(trainerConfig(state, { batchNorm: true })),
    };
    const blocks = { plain: [], bn: [] };
    let total = 0,
      diverged = false;
    try {
      const start = performance.now();
      while (performance.now() - start < WARMUP_MS) {
        twins.plain.trainSteps(50);
        twins.bn.trainSteps(50);
      }
      while (total < BENCH_MS) {
        for (const v of ['plain', 'bn']) {
          const t0 = performance.now();
          diverged ||= twins[v].trainSteps(BLOCK).diverged;
          const ms = performance.now() - t0;
          blocks[v].push(ms);
          total += ms;
        }
      }
    } finally {
      twins.plain.dispose();
      twins.bn.dispose();
    }
    // A diverged trainer skips its steps: its rate would be meaningless.
    const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
    const rate = (v) => (diverged ? NaN : (1000 * BLOCK) / median(blocks[v]));
    postMessage({ type: 'bench-result', id, kernels, isa: sn.isa, plain: rate('plain'), bn: rate('bn') });
    await yieldToEvents();
    if (id !== jobId) return;
  }
  postMessage({ type: 'bench-done', id });
}

const jobs = { sweep, gap, bench };
onmessage = ({ data }) => {
  jobId = data.id ?? jobId + 1;
  if (data.type === 'cancel') return;
  jobs[data.type](jobId, data.state).catch((e) =>
    postMessage({ type: 'error', id: data.id, message: e?.message ?? String(e) }),
  );
};
