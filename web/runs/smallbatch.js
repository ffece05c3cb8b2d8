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
import { labelsInt32, toTensor } from '../data/idx.js';
import { batchSampler } from './batches.js';
import { accuracy } from './measure.js';

const PIXELS = 784;
const CLASSES = 10;
export const BATCHES = [2, 4, 8, 32];
export const GHOST_BATCH = 32;
// Renorm's limits from the first step (a run of a few hundred steps has no room for the paper's
// 5 000-step warm-up); the moving μ and σ follow the batches with momentum 0.05 (the paper: 0.01
// over far longer runs).
export const RENORM = { rmax: 3, dmax: 5, momentum: 0.05 };
export const VARIANTS = ['plain', 'bn', 'renorm', 'ghost'];

function layers(variant, batch) {
  const out = [];
  let inFeatures = PIXELS;
  for (let i = 0; i < 2; i++) {
    out.push({ type: 'linear', inFeatures, outFeatures: 100, bias: variant === 'plain' });
    if (variant === 'bn') out.push({ type: 'batchNorm1d', numFeatures: 100 });
    if (variant === 'renorm') out.push({ type: 'batchNorm1d', numFeatures: 100, renorm: RENORM });
    if (variant === 'ghost') out.push({ type: 'batchNorm1d', numFeatures: 100, virtualBatchSize: batch });
    out.push({ type: 'relu' });
    inFeatures = 100;
  }
  out.push({ type: 'linear', inFeatures, outFeatures: CLASSES });
  return out;
}

// The samples per step of a variant at a batch size.
export const stepBatch = (variant, batch) => (variant === 'ghost' ? Math.max(batch, GHOST_BATCH) : batch);
// The steps of a network whose batches hold `size` images, for `steps` batches of 32 images.
const stepsFor = (steps, size) => Math.round((steps * GHOST_BATCH) / size);

// Every variant starts from the no-BN network's linear weights (and last bias).
function makeModels(sn, batch, seed) {
  const models = Object.fromEntries(
    VARIANTS.map((v) => [
      v,
      new sn.nn.Sequential(layers(v, batch), { inputShape: [PIXELS], seed, batchSize: stepBatch(v, batch) }),
    ]),
  );
  const from = models.plain.stateDict();
  for (const v of VARIANTS.slice(1)) {
    const to = models[v].stateDict();
    to['0.weight'] = from['0.weight'];
    to['3.weight'] = from['2.weight'];
    to['6.weight'] = from['4.weight'];
    to['6.bias'] = from['4.bias'];
    models[v].loadStateDict(to);
  }
  return models;
}

// params: { steps, lr, seed, evalSize } (steps and lr as for batches of 32); see runFigure1 for
// post and pause.
export async function runSmallBatch({ sn, data, params, post, pause }) {
  const { steps, lr, seed, evalSize } = params;
  const normalize = { mean: data.mean, std: data.std };
  const testIdx = Int32Array.from({ length: Math.min(evalSize, data.test.count) }, (_, i) => i);
  const xTest = toTensor(data.test, testIdx, null, normalize);
  const yTest = labelsInt32(data.test, testIdx);
  const trainIdx = Int32Array.from({ length: Math.min(evalSize, data.train.count) }, (_, i) => i);
  const xTrain = toTensor(data.train, trainIdx, null, normalize);
  const yTrain = labelsInt32(data.train, trainIdx);
  const started = performance.now();
  let total = 0;
  for (const batch of BATCHES) for (const v of VARIANTS) total += stepsFor(steps, stepBatch(v, batch));
  let compute = 0;
  let done = 0;
  for (const batch of BATCHES) {
    const models = makeModels(sn, batch, seed);
    const optimizers = Object.fromEntries(
      VARIANTS.map((v) => [
        v,
        new sn.nn.SGD(models[v], { lr: (lr * stepBatch(v, batch)) / GHOST_BATCH, momentum: 0.9 }),
      ]),
    );
    try {
      for (const variant of VARIANTS) {
        // Samplers with the same seed: every variant sees the same images in the same order.
        const size = stepBatch(variant, batch);
        const n = stepsFor(steps, size);
        const sampler = batchSampler(data.train.count, size, seed);
        const x = new Float32Array(size * PIXELS);
        const y = new Int32Array(size);
        for (let step = 0; step < n;) {
          const chunk = performance.now();
          while (step < n && performance.now() - chunk < 30) {
            const idx = sampler.next();
            toTensor(data.train, idx, x, normalize);
            labelsInt32(data.train, idx, y);
            const t0 = performance.now();
            models[variant].trainStep(x, y, optimizers[variant]);
            compute += performance.now() - t0;
            step++;
            done++;
          }
          post({ type: 'progress', done, total, stepsPerSecond: (1000 * done) / compute });
          if (await pause()) return;
        }
        const model = models[variant];
        const test = accuracy(model.eval().forward(xTest), yTest, CLASSES);
        // The same training images in eval mode, then in training mode in batches of the network's
        // size (which updates the running statistics: last).
        const chunks = Math.floor(yTrain.length / size);
        const used = chunks * size; // the same images in both modes
        const evalTrain = accuracy(model.forward(xTrain.subarray(0, used * PIXELS)), yTrain.subarray(0, used), CLASSES);
        let correct = 0;
        model.train();
        for (let c = 0; c < chunks; c++) {
          const logits = model.forward(xTrain.subarray(c * size * PIXELS, (c + 1) * size * PIXELS));
          correct += size * accuracy(logits, yTrain.subarray(c * size, (c + 1) * size), CLASSES);
        }
        post({ type: 'result', batch, variant, test, gap: correct / used - evalTrain });
      }
    } finally {
      for (const o of Object.values(optimizers)) o.dispose();
      for (const m of Object.values(models)) m.dispose();
    }
  }
  post({ type: 'done', seconds: (performance.now() - started) / 1000, stepsPerSecond: (1000 * done) / compute });
}
