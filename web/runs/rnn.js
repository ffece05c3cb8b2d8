// Experiment 11 in the engine worker: BN in a recurrent network (Cooijmans et al. 2016). Sequential
// MNIST read row by row (28 steps of 28 pixels) by an LSTM (hidden size `hidden`) then a linear
// layer to 10 classes, three ways from the same LSTM and linear weights on the same batches: no
// BN, recurrent BN with statistics per time step ('per-step'), and one set of statistics shared
// by every step ('shared'). Adam with gradient clipping at norm 1. Reports test accuracy in eval
// mode over steps, and at the end the per-step running means and variances of the BN'd
// hidden-to-hidden term W_hh·h_{t−1} (bn_hh) of the per-step network against the shared one's.
import { batchStream } from './batches.js';
import { accuracy, firstImages, measureSteps } from './measure.js';
import { runClock, trainTogether } from './train-loop.js';
import { makeTwins } from './twins.js';

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
  // The BN networks start from the plain one's LSTM and linear weights (their BN γ, β are extra).
  const twins = makeTwins(sn, layers(hidden), {
    inputShape: [ROWS, ROWS],
    seed,
    batchSize: BATCH,
    optimizer: (model) => new sn.nn.Adam(model, { lr }),
  });
  try {
    const test = firstImages(data, 'test', evalSize);
    const measure = (step) => {
      const acc = {};
      for (const [v, m] of Object.entries(twins.models)) {
        acc[v] = accuracy(m.eval().forward(test.x), test.y, CLASSES);
        m.train();
      }
      return { step, acc };
    };
    const clock = runClock();
    const finished = await trainTogether({
      ...twins,
      clock,
      batches: batchStream(data, BATCH, seed),
      steps,
      options: { maxGradNorm: 1 },
      measureAt: new Set(measureSteps(steps, 30)),
      measure,
      post,
      pause,
    });
    if (!finished) return;
    post(
      clock.done({
        perstep: hiddenStats(twins.models.perstep.stateDict(), hidden),
        shared: hiddenStats(twins.models.shared.stateDict(), hidden),
      }),
    );
  } finally {
    twins.dispose();
  }
}
