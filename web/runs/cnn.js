// Experiment 8 in the engine worker: BN in a CNN. The model zoo's cnn (the benchmarks' CNN: conv
// 1→16 and 16→32, 3×3, padding 1, each followed by ReLU and 2×2 max pooling, then a linear layer
// to 10 classes), with and without BatchNorm2d after each conv (no conv bias where BN follows), on
// Fashion-MNIST or MNIST. Same start, same batches, same optimizer. Measured on a fixed slice of
// the test set in eval mode: loss and accuracy, the per-channel mean and std of the second ReLU's
// input (conv output for the plain twin, BN output for the BN twin), both twins' predictions on
// 16 test images, and their confusion matrices.
import { cnnLayers } from '../nn/model-zoo.js';
import { accuracy, firstImages } from './measure.js';
import { inEvalMode, runTwins } from './train-loop.js';

const CLASSES = 10;
const BATCH = 32;
const PIXELS = 784;
const GRID = 16; // test images shown with predictions
export const CHANNELS_SHOWN = 4;
const PROBE_CHANNELS = 32;
const PROBE_PIXELS = 14 * 14;

const layers = { plain: cnnLayers({ batchNorm: false }), bn: cnnLayers({ batchNorm: true }) };
// The second ReLU's input: the layer before the second ReLU.
const PROBE = Object.fromEntries(
  Object.entries(layers).map(([k, l]) => [k, l.findLastIndex((s) => s.type === 'relu') - 1]),
);

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

// params: { dataset, steps, lr, seed, evalSize }; see runFigure1 for post and pause.
export async function runCnn({ sn, data, params, post, pause }) {
  const { steps, lr, seed, evalSize } = params;
  const test = firstImages(data, 'test', evalSize);
  // The image grid: GRID test images spread over the measured slice.
  const gridIdx = Int32Array.from({ length: GRID }, (_, j) => Math.floor((j * test.y.length) / GRID));
  const pixels = new Uint8Array(GRID * PIXELS);
  gridIdx.forEach((i, j) => pixels.set(data.test.pixels.subarray(i * PIXELS, (i + 1) * PIXELS), j * PIXELS));
  post({ type: 'images', pixels, labels: Array.from(gridIdx, (i) => test.y[i]), classNames: data.classNames });
  const lossSum = { plain: 0, bn: 0 };
  let lossSteps = 0;
  await runTwins({
    sn,
    data,
    layers,
    batchSize: BATCH,
    optimizer: (model) => new sn.nn.SGD(model, { lr, momentum: 0.9 }),
    seed,
    steps,
    points: 40,
    onStep: (losses) => {
      for (const k of Object.keys(lossSum)) lossSum[k] += losses[k];
      lossSteps++;
    },
    measure: (models, step) => {
      const point = { step, acc: {}, loss: {}, channels: {}, grid: {}, confusion: {} };
      inEvalMode(models, (k, m) => {
        const logits = m.forward(test.x);
        point.acc[k] = accuracy(logits, test.y, CLASSES);
        point.loss[k] = lossSteps ? lossSum[k] / lossSteps : NaN;
        point.channels[k] = channelStats(m.layerOutput(PROBE[k]), CHANNELS_SHOWN);
        point.grid[k] = Array.from(gridIdx, (i) => argmax(logits, i));
        const confusion = new Array(CLASSES * CLASSES).fill(0);
        for (let i = 0; i < test.y.length; i++) confusion[test.y[i] * CLASSES + argmax(logits, i)]++;
        point.confusion[k] = confusion;
      });
      lossSum.plain = lossSum.bn = lossSteps = 0;
      return point;
    },
    post,
    pause,
  });
}
