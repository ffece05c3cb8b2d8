// Training throughput: optimizer steps per second of the page's MLP with BatchNorm on the
// spiral set, simdnorm's sn.Trainer (the whole step in wasm) against the same model trained with
// TF.js layers in Node, on TF.js's wasm backend (1 thread) and its cpu backend.
//
// Same model, data, batch and optimizer on both sides: 2 → [dense → BN → ReLU] × 2 (32 units) →
// dense → softmax, cross-entropy, plain SGD with lr 0.1, batch 32, BN momentum 0.1 (Keras: 0.9)
// and eps 1e-5, He-normal dense init, zero biases. The points are sn.Trainer's own spiral
// (dataset(): 450 training points); TF.js draws its mini-batches the same way (a shuffle per
// epoch, batches without replacement) from tensors uploaded once, as a careful TF.js user would,
// and steps with model.trainOnBatch, the layers API's one-step call.
//
//   node bench/js/training.mjs [--quick]     (also run by bench/js/run.mjs)

import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { performance } from 'node:perf_hooks';
import init from '../../wasm/index.js';

export const TRAINING_CONFIG = Object.freeze({
  dataset: 'spiral',
  hidden: [32, 32],
  activation: 'relu',
  batchNorm: true,
  bnMomentum: 0.1,
  bnEps: 1e-5,
  optimizer: 'sgd',
  lr: 0.1,
  batchSize: 32,
  seed: 1,
  dataSeed: 1,
});

// Repetitions of `chunk` steps, each lasting at least minMs: steps per second of each repetition.
async function stepsPerSecond(runChunk, chunk, { repetitions, minMs }) {
  await runChunk(chunk); // warm-up: JIT, first allocations, TF.js kernel setup
  const rates = [];
  for (let r = 0; r < repetitions; ++r) {
    let steps = 0;
    const start = performance.now();
    do {
      await runChunk(chunk);
      steps += chunk;
    } while (performance.now() - start < minMs);
    rates.push((steps * 1000) / (performance.now() - start));
  }
  return rates;
}

async function simdnormTrainer(simd, timing) {
  const sn = await init({ simd, threads: 1 });
  const t = new sn.Trainer(TRAINING_CONFIG);
  let last = null;
  const rates = await stepsPerSecond(
    (k) => {
      last = t.trainSteps(k);
    },
    timing.simdnormChunk,
    timing,
  );
  const result = {
    peer: `simdnorm ${sn.isa}`,
    stepsPerSecond: rates,
    steps: t.step,
    lossLast: last.loss,
    testAccuracy: t.evaluate().accuracy,
  };
  t.dispose();
  return result;
}

// The spiral of sn.Trainer (same dataSeed), as TF.js tensors.
async function spiralData() {
  const sn = await init();
  const t = new sn.Trainer(TRAINING_CONFIG);
  const d = t.dataset();
  t.dispose();
  return d;
}

async function tfjsTrainer(backend, data, timing) {
  if (backend === 'wasm') setThreadsCount(1); // before the backend initializes (no effect after)
  await tf.setBackend(backend);
  await tf.ready();
  const { hidden, lr, batchSize, bnMomentum, bnEps } = TRAINING_CONFIG;
  const model = tf.sequential();
  hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        kernelInitializer: tf.initializers.heNormal({ seed: i + 1 }),
        ...(i === 0 ? { inputShape: [2] } : {}),
      }),
    );
    model.add(tf.layers.batchNormalization({ momentum: 1 - bnMomentum, epsilon: bnEps }));
    model.add(tf.layers.activation({ activation: 'relu' }));
  });
  model.add(
    tf.layers.dense({
      units: data.classes,
      activation: 'softmax',
      kernelInitializer: tf.initializers.heNormal({ seed: 99 }),
    }),
  );
  model.compile({ optimizer: tf.train.sgd(lr), loss: 'categoricalCrossentropy' });

  const n = data.train.labels.length;
  const xAll = tf.tensor2d(data.train.x, [n, 2]);
  const yAll = tf.oneHot(tf.tensor1d(data.train.labels, 'int32'), data.classes).toFloat();
  // The sampler: a seeded shuffle per epoch, full batches without replacement.
  let seed = 7,
    order = [],
    pos = n;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const nextBatch = () => {
    if (pos + batchSize > n) {
      order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; --i) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      pos = 0;
    }
    const idx = Int32Array.from(order.slice(pos, pos + batchSize));
    pos += batchSize;
    return idx;
  };
  let loss = NaN;
  const step = async () => {
    const [xb, yb] = tf.tidy(() => {
      const idx = tf.tensor1d(nextBatch(), 'int32');
      return [tf.gather(xAll, idx), tf.gather(yAll, idx)];
    });
    loss = await model.trainOnBatch(xb, yb);
    tf.dispose([xb, yb]);
  };
  let steps = 0;
  const rates = await stepsPerSecond(
    async (k) => {
      for (let i = 0; i < k; ++i) await step();
      steps += k;
    },
    timing.tfjsChunk,
    timing,
  );
  const tn = data.test.labels.length;
  const testAccuracy = tf.tidy(() => {
    const predicted = model
      .predict(tf.tensor2d(data.test.x, [tn, 2]))
      .argMax(1)
      .dataSync();
    return predicted.reduce((a, p, i) => a + (p === data.test.labels[i] ? 1 : 0), 0) / tn;
  });
  tf.dispose([xAll, yAll]);
  model.dispose();
  return { peer: `TF.js ${backend} layers`, stepsPerSecond: rates, steps, lossLast: loss, testAccuracy };
}

// All trainers in turn. quick: a few dozen steps each (the CI smoke run).
export async function runTraining({ quick = false, log = console.log } = {}) {
  const timing = quick
    ? { repetitions: 1, minMs: 1, simdnormChunk: 20, tfjsChunk: 5 }
    : { repetitions: 5, minMs: 400, simdnormChunk: 200, tfjsChunk: 10 };
  const data = await spiralData();
  const results = [];
  for (const run of [
    () => simdnormTrainer(true, timing),
    () => simdnormTrainer(false, timing),
    () => tfjsTrainer('wasm', data, timing),
    () => tfjsTrainer('cpu', data, timing),
  ]) {
    const r = await run();
    const sorted = [...r.stepsPerSecond].sort((a, b) => a - b);
    log(
      `training ${r.peer.padEnd(26)} ${sorted[sorted.length >> 1].toFixed(0).padStart(7)} steps/s ` +
        `(${r.steps} steps, last loss ${r.lossLast.toFixed(3)}, test accuracy ${r.testAccuracy.toFixed(2)})`,
    );
    results.push({ ...r, config: TRAINING_CONFIG });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runTraining({ quick: process.argv.includes('--quick') });
}
