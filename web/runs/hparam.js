// Experiment 9 in the engine worker: fewer hyperparameters to tune (the BN paper's claim that BN
// makes training less sensitive to the learning rate and the initialization). Random search on
// MNIST with an MLP (784-100-100-10, ReLU), with and without BatchNorm1d before each ReLU: `count`
// configurations drawn from `seed` — learning rate log-uniform in [1e-3, 3], init scale
// log-uniform in [0.1, 10] (every initial weight multiplied by it), optimizer SGD, SGD with
// momentum 0.9 or Adam, batch size 16, 32, 64 or 128 — each trained `steps` steps by both twins
// from the same start with the same batches, then measured on a fixed slice of the test set.
import { mlpLayers } from '../nn/model-zoo.js';
import { batchStream, mulberry32 } from './batches.js';
import { accuracy, firstImages } from './measure.js';
import { runClock, trainTogether } from './train-loop.js';
import { makeTwins } from './twins.js';

const CLASSES = 10;
export const OPTIMIZERS = ['sgd', 'momentum', 'adam'];
export const BATCHES = [16, 32, 64, 128];

const layers = {
  plain: mlpLayers({ depth: 2, activation: 'relu', batchNorm: false }),
  bn: mlpLayers({ depth: 2, activation: 'relu', batchNorm: true }),
};

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

// params: { count, steps, seed, evalSize }; see runFigure1 for post and pause.
export async function runHparam({ sn, data, params, post, pause }) {
  const { count, steps, seed, evalSize } = params;
  const test = firstImages(data, 'test', evalSize);
  const clock = runClock();
  for (const config of sampleConfigs(count, seed)) {
    const twins = makeTwins(sn, layers, {
      inputShape: data.train.shape,
      seed: config.seed,
      batchSize: config.batch,
      initScale: config.initScale,
      optimizer: (model) => makeOptimizer(sn, model, config),
    });
    try {
      const finished = await trainTogether({
        ...twins,
        clock,
        batches: batchStream(data, config.batch, config.seed),
        steps,
        total: count * steps,
        post,
        pause,
      });
      if (!finished) return;
      const acc = {};
      for (const [k, m] of Object.entries(twins.models)) {
        // A diverged run's logits are NaN: its accuracy is what argmax makes of them (chance or 0).
        acc[k] = accuracy(m.eval().forward(test.x), test.y, CLASSES);
      }
      post({ type: 'config', config, acc });
    } finally {
      twins.dispose();
    }
  }
  post(clock.done());
}
