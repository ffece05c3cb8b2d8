// sn.nn: the layer engine (simdnorm::nn::Sequential and nn::optim, bound in
// wasm/sequential_bindings.cpp) for JavaScript. This file checks JavaScript types (Embind without
// ASSERTIONS would turn a string into 0), turns spec objects into the C++ LayerSpecs and owns the
// lifetimes; the C++ checks every meaning (chained shapes, ranges, state-dict keys and sizes).
// Contract: the nn namespace in wasm/index.d.ts; docs/js-nn.md.

import { checkBoolean, checkChoice, checkOptions, describe } from './check.js';
import { errorCodes, fail } from './errors.js';
import { heapFor } from './instance.js';
import { live, track, untrack } from './lifetime.js';

const { TYPE, RANGE, UNSUPPORTED } = errorCodes;

const LOSSES = ['crossEntropy', 'mse'];
const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

// What the classes of this file share and users do not see: an object's raw Embind handle
// (checked not disposed) and, for a model, its module.
const rawModels = new WeakMap(); // Sequential → (fn) => { raw, module }
const rawOptimizers = new WeakMap(); // Optimizer → (fn) => raw

function moduleFor(newTarget, fn) {
  const { module } = heapFor(newTarget, fn);
  if (typeof module.NnSequential !== 'function')
    fail(UNSUPPORTED, fn, 'this', 'a module built with the layer engine (src/nn)', 'a build without it');
  return module;
}

const isScalar = (value) => value === null || ['boolean', 'number', 'string'].includes(typeof value);
const isPlainObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

// { type, ...args } → [type, [[name, value], ...]]; values must be null, booleans, numbers or
// strings (batchNorm: 'per-step'), or one level of options ({ renorm: { rmax: 3 } } →
// ['renorm', true], ['renorm.rmax', 3]); the C++ checks which of them each argument accepts.
function toSpec(fn, spec, i) {
  const at = `layers[${i}]`;
  if (!isPlainObject(spec)) fail(TYPE, fn, at, "a layer spec object such as { type: 'relu' }", describe(spec));
  if (typeof spec.type !== 'string') fail(TYPE, fn, `${at}.type`, 'a layer type name (a string)', describe(spec.type));
  const args = [];
  for (const [name, value] of Object.entries(spec)) {
    if (name === 'type') continue;
    if (isPlainObject(value)) {
      args.push([name, true]);
      for (const [key, v] of Object.entries(value)) {
        if (!isScalar(v)) fail(TYPE, fn, `${at}.${name}.${key}`, 'null, a boolean, a number or a string', describe(v));
        args.push([`${name}.${key}`, v]);
      }
      continue;
    }
    if (!isScalar(value))
      fail(TYPE, fn, `${at}.${name}`, 'null, a boolean, a number, a string or an object of them', describe(value));
    args.push([name, value]);
  }
  return [spec.type, args];
}

function checkWhole(fn, arg, v, lo, hi) {
  if (!Number.isInteger(v) || v < lo || v > hi)
    fail(typeof v === 'number' ? RANGE : TYPE, fn, arg, `an integer in [${lo}, ${hi}]`, describe(v));
}

function checkReal(fn, arg, v) {
  if (typeof v !== 'number') fail(TYPE, fn, arg, 'a number', describe(v));
}

function checkTyped(fn, arg, v, Type) {
  if (!(v instanceof Type)) fail(TYPE, fn, arg, `a ${Type.name}`, describe(v));
}

export class Sequential {
  #raw;
  #module;
  #inputShape;
  #outputShape;
  #shapes = null;

  constructor(layers, options) {
    const fn = 'nn.Sequential';
    const module = moduleFor(new.target, fn);
    if (!Array.isArray(layers)) fail(TYPE, fn, 'layers', 'an array of layer spec objects', describe(layers));
    const specs = layers.map((spec, i) => toSpec(fn, spec, i));
    if (options === undefined) fail(TYPE, fn, 'options', 'an options object with inputShape', 'undefined');
    const o = checkOptions(fn, 'options', options, ['inputShape', 'seed', 'batchSize']);
    if (!Array.isArray(o.inputShape))
      fail(TYPE, fn, 'options.inputShape', 'an array of per-sample dims, e.g. [1, 28, 28]', describe(o.inputShape));
    o.inputShape.forEach((d, i) => checkWhole(fn, `options.inputShape[${i}]`, d, 0, 2 ** 31 - 1));
    const seed = o.seed ?? 1;
    checkWhole(fn, 'options.seed', seed, 0, Number.MAX_SAFE_INTEGER);
    const batchSize = o.batchSize ?? 1;
    checkWhole(fn, 'options.batchSize', batchSize, 1, 2 ** 31 - 1);
    const raw = new module.NnSequential(specs, o.inputShape, seed, batchSize);
    this.#raw = raw;
    this.#module = module;
    this.#inputShape = Object.freeze(raw.inputShape());
    this.#outputShape = Object.freeze(raw.outputShape());
    track(this, 'nn.Sequential', () => raw.delete());
    rawModels.set(this, (fn) => ({ raw: live(this.#raw, fn, 'Sequential', 'model'), module: this.#module }));
  }

  #live(fn) {
    return live(this.#raw, `nn.Sequential.${fn}`, 'Sequential');
  }

  get inputShape() {
    this.#live('inputShape');
    return this.#inputShape;
  }
  get outputShape() {
    this.#live('outputShape');
    return this.#outputShape;
  }
  get training() {
    return this.#live('training').training();
  }

  train(on = true) {
    const raw = this.#live('train');
    checkBoolean('nn.Sequential.train', 'on', on);
    raw.train(on);
    return this;
  }

  eval() {
    this.#live('eval').train(false);
    return this;
  }

  forward(x) {
    const raw = this.#live('forward');
    checkTyped('nn.Sequential.forward', 'x', x, Float32Array);
    return raw.forward(x);
  }

  // Layer `index`'s output in the last forward() or trainStep() (before its optimizer step).
  layerOutput(index) {
    const fn = 'nn.Sequential.layerOutput';
    const raw = this.#live('layerOutput');
    checkWhole(fn, 'index', index, 0, 2 ** 31 - 1);
    return raw.layerOutput(index);
  }

  // options.loss: 'crossEntropy' (default; labels Int32Array [N]) or 'mse' (targets Float32Array
  // [N, ...outputShape]).
  trainStep(x, labels, optimizer, options) {
    const fn = 'nn.Sequential.trainStep';
    const raw = this.#live('trainStep');
    const { maxGradNorm, loss = 'crossEntropy' } = checkOptions(fn, 'options', options, ['maxGradNorm', 'loss']);
    checkChoice(fn, 'options.loss', loss, LOSSES);
    checkTyped(fn, 'x', x, Float32Array);
    if (loss === 'mse') checkTyped(fn, 'targets', labels, Float32Array);
    else checkTyped(fn, 'labels', labels, Int32Array);
    if (maxGradNorm !== undefined) checkReal(fn, 'options.maxGradNorm', maxGradNorm);
    if (!(optimizer instanceof Optimizer))
      fail(TYPE, fn, 'optimizer', 'an nn.SGD, nn.Adam or nn.RMSprop', describe(optimizer));
    const rawOptimizer = rawOptimizers.get(optimizer)(fn);
    // Its parameter pointers are this model's: another model's optimizer would write elsewhere.
    if (!optimizer.isFor(this))
      fail(RANGE, fn, 'optimizer', 'an optimizer made for this model', 'one made for another model');
    const clip = maxGradNorm !== undefined;
    const step = loss === 'mse' ? raw.trainStepMse : raw.trainStep;
    return step.call(raw, x, labels, rawOptimizer, clip, clip ? maxGradNorm : 0);
  }

  stateDict() {
    const out = {};
    const shapes = {};
    for (const { key, values, shape } of this.#live('stateDict').stateDict()) {
      out[key] = values;
      shapes[key] = Object.freeze(shape);
    }
    this.#shapes ??= Object.freeze(shapes);
    return out;
  }

  stateDictShapes() {
    if (this.#shapes === null) this.stateDict();
    return this.#shapes;
  }

  loadStateDict(state) {
    const fn = 'nn.Sequential.loadStateDict';
    const raw = this.#live('loadStateDict');
    if (state === null || typeof state !== 'object' || Array.isArray(state))
      fail(TYPE, fn, 'state', "an object { '0.weight': Float32Array, ... }", describe(state));
    const entries = Object.entries(state);
    for (const [key, values] of entries) checkTyped(fn, `state['${key}']`, values, Float32Array);
    raw.loadStateDict(entries);
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

// The optimizers: each holds its own state (momentum buffers, Adam's moments) in wasm memory and
// updates the parameters of the model it was made for.
export class Optimizer {
  #raw;
  #model;

  constructor(model, make, fn) {
    if (new.target === Optimizer)
      fail(TYPE, 'nn.Optimizer', 'this', 'new nn.SGD, nn.Adam or nn.RMSprop', 'new nn.Optimizer');
    if (!rawModels.has(model)) fail(TYPE, fn, 'model', 'an nn.Sequential', describe(model));
    const { raw: rawModel, module } = rawModels.get(model)(fn);
    const raw = make(module.NnOptimizer, rawModel);
    this.#raw = raw;
    this.#model = model;
    track(this, fn, () => raw.delete());
    rawOptimizers.set(this, (f) => live(this.#raw, f, 'optimizer', 'optimizer'));
  }

  // Whether this optimizer updates `model`.
  isFor(model) {
    return this.#model === model;
  }

  get lr() {
    return live(this.#raw, 'nn.Optimizer.lr', 'optimizer').lr();
  }
  set lr(value) {
    const raw = live(this.#raw, 'nn.Optimizer.lr', 'optimizer');
    checkReal('nn.Optimizer.lr', 'lr', value);
    raw.setLr(value);
  }

  dispose() {
    if (this.#raw === null) return;
    untrack(this);
    this.#raw.delete();
    this.#raw = null;
    this.#model = null;
  }

  [dispose]() {
    this.dispose();
  }
}

// The options object with defaults filled in; numbers and booleans checked for type (the C++
// checks ranges with torch's rules).
function optimizerOptions(fn, options, defaults, { required = [], booleans = [] } = {}) {
  if (options === undefined && required.length === 0) options = {};
  if (options === undefined) fail(TYPE, fn, 'options', `an options object with ${required.join(', ')}`, 'undefined');
  const o = { ...defaults, ...checkOptions(fn, 'options', options, Object.keys(defaults)) };
  for (const key of required) if (o[key] === undefined) fail(TYPE, fn, `options.${key}`, 'a number', 'undefined');
  for (const [key, v] of Object.entries(o)) {
    if (booleans.includes(key)) checkBoolean(fn, `options.${key}`, v);
    else if (key !== 'betas') checkReal(fn, `options.${key}`, v);
  }
  return o;
}

// torch.optim.SGD: lr is required, as in torch.
export class SGD extends Optimizer {
  constructor(model, options) {
    const fn = 'nn.SGD';
    const o = optimizerOptions(
      fn,
      options,
      { lr: undefined, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
      { required: ['lr'], booleans: ['nesterov'] },
    );
    super(model, (NnOptimizer, raw) => NnOptimizer.sgd(raw, o), fn);
  }
}

export class Adam extends Optimizer {
  constructor(model, options) {
    const fn = 'nn.Adam';
    const o = optimizerOptions(fn, options, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    if (!Array.isArray(o.betas) || o.betas.length !== 2 || !o.betas.every((b) => typeof b === 'number'))
      fail(TYPE, fn, 'options.betas', 'an array of two numbers [beta1, beta2]', describe(o.betas));
    super(model, (NnOptimizer, raw) => NnOptimizer.adam(raw, o), fn);
  }
}

export class RMSprop extends Optimizer {
  constructor(model, options) {
    const fn = 'nn.RMSprop';
    const o = optimizerOptions(
      fn,
      options,
      { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
      { booleans: ['centered'] },
    );
    super(model, (NnOptimizer, raw) => NnOptimizer.rmsprop(raw, o), fn);
  }
}
