// Experiment 11 in the engine worker: BN in a recurrent network (Cooijmans et al. 2016). Sequential
// MNIST read row by row (28 steps of 28 pixels) by an LSTM (hidden size `hidden`) then a linear
// layer to 10 classes, three ways from the same LSTM and linear weights on the same batches: no
// BN, recurrent BN with statistics per time step ('per-step'), and one set of statistics shared
// by every step ('shared'). Adam with gradient clipping at norm 1. Reports test accuracy in eval
// mode over steps, and at the end the per-step running means and variances of the BN'd
// hidden-to-hidden term W_hh·h_{t−1} (bn_hh) of the per-step network against the shared one's.
import { accuracy, firstImages } from './measure.js';
import { inEvalMode, runTwins } from './train-loop.js';

const ROWS = 28;
const CLASSES = 10;
const BATCH = 32;
export const VARIANTS = ['plain', 'perstep', 'shared'];
const BATCH_NORM = { plain: false, perstep: 'per-step', shared: 'shared' };

const layers = (hidden) =>
  Object.fromEntries(
    VARIANTS.map((v) => [
      v,
      [
        { type: 'lstm', inputSize: ROWS, hiddenSize: hidden, batchNorm: BATCH_NORM[v] },
        { type: 'linear', inFeatures: hidden, outFeatures: CLASSES },
      ],
    ]),
  );

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
  const test = firstImages(data, 'test', evalSize);
  await runTwins({
    sn,
    data,
    // The BN networks start from the plain one's LSTM and linear weights (their BN γ, β are extra).
    layers: layers(hidden),
    inputShape: [ROWS, ROWS],
    batchSize: BATCH,
    optimizer: (model) => new sn.nn.Adam(model, { lr }),
    seed,
    steps,
    points: 30,
    options: { maxGradNorm: 1 },
    measure: (models, step) => {
      const acc = {};
      inEvalMode(models, (v, m) => {
        acc[v] = accuracy(m.forward(test.x), test.y, CLASSES);
      });
      return { step, acc };
    },
    finish: (models) => ({
      perstep: hiddenStats(models.perstep.stateDict(), hidden),
      shared: hiddenStats(models.shared.stateDict(), hidden),
    }),
    post,
    pause,
  });
}
