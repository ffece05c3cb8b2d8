// The run's settings and their home in the URL query, so a copied link reproduces a run.
// Every field has a default, a parser that rejects nonsense, and a compact spelling in the URL;
// only fields that differ from the default are written, which keeps shared links short.

const choice = (values) => ({
  parse: (s) => (values.includes(s) ? s : undefined),
  format: String,
  values,
});
const number = (min, max, { integer = false } = {}) => ({
  parse: (s) => {
    const v = Number(s);
    if (!Number.isFinite(v) || v < min || v > max) return undefined;
    return integer ? Math.round(v) : v;
  },
  format: (v) => String(+v.toPrecision(4)),
  min,
  max,
});

// Field name → [default, kind]. `sweep` and `sweepSteps` size experiment 3 (the browser test uses
// a small sweep to finish quickly); `gapSteps` and `gapNoise` (label noise, so there is
// something to overfit) size experiment 4.
export const fields = {
  dataset: ['spiral', choice(['spiral', 'circles', 'moons', 'xor', 'blobs'])],
  depth: [3, number(1, 6, { integer: true })],
  width: [16, number(2, 128, { integer: true })],
  activation: ['relu', choice(['relu', 'tanh', 'sigmoid'])],
  optimizer: ['sgd', choice(['sgd', 'momentum', 'adam'])],
  lr: [0.03, number(1e-4, 10)],
  initScale: [1, number(0.01, 100)],
  batch: [32, number(2, 512, { integer: true })],
  momentum: [0.1, number(0.001, 1)],
  seed: [1, number(0, 2 ** 31 - 1, { integer: true })],
  noise: [0, number(0, 0.5)],
  gapNoise: [0.1, number(0, 0.5)],
  speed: [300, number(0, 1e6, { integer: true })], // steps/s while playing; 0: as fast as it goes
  kernels: ['simd', choice(['simd', 'scalar'])],
  sweep: [7, number(2, 9, { integer: true })],
  sweepSteps: [600, number(20, 5000, { integer: true })],
  gapSteps: [1500, number(20, 10000, { integer: true })],
  // Experiment 7 (the BN paper's Figure 1): its steps (the paper's 50 000 is the full run), SGD
  // learning rate and seed; test images measured (fig1Eval) and which last-layer sigmoid (fig1Unit).
  fig1Steps: [3000, number(10, 50000, { integer: true })],
  fig1Lr: [0.5, number(1e-3, 10)],
  fig1Seed: [1, number(0, 2 ** 31 - 1, { integer: true })],
  fig1Eval: [2000, number(100, 10000, { integer: true })],
  fig1Unit: [0, number(0, 99, { integer: true })],
  // Experiment 8 (BN in a CNN): data set, steps (batches of 32), SGD learning rate (momentum 0.9),
  // seed, test images measured.
  cnnDataset: ['fashion-mnist', choice(['fashion-mnist', 'mnist'])],
  cnnSteps: [300, number(10, 20000, { integer: true })],
  cnnLr: [0.03, number(1e-3, 1)],
  cnnSeed: [1, number(0, 2 ** 31 - 1, { integer: true })],
  cnnEval: [500, number(50, 10000, { integer: true })],
  // Experiment 9 (random search): configurations, steps each, seed of the sampled configurations,
  // test images measured, target accuracy.
  hparamCount: [12, number(1, 200, { integer: true })],
  hparamSteps: [200, number(10, 10000, { integer: true })],
  hparamSeed: [1, number(0, 2 ** 31 - 1, { integer: true })],
  hparamEval: [1000, number(50, 10000, { integer: true })],
  hparamTarget: [0.9, number(0.1, 1)],
  // Experiment 10 (small batches): steps per network and batch size, SGD learning rate (momentum
  // 0.9), seed, test images measured.
  smallbatchSteps: [300, number(10, 20000, { integer: true })],
  smallbatchLr: [0.02, number(1e-3, 1)],
  smallbatchSeed: [1, number(0, 2 ** 31 - 1, { integer: true })],
  smallbatchEval: [1000, number(50, 10000, { integer: true })],
  // Experiment 11 (recurrent BN): steps (batches of 32), Adam's learning rate, the LSTM's hidden
  // size, seed, test images measured.
  rnnSteps: [300, number(10, 20000, { integer: true })],
  rnnLr: [0.005, number(1e-4, 0.1)],
  rnnHidden: [64, number(4, 256, { integer: true })],
  rnnSeed: [1, number(0, 2 ** 31 - 1, { integer: true })],
  rnnEval: [500, number(50, 10000, { integer: true })],
};

export function defaults() {
  return Object.fromEntries(Object.entries(fields).map(([k, [d]]) => [k, d]));
}

// Reads the settings from a query string; unknown or invalid values fall back to the default.
export function fromQuery(search) {
  const params = new URLSearchParams(search);
  const state = defaults();
  for (const [key, [, kind]] of Object.entries(fields)) {
    if (!params.has(key)) continue;
    const v = kind.parse(params.get(key));
    if (v !== undefined) state[key] = v;
  }
  return state;
}

export function toQuery(state) {
  const params = new URLSearchParams();
  for (const [key, [def, kind]] of Object.entries(fields)) {
    if (state[key] !== def) params.set(key, kind.format(state[key]));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

// The subset of the state that defines the twin networks; changing any of these needs a reset.
export const modelKeys = [
  'dataset',
  'depth',
  'width',
  'activation',
  'optimizer',
  'lr',
  'initScale',
  'batch',
  'momentum',
  'seed',
  'noise',
];
