// Experiment 7 in the engine worker: the BN paper's Figure 1 (Ioffe & Szegedy 2015, §4.1). Two
// MLPs on MNIST, the model zoo's mlp (784-100-100-100-10 with sigmoid hidden units), batch 60,
// plain SGD; the BN twin has BatchNorm1d before each sigmoid and no bias in the linear layers BN
// follows. Both start from the same weights and see the same batches. Measured on a fixed slice
// of the test set in eval mode: test accuracy, and the 15/50/85th percentiles over the test images
// of the input to one sigmoid of the last hidden layer (for the BN twin that input is γx̂ + β,
// BN's output, read with model.layerOutput).
import { mlpLayers } from '../nn/model-zoo.js';
import { accuracy, columnPercentiles, firstImages } from './measure.js';
import { inEvalMode, runTwins } from './train-loop.js';

const HIDDEN = 100;
const CLASSES = 10;
const BATCH = 60;
export const PERCENTILES = [0.15, 0.5, 0.85];

const layers = { plain: mlpLayers({ batchNorm: false }), bn: mlpLayers({ batchNorm: true }) };
// The index of the layer whose output feeds the last hidden sigmoid.
const PROBE = Object.fromEntries(
  Object.entries(layers).map(([k, l]) => [k, l.findLastIndex((s) => s.type === 'sigmoid') - 1]),
);

// params: { steps, lr, seed, evalSize, unit }. post(message) reports; pause() yields to the
// worker's event loop and says whether the run was cancelled.
export async function runFigure1({ sn, data, params, post, pause }) {
  const { steps, lr, seed, evalSize, unit } = params;
  const test = firstImages(data, 'test', evalSize);
  await runTwins({
    sn,
    data,
    layers,
    batchSize: BATCH,
    optimizer: (model) => new sn.nn.SGD(model, { lr }),
    seed,
    steps,
    measure: (models, step) => {
      const point = { step, acc: {}, percentiles: {} };
      inEvalMode(models, (k, m) => {
        point.acc[k] = accuracy(m.forward(test.x), test.y, CLASSES);
        point.percentiles[k] = columnPercentiles(m.layerOutput(PROBE[k]), HIDDEN, unit, PERCENTILES);
      });
      return point;
    },
    post,
    pause,
  });
}
