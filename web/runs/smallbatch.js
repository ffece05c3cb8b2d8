// Experiment 10 in the engine worker: small batches (the BN paper's claims of faster training and
// regularization, at the batch sizes a phone trains with). On MNIST, an MLP 784-100-100-10 (ReLU)
// trains at each batch size in BATCHES in four variants from the same start on the same images:
// no BN, plain BN, batch renormalization (Ioffe 2017) and ghost batches (Hoffer et al. 2017),
// BatchNorm1d before each ReLU. Every network sees the same number of training images, `steps`
// batches of 32 (so 16 × `steps` batches of 2), with SGD + momentum 0.9 at `lr` · batch/32 (the
// linear scaling rule), so a smaller batch changes the gradient noise and BN's statistics, not
// the data seen or the step size per image. A ghost batch cannot be larger than the batch, so the
// ghost variant trains on batches of GHOST_BATCH samples whose BN statistics come from ghost
// batches of the batch size: the statistics of a small batch with the gradient of a larger one.
// Measured per variant and batch size after training: test accuracy in eval mode (running
// statistics), and on the first `evalSize` training images the accuracy in training mode (batch
// statistics of batches of the network's size, forward only) minus that in eval mode: the
// train/eval gap, BN's own discrepancy without the generalization gap.
import { mlpLayers } from '../nn/model-zoo.js';
import { batchStream } from './batches.js';
import { accuracy, firstImages } from './measure.js';
import { runClock, trainTogether } from './train-loop.js';
import { makeTwins } from './twins.js';

const PIXELS = 784;
const CLASSES = 10;
export const BATCHES = [2, 4, 8, 32];
export const GHOST_BATCH = 32;
// Renorm's limits from the first step (a run of a few hundred steps has no room for the paper's
// 5 000-step warm-up); the moving μ and σ follow the batches with momentum 0.05 (the paper: 0.01
// over far longer runs).
export const RENORM = { rmax: 3, dmax: 5, momentum: 0.05 };
export const VARIANTS = ['plain', 'bn', 'renorm', 'ghost'];

// Each variant's BatchNorm1d options (the first, no BN, starts all of them).
const batchNorm = (batch) => ({
  plain: false,
  bn: true,
  renorm: { renorm: RENORM },
  ghost: { virtualBatchSize: batch },
});
const layers = (batch) =>
  Object.fromEntries(
    Object.entries(batchNorm(batch)).map(([v, bn]) => [v, mlpLayers({ depth: 2, activation: 'relu', batchNorm: bn })]),
  );

// The samples per step of a variant at a batch size.
export const stepBatch = (variant, batch) => (variant === 'ghost' ? Math.max(batch, GHOST_BATCH) : batch);
// The steps of a network whose batches hold `size` images, for `steps` batches of 32 images.
const stepsFor = (steps, size) => Math.round((steps * GHOST_BATCH) / size);

// Accuracy on the training images `train` in eval mode, then in training mode in batches of the
// network's size (which updates the running statistics: last), on the same images: the gap.
function trainEvalGap(model, train, size) {
  const chunks = Math.floor(train.y.length / size);
  const used = chunks * size;
  const evalTrain = accuracy(
    model.eval().forward(train.x.subarray(0, used * PIXELS)),
    train.y.subarray(0, used),
    CLASSES,
  );
  let correct = 0;
  model.train();
  for (let c = 0; c < chunks; c++) {
    const logits = model.forward(train.x.subarray(c * size * PIXELS, (c + 1) * size * PIXELS));
    correct += size * accuracy(logits, train.y.subarray(c * size, (c + 1) * size), CLASSES);
  }
  return correct / used - evalTrain;
}

// params: { steps, lr, seed, evalSize } (steps and lr as for batches of 32); see runFigure1 for
// post and pause.
export async function runSmallBatch({ sn, data, params, post, pause }) {
  const { steps, lr, seed, evalSize } = params;
  const test = firstImages(data, 'test', evalSize);
  const train = firstImages(data, 'train', evalSize);
  let total = 0;
  for (const batch of BATCHES) for (const v of VARIANTS) total += stepsFor(steps, stepBatch(v, batch));
  const clock = runClock();
  for (const batch of BATCHES) {
    const twins = makeTwins(sn, layers(batch), {
      inputShape: data.train.shape,
      seed,
      batchSize: Object.fromEntries(VARIANTS.map((v) => [v, stepBatch(v, batch)])),
      optimizer: (model, v) => new sn.nn.SGD(model, { lr: (lr * stepBatch(v, batch)) / GHOST_BATCH, momentum: 0.9 }),
    });
    try {
      for (const variant of VARIANTS) {
        // Batches with the same seed: every variant sees the same images in the same order.
        const size = stepBatch(variant, batch);
        const model = twins.models[variant];
        const finished = await trainTogether({
          clock,
          models: { [variant]: model },
          optimizers: { [variant]: twins.optimizers[variant] },
          batches: batchStream(data, size, seed),
          steps: stepsFor(steps, size),
          total,
          post,
          pause,
        });
        if (!finished) return;
        const testAcc = accuracy(model.eval().forward(test.x), test.y, CLASSES);
        post({ type: 'result', batch, variant, test: testAcc, gap: trainEvalGap(model, train, size) });
      }
    } finally {
      twins.dispose();
    }
  }
  post(clock.done());
}
