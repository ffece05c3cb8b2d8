// Experiment 9 in the engine worker: fewer hyperparameters to tune (the BN paper's claim that BN
// makes training less sensitive to the learning rate and the initialization). Random search on
// MNIST with an MLP (784-100-100-10, ReLU), with and without BatchNorm1d before each ReLU: `count`
// configurations drawn from `seed` — learning rate log-uniform in [1e-3, 3], init scale
// log-uniform in [0.1, 10] (every initial weight multiplied by it), optimizer SGD, SGD with
// momentum 0.9 or Adam, batch size 16, 32, 64 or 128 — each trained `steps` steps by both twins
// from the same start with the same batches, then measured on a fixed slice of the test set.
import { labelsInt32, toTensor } from '../data/idx.js';
import { batchSampler, mulberry32 } from './batches.js';
import { accuracy } from './measure.js';

const PIXELS = 784;
const CLASSES = 10;
export const OPTIMIZERS = ['sgd', 'momentum', 'adam'];
export const BATCHES = [16, 32, 64, 128];

function layers(batchNorm) {
  const out = [];
  let inFeatures = PIXELS;
  for (let i = 0; i < 2; i++) {
    out.push({ type: 'linear', inFeatures, outFeatures: 100, bias: !batchNorm });
    if (batchNorm) out.push({ type: 'batchNorm1d', numFeatures: 100 });
    out.push({ type: 'relu' });
    inFeatures = 100;
  }
  out.push({ type: 'linear', inFeatures, outFeatures: CLASSES });
  return out;
}
// The plain twin's linear layers → the BN twin's (weights scaled by the init scale).
const LINEAR_KEYS = [
  ['0', '0'],
  ['2', '3'],
  ['4', '6'],
];

// The configurations, the same for both twins and for every run with this seed.
export function sampleConfigs(count, seed) {
  const random = mulberry32(seed);
  const logUniform = (lo, hi) =>
    +(10 ** (Math.log10(lo) + random() * (Math.log10(hi) - Math.log10(lo)))).toPrecision(3);
  return Array.from({ length: count }, (_, i) => ({
    index: i,
    lr: logUniform(1e-3, 3),
    initScale: logUniform(0.1, 10),
    optimizer: OPTIMIZERS[Math.floor(random() * OPTIMIZERS.length)],
    batch: BATCHES[Math.floor(random() * BATCHES.length)],
    seed: Math.floor(random() * 2 ** 31),
  }));
}

function makeOptimizer(sn, model, { optimizer, lr }) {
  if (optimizer === 'adam') return new sn.nn.Adam(model, { lr });
  return new sn.nn.SGD(model, { lr, momentum: optimizer === 'momentum' ? 0.9 : 0 });
}

function makeTwins(sn, config) {
  const plain = new sn.nn.Sequential(layers(false), {
    inputShape: [PIXELS],
    seed: config.seed,
    batchSize: config.batch,
  });
  const bn = new sn.nn.Sequential(layers(true), { inputShape: [PIXELS], seed: config.seed, batchSize: config.batch });
  const from = plain.stateDict();
  const to = bn.stateDict();
  for (const [p, b] of LINEAR_KEYS) {
    from[`${p}.weight`] = from[`${p}.weight`].map((w) => w * config.initScale);
    to[`${b}.weight`] = from[`${p}.weight`];
  }
  to['6.bias'] = from['4.bias'];
  plain.loadStateDict(from);
  bn.loadStateDict(to);
  return { plain, bn };
}

// params: { count, steps, seed, evalSize }; see runFigure1 for post and pause.
export async function runHparam({ sn, data, params, post, pause }) {
  const { count, steps, seed, evalSize } = params;
  const normalize = { mean: data.mean, std: data.std };
  const testIdx = Int32Array.from({ length: Math.min(evalSize, data.test.count) }, (_, i) => i);
  const xTest = toTensor(data.test, testIdx, null, normalize);
  const yTest = labelsInt32(data.test, testIdx);
  const started = performance.now();
  let compute = 0;
  let done = 0;
  for (const config of sampleConfigs(count, seed)) {
    const twins = makeTwins(sn, config);
    const optimizers = { plain: makeOptimizer(sn, twins.plain, config), bn: makeOptimizer(sn, twins.bn, config) };
    try {
      const sampler = batchSampler(data.train.count, config.batch, config.seed);
      const x = new Float32Array(config.batch * PIXELS);
      const y = new Int32Array(config.batch);
      for (let step = 0; step < steps;) {
        const chunk = performance.now();
        while (step < steps && performance.now() - chunk < 30) {
          const idx = sampler.next();
          toTensor(data.train, idx, x, normalize);
          labelsInt32(data.train, idx, y);
          const t0 = performance.now();
          for (const k of ['plain', 'bn']) twins[k].trainStep(x, y, optimizers[k]);
          compute += performance.now() - t0;
          step++;
          done++;
        }
        post({ type: 'progress', done, total: count * steps, stepsPerSecond: (1000 * done) / compute });
        if (await pause()) return;
      }
      const acc = {};
      for (const [k, m] of Object.entries(twins)) {
        // A diverged run's logits are NaN: its accuracy is what argmax makes of them (chance or 0).
        acc[k] = accuracy(m.eval().forward(xTest), yTest, CLASSES);
      }
      post({ type: 'config', config, acc });
    } finally {
      for (const o of Object.values(optimizers)) o.dispose();
      for (const m of Object.values(twins)) m.dispose();
    }
  }
  post({ type: 'done', seconds: (performance.now() - started) / 1000, stepsPerSecond: (1000 * done) / compute });
}
