// Experiment 8 in the engine worker: BN in a CNN. The benchmarks' CNN (src/nn/model_zoo.cpp:
// conv 1→16 and 16→32, 3×3, padding 1, each followed by ReLU and 2×2 max pooling, then a linear
// layer to 10 classes), with and without BatchNorm2d after each conv (no conv bias where BN
// follows), on Fashion-MNIST or MNIST. Same start (the BN twin gets the plain twin's conv and
// linear weights), same batches, same optimizer. Measured on a fixed slice of the test set in eval
// mode: loss and accuracy, the per-channel mean and std of the second ReLU's input (conv output
// for the plain twin, BN output for the BN twin), both twins' predictions on 16 test images, and
// their confusion matrices.
import { labelsInt32, toTensor } from '../data/idx.js';
import { batchSampler } from './batches.js';
import { accuracy, measureSteps } from './measure.js';

const CLASSES = 10;
const PIXELS = 784;
const GRID = 16; // test images shown with predictions
export const CHANNELS_SHOWN = 4;
const PROBE = { plain: 3, bn: 5 }; // the second ReLU's input
const PROBE_CHANNELS = 32;
const PROBE_PIXELS = 14 * 14;

export function cnnLayers(batchNorm) {
  const layers = [];
  let inChannels = 1;
  for (const outChannels of [16, 32]) {
    layers.push({ type: 'conv2d', inChannels, outChannels, kernelSize: 3, padding: 1, bias: !batchNorm });
    if (batchNorm) layers.push({ type: 'batchNorm2d', numFeatures: outChannels });
    layers.push({ type: 'relu' }, { type: 'maxPool2d', kernelSize: 2 });
    inChannels = outChannels;
  }
  layers.push({ type: 'flatten' }, { type: 'linear', inFeatures: 32 * 7 * 7, outFeatures: CLASSES });
  return layers;
}

function copyInit(plain, bn) {
  const from = plain.stateDict();
  const to = bn.stateDict();
  to['0.weight'] = from['0.weight'];
  to['4.weight'] = from['3.weight'];
  to['9.weight'] = from['7.weight'];
  to['9.bias'] = from['7.bias'];
  bn.loadStateDict(to);
}

function argmax(logits, i) {
  let best = 0;
  for (let k = 1; k < CLASSES; k++) if (logits[i * CLASSES + k] > logits[i * CLASSES + best]) best = k;
  return best;
}

// Mean and std (over samples and pixels) of each of the first `count` channels of [n, C, H·W].
function channelStats(values, count) {
  const n = values.length / (PROBE_CHANNELS * PROBE_PIXELS);
  const mean = [];
  const std = [];
  for (let c = 0; c < count; c++) {
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const at = (i * PROBE_CHANNELS + c) * PROBE_PIXELS;
      for (let p = 0; p < PROBE_PIXELS; p++) {
        sum += values[at + p];
        sq += values[at + p] ** 2;
      }
    }
    const m = sum / (n * PROBE_PIXELS);
    mean.push(m);
    std.push(Math.sqrt(Math.max(0, sq / (n * PROBE_PIXELS) - m * m)));
  }
  return { mean, std };
}

// params: { steps, lr, seed, evalSize, batch }; see runFigure1 for post and pause.
export async function runCnn({ sn, data, params, post, pause }) {
  const { steps, lr, seed, evalSize, batch } = params;
  const normalize = { mean: data.mean, std: data.std };
  const twins = {
    plain: new sn.nn.Sequential(cnnLayers(false), { inputShape: [1, 28, 28], seed, batchSize: batch }),
    bn: new sn.nn.Sequential(cnnLayers(true), { inputShape: [1, 28, 28], seed, batchSize: batch }),
  };
  const optimizers = {};
  try {
    copyInit(twins.plain, twins.bn);
    for (const [k, m] of Object.entries(twins)) optimizers[k] = new sn.nn.SGD(m, { lr, momentum: 0.9 });
    const testIdx = Int32Array.from({ length: Math.min(evalSize, data.test.count) }, (_, i) => i);
    const xTest = toTensor(data.test, testIdx, null, normalize);
    const yTest = labelsInt32(data.test, testIdx);
    // The image grid: GRID test images spread over the measured slice.
    const gridIdx = Int32Array.from({ length: GRID }, (_, j) => Math.floor((j * testIdx.length) / GRID));
    const pixels = new Uint8Array(GRID * PIXELS);
    gridIdx.forEach((i, j) => pixels.set(data.test.pixels.subarray(i * PIXELS, (i + 1) * PIXELS), j * PIXELS));
    post({
      type: 'images',
      pixels,
      labels: Array.from(gridIdx, (i) => yTest[i]),
      classNames: data.classNames,
    });
    const sampler = batchSampler(data.train.count, batch, seed);
    const x = new Float32Array(batch * PIXELS);
    const y = new Int32Array(batch);
    const lossSum = { plain: 0, bn: 0 };
    let lossSteps = 0;

    const measure = (step) => {
      const point = { step, acc: {}, loss: {}, channels: {}, grid: {}, confusion: {} };
      for (const [k, m] of Object.entries(twins)) {
        m.eval();
        const logits = m.forward(xTest);
        point.acc[k] = accuracy(logits, yTest, CLASSES);
        point.loss[k] = lossSteps ? lossSum[k] / lossSteps : NaN;
        point.channels[k] = channelStats(m.layerOutput(PROBE[k]), CHANNELS_SHOWN);
        point.grid[k] = Array.from(gridIdx, (i) => argmax(logits, i));
        const confusion = new Array(CLASSES * CLASSES).fill(0);
        for (let i = 0; i < yTest.length; i++) confusion[yTest[i] * CLASSES + argmax(logits, i)]++;
        point.confusion[k] = confusion;
        m.train();
      }
      lossSum.plain = lossSum.bn = lossSteps = 0;
      return point;
    };

    const started = performance.now();
    let compute = 0;
    let step = 0;
    post({ type: 'point', ...measure(0), stepsPerSecond: NaN });
    for (const target of measureSteps(steps, 40).slice(1)) {
      while (step < target) {
        const chunk = performance.now();
        while (step < target && performance.now() - chunk < 30) {
          const idx = sampler.next();
          toTensor(data.train, idx, x, normalize);
          labelsInt32(data.train, idx, y);
          const t0 = performance.now();
          for (const k of ['plain', 'bn']) lossSum[k] += twins[k].trainStep(x, y, optimizers[k]).loss;
          compute += performance.now() - t0;
          lossSteps++;
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
