// Experiment 11 in the engine worker: BN in a recurrent network (Cooijmans et al. 2016). Sequential
// MNIST read row by row (28 steps of 28 pixels) by an LSTM (hidden size `hidden`) then a linear
// layer to 10 classes, three ways from the same LSTM and linear weights on the same batches: no
// BN, recurrent BN with statistics per time step ('per-step'), and one set of statistics shared
// by every step ('shared'). Adam with gradient clipping at norm 1. Reports test accuracy in eval
// mode over steps, and at the end the per-step running means and variances of the BN'd
// hidden-to-hidden term W_hh·h_{t−1} (bn_hh) of the per-step network against the shared one's.
import { labelsInt32, toTensor } from '../data/idx.js';
import { batchSampler } from './batches.js';
import { accuracy, measureSteps } from './measure.js';

const ROWS = 28;
const PIXELS = 784;
const CLASSES = 10;
const BATCH = 32;
export const VARIANTS = ['plain', 'perstep', 'shared'];
const BATCH_NORM = { plain: false, perstep: 'per-step', shared: 'shared' };

function makeModels(sn, hidden, seed) {
  const models = Object.fromEntries(
    VARIANTS.map((v) => [
      v,
      new sn.nn.Sequential(
        [
          { type: 'lstm', inputSize: ROWS, hiddenSize: hidden, batchNorm: BATCH_NORM[v] },
          { type: 'linear', inFeatures: hidden, outFeatures: CLASSES },
        ],
        { inputShape: [ROWS, ROWS], seed, batchSize: BATCH },
      ),
    ]),
  );
  // The BN networks start from the plain one's LSTM and linear weights (their BN γ, β are extra).
  const from = models.plain.stateDict();
  for (const v of ['perstep', 'shared']) {
    const to = models[v].stateDict();
    for (const key of Object.keys(from)) to[key] = from[key];
    models[v].loadStateDict(to);
  }
  return models;
}

// Mean over the 4·hidden gate pre-activations of bn_hh's running mean and variance, per slot.
function hiddenStats(sd, hidden) {
  const width = 4 * hidden;
  const perSlot = (values) =>
    Array.from({ length: values.length / width }, (_, t) => {
      let s = 0;
      for (let j = 0; j < width; j++) s += values[t * width + j];
      return s / width;
    });
  return { mean: perSlot(sd['0.bn_hh.running_mean']), var: perSlot(sd['0.bn_hh.running_var']) };
}

// params: { steps, lr, hidden, seed, evalSize }; see runFigure1 for post and pause.
export async function runRnn({ sn, data, params, post, pause }) {
  const { steps, lr, hidden, seed, evalSize } = params;
  const normalize = { mean: data.mean, std: data.std };
  const testIdx = Int32Array.from({ length: Math.min(evalSize, data.test.count) }, (_, i) => i);
  const xTest = toTensor(data.test, testIdx, null, normalize);
  const yTest = labelsInt32(data.test, testIdx);
  const models = makeModels(sn, hidden, seed);
  const optimizers = Object.fromEntries(VARIANTS.map((v) => [v, new sn.nn.Adam(models[v], { lr })]));
  try {
    const sampler = batchSampler(data.train.count, BATCH, seed);
    const x = new Float32Array(BATCH * PIXELS);
    const y = new Int32Array(BATCH);
    const measureAt = new Set(measureSteps(steps, 30));
    const measure = (step) => {
      const acc = {};
      for (const v of VARIANTS) {
        acc[v] = accuracy(models[v].eval().forward(xTest), yTest, CLASSES);
        models[v].train();
      }
      post({ type: 'point', step, acc });
    };
    const started = performance.now();
    let compute = 0;
    measure(0);
    for (let step = 0; step < steps;) {
      const chunk = performance.now();
      while (step < steps && performance.now() - chunk < 30) {
        const idx = sampler.next();
        toTensor(data.train, idx, x, normalize);
        labelsInt32(data.train, idx, y);
        const t0 = performance.now();
        for (const v of VARIANTS) models[v].trainStep(x, y, optimizers[v], { maxGradNorm: 1 });
        compute += performance.now() - t0;
        step++;
        if (measureAt.has(step)) measure(step);
      }
      post({ type: 'progress', step, steps, stepsPerSecond: (1000 * step) / compute });
      if (await pause()) return;
    }
    post({
      type: 'done',
      seconds: (performance.now() - started) / 1000,
      stepsPerSecond: (1000 * steps) / compute,
      perstep: hiddenStats(models.perstep.stateDict(), hidden),
      shared: hiddenStats(models.shared.stateDict(), hidden),
    });
  } finally {
    for (const o of Object.values(optimizers)) o.dispose();
    for (const m of Object.values(models)) m.dispose();
  }
}
