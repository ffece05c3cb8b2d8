// Experiment 7 in the engine worker: the BN paper's Figure 1 (Ioffe & Szegedy 2015, §4.1). Two
// MLPs on MNIST, 784-100-100-100-10 with sigmoid hidden units, batch 60, plain SGD; the BN twin
// has BatchNorm1d before each sigmoid and no bias in the linear layers BN follows. Both start
// from the same weights (copied from the plain twin) and see the same batches. Measured on a fixed
// slice of the test set in eval mode: test accuracy, and the 15/50/85th percentiles over the test
// images of the input to one sigmoid of the last hidden layer (for the BN twin that input is
// γx̂ + β, BN's output, read with model.layerOutput).
import { labelsInt32, toTensor } from '../data/idx.js';
import { batchSampler } from './batches.js';
import { accuracy, columnPercentiles, measureSteps } from './measure.js';

const PIXELS = 784;
const HIDDEN = 100;
const CLASSES = 10;
const BATCH = 60;
export const PERCENTILES = [0.15, 0.5, 0.85];

const linear = (inFeatures, outFeatures, bias = true) => ({ type: 'linear', inFeatures, outFeatures, bias });

function plainLayers() {
  return [
    linear(PIXELS, HIDDEN),
    { type: 'sigmoid' },
    linear(HIDDEN, HIDDEN),
    { type: 'sigmoid' },
    linear(HIDDEN, HIDDEN),
    { type: 'sigmoid' },
    linear(HIDDEN, CLASSES),
  ];
}

function bnLayers() {
  const block = (inFeatures) => [
    linear(inFeatures, HIDDEN, false),
    { type: 'batchNorm1d', numFeatures: HIDDEN },
    { type: 'sigmoid' },
  ];
  return [...block(PIXELS), ...block(HIDDEN), ...block(HIDDEN), linear(HIDDEN, CLASSES)];
}

// The index of the layer whose output feeds the last hidden sigmoid.
const PROBE = { plain: 4, bn: 7 };

// The plain twin's weights (and output bias) into the BN twin: same start, BN the only change.
function copyInit(plain, bn) {
  const from = plain.stateDict();
  const to = bn.stateDict();
  to['0.weight'] = from['0.weight'];
  to['3.weight'] = from['2.weight'];
  to['6.weight'] = from['4.weight'];
  to['9.weight'] = from['6.weight'];
  to['9.bias'] = from['6.bias'];
  bn.loadStateDict(to);
}

// params: { steps, lr, seed, evalSize, unit }. post(message) reports; pause() yields to the
// worker's event loop and says whether the run was cancelled.
export async function runFigure1({ sn, data, params, post, pause }) {
  const { steps, lr, seed, evalSize, unit } = params;
  const normalize = { mean: data.mean, std: data.std };
  const twins = {
    plain: new sn.nn.Sequential(plainLayers(), { inputShape: [PIXELS], seed, batchSize: BATCH }),
    bn: new sn.nn.Sequential(bnLayers(), { inputShape: [PIXELS], seed, batchSize: BATCH }),
  };
  const optimizers = {};
  try {
    copyInit(twins.plain, twins.bn);
    for (const [k, m] of Object.entries(twins)) optimizers[k] = new sn.nn.SGD(m, { lr });
    const testIdx = Int32Array.from({ length: Math.min(evalSize, data.test.count) }, (_, i) => i);
    const xTest = toTensor(data.test, testIdx, null, normalize);
    const yTest = labelsInt32(data.test, testIdx);
    const sampler = batchSampler(data.train.count, BATCH, seed);
    const x = new Float32Array(BATCH * PIXELS);
    const y = new Int32Array(BATCH);

    const measure = (step) => {
      const point = { step, acc: {}, percentiles: {} };
      for (const [k, m] of Object.entries(twins)) {
        m.eval();
        point.acc[k] = accuracy(m.forward(xTest), yTest, CLASSES);
        point.percentiles[k] = columnPercentiles(m.layerOutput(PROBE[k]), HIDDEN, unit, PERCENTILES);
        m.train();
      }
      return point;
    };

    const started = performance.now();
    let compute = 0; // ms inside trainStep, both twins
    let step = 0;
    post({ type: 'point', ...measure(0), stepsPerSecond: NaN });
    for (const target of measureSteps(steps).slice(1)) {
      while (step < target) {
        const chunk = performance.now();
        while (step < target && performance.now() - chunk < 30) {
          const idx = sampler.next();
          toTensor(data.train, idx, x, normalize);
          labelsInt32(data.train, idx, y);
          const t0 = performance.now();
          twins.plain.trainStep(x, y, optimizers.plain);
          twins.bn.trainStep(x, y, optimizers.bn);
          compute += performance.now() - t0;
          step++;
        }
        post({ type: 'progress', step, steps, stepsPerSecond: (1000 * step) / compute });
        if (await pause()) return;
      }
      post({ type: 'point', ...measure(step), stepsPerSecond: (1000 * step) / compute });
    }
    post({
      type: 'done',
      steps,
      seconds: (performance.now() - started) / 1000,
      stepsPerSecond: (1000 * step) / compute,
    });
  } finally {
    for (const o of Object.values(optimizers)) o.dispose();
    for (const m of Object.values(twins)) m.dispose();
  }
}
