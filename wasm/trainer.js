// Trainer: the toy-model trainer (src/nn/trainer.hpp, a Sequential of the layer engine, with the
// page's analytics of src/nn/model_analytics.hpp; bound in wasm/nn_bindings.cpp) for JavaScript.
// The whole training step runs in wasm; this file fills in defaults, checks every argument (Embind
// without ASSERTIONS would turn a bad number into 0 or a huge unsigned) and owns the lifetime.
// Contract: TrainerConfig in wasm/index.d.ts; docs/trainer.md.

import { checkBoolean, checkChoice, checkOptions, describe, kind } from './check.js';
import { errorCodes, fail } from './errors.js';
import { heapFor } from './instance.js';
import { live, track, untrack } from './lifetime.js';

const { TYPE, RANGE, UNSUPPORTED } = errorCodes;

const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

const DATASETS = ['spiral', 'circles', 'moons', 'xor', 'blobs'];
const ACTIVATIONS = ['relu', 'tanh', 'sigmoid'];
const INITS = ['auto', 'he', 'xavier'];
const OPTIMIZERS = ['sgd', 'momentum', 'adam'];

export const TRAINER_DEFAULTS = Object.freeze({
  dataset: 'spiral',
  points: 600,
  classes: 3,
  labelNoise: 0,
  testFraction: 0.25,
  dataSeed: 1,
  hidden: Object.freeze([32, 32]),
  activation: 'relu',
  init: 'auto',
  initScale: 1,
  batchNorm: true,
  bnMomentum: 0.1,
  bnEps: 1e-5,
  optimizer: 'sgd',
  lr: 0.1,
  batchSize: 32,
  seed: 1,
});

const FN = 'Trainer';

function checkInteger(fn, arg, v, lo, hi) {
  if (!Number.isInteger(v) || v < lo || v > hi) fail(kind(v), fn, arg, `an integer in [${lo}, ${hi}]`, describe(v));
}

function checkNumber(fn, arg, v, ok, expected) {
  if (!Number.isFinite(v) || !ok(v)) fail(kind(v), fn, arg, expected, describe(v));
}

// The config with defaults filled in, every field checked.
function normalize(config) {
  const c = { ...TRAINER_DEFAULTS, ...checkOptions(FN, 'config', config, Object.keys(TRAINER_DEFAULTS)) };
  checkChoice(FN, 'config.dataset', c.dataset, DATASETS);
  checkInteger(FN, 'config.points', c.points, 8, 100000);
  checkInteger(FN, 'config.classes', c.classes, 2, 8);
  checkNumber(FN, 'config.labelNoise', c.labelNoise, (v) => v >= 0 && v < 1, 'a fraction in [0, 1)');
  checkNumber(FN, 'config.testFraction', c.testFraction, (v) => v >= 0 && v <= 0.9, 'a fraction in [0, 0.9]');
  checkInteger(FN, 'config.dataSeed', c.dataSeed, 0, 2 ** 32 - 1);
  if (!Array.isArray(c.hidden) || c.hidden.length < 1 || c.hidden.length > 8)
    fail(
      Array.isArray(c.hidden) ? RANGE : TYPE,
      FN,
      'config.hidden',
      'an array of 1 to 8 layer widths',
      describe(c.hidden),
    );
  c.hidden.forEach((w, i) => checkInteger(FN, `config.hidden[${i}]`, w, 1, 512));
  checkChoice(FN, 'config.activation', c.activation, ACTIVATIONS);
  checkChoice(FN, 'config.init', c.init, INITS);
  checkNumber(FN, 'config.initScale', c.initScale, (v) => v > 0, 'a finite number > 0');
  checkBoolean(FN, 'config.batchNorm', c.batchNorm);
  checkNumber(FN, 'config.bnMomentum', c.bnMomentum, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
  checkNumber(FN, 'config.bnEps', c.bnEps, (v) => Math.fround(v) > 0, 'a finite number > 0 (float32)');
  checkChoice(FN, 'config.optimizer', c.optimizer, OPTIMIZERS);
  checkNumber(
    FN,
    'config.lr',
    c.lr,
    (v) => Math.fround(v) > 0 && Number.isFinite(Math.fround(v)),
    'a finite number > 0 (float32)',
  );
  checkInteger(FN, 'config.seed', c.seed, 0, 2 ** 32 - 1);
  const nTrain = c.points - Math.round(c.testFraction * c.points);
  checkInteger(FN, 'config.batchSize', c.batchSize, 2, Math.max(2, nTrain));
  c.hidden = Object.freeze([...c.hidden]);
  return Object.freeze(c);
}

function checkBounds(fn, b) {
  if (b === null || typeof b !== 'object')
    fail(TYPE, fn, 'bounds', 'an object { xMin, xMax, yMin, yMax }', describe(b));
  for (const k of ['xMin', 'xMax', 'yMin', 'yMax']) checkNumber(fn, `bounds.${k}`, b[k], () => true, 'a finite number');
  if (!(b.xMin < b.xMax) || !(b.yMin < b.yMax))
    fail(RANGE, fn, 'bounds', 'xMin < xMax and yMin < yMax', `x ${b.xMin}..${b.xMax}, y ${b.yMin}..${b.yMax}`);
}

export class Trainer {
  #raw;
  #config;
  #classes;
  #layers;
  #bnInference = 'running';

  constructor(config) {
    const { module } = heapFor(new.target, FN);
    if (typeof module.NnTrainer !== 'function')
      fail(UNSUPPORTED, FN, 'this', 'a module built with the trainer (src/nn)', 'a build without it');
    const c = normalize(config);
    const raw = new module.NnTrainer(c);
    this.#raw = raw;
    this.#config = c;
    this.#classes = raw.classes();
    this.#layers = c.hidden.length;
    track(this, 'Trainer', () => raw.delete());
  }

  #live(fn) {
    return live(this.#raw, `Trainer.${fn}`, 'Trainer');
  }

  get config() {
    this.#live('config');
    return this.#config;
  }
  get classes() {
    this.#live('classes');
    return this.#classes;
  }
  get layers() {
    this.#live('layers');
    return this.#layers;
  }
  get bnLayers() {
    this.#live('bnLayers');
    return this.#config.batchNorm ? this.#layers : 0;
  }
  get step() {
    return this.#live('step').step();
  }
  get diverged() {
    return this.#live('diverged').diverged();
  }
  get bnInference() {
    this.#live('bnInference');
    return this.#bnInference;
  }

  // k optimizer steps → { step, loss, accuracy, lossLast, diverged } (training-mode batches).
  trainSteps(k = 1) {
    const raw = this.#live('trainSteps');
    checkInteger('Trainer.trainSteps', 'k', k, 1, 1e6);
    return raw.trainSteps(k);
  }

  // { loss, accuracy } of a split: mode 'eval' (running statistics) or 'batch' (the whole
  // split as one batch).
  evaluate(options) {
    const fn = 'Trainer.evaluate';
    const raw = this.#live('evaluate');
    const o = checkOptions(fn, 'options', options, ['split', 'mode']);
    const split = o.split ?? 'test';
    const mode = o.mode ?? 'eval';
    checkChoice(fn, 'options.split', split, ['train', 'test']);
    checkChoice(fn, 'options.mode', mode, ['eval', 'batch']);
    if (split === 'test' && this.#config.testFraction === 0)
      fail(RANGE, fn, 'options.split', "'train' (testFraction is 0: there is no test set)", "'test'");
    return raw.evaluate(split, mode);
  }

  setBnInference(mode) {
    const raw = this.#live('setBnInference');
    checkChoice('Trainer.setBnInference', 'mode', mode, ['running', 'batch']);
    raw.setBnInference(mode);
    this.#bnInference = mode;
  }

  setLearningRate(lr) {
    const raw = this.#live('setLearningRate');
    checkNumber(
      'Trainer.setLearningRate',
      'lr',
      lr,
      (v) => Math.fround(v) > 0 && Number.isFinite(Math.fround(v)),
      'a finite number > 0 (float32)',
    );
    raw.setLearningRate(lr);
  }

  // One point, batch of 1 → { probs: Float32Array(classes), label }.
  predict(x, y) {
    const raw = this.#live('predict');
    checkNumber('Trainer.predict', 'x', x, () => true, 'a finite number');
    checkNumber('Trainer.predict', 'y', y, () => true, 'a finite number');
    const probs = raw.predict(x, y);
    let label = 0;
    for (let k = 1; k < probs.length; k++) if (probs[k] > probs[label]) label = k;
    return { probs, label };
  }

  // Float32Array(w·h·classes): class k at cell (i, j) is [(j·w + i)·classes + k], row 0 on top.
  decisionGrid(w, h, bounds) {
    const fn = 'Trainer.decisionGrid';
    const raw = this.#live('decisionGrid');
    checkInteger(fn, 'w', w, 1, 512);
    checkInteger(fn, 'h', h, 1, 512);
    const b = bounds ?? raw.dataset().bounds;
    checkBounds(fn, b);
    return raw.decisionGrid(w, h, b.xMin, b.xMax, b.yMin, b.yMax);
  }

  dataset() {
    return this.#live('dataset').dataset();
  }
  layerStats() {
    return this.#live('layerStats').layerStats();
  }

  unitStats(layer, unit = 0) {
    const raw = this.#live('unitStats');
    checkInteger('Trainer.unitStats', 'layer', layer, 0, this.#layers - 1);
    checkInteger('Trainer.unitStats', 'unit', unit, 0, this.#config.hidden[layer] - 1);
    return raw.unitStats(layer, unit);
  }

  runningStats() {
    return this.#live('runningStats').runningStats();
  }
  fold() {
    return this.#live('fold').fold();
  }

  dispose() {
    if (this.#raw === null) return;
    untrack(this);
    this.#raw.delete();
    this.#raw = null;
  }

  [dispose]() {
    this.dispose();
  }
}

// The default config, read-only: `Trainer.defaults` and `sn.Trainer.defaults`.
Object.defineProperty(Trainer, 'defaults', { value: TRAINER_DEFAULTS });
