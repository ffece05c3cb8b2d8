// BatchNorm: nn.BatchNorm1d/2d/3d for JavaScript over the C++ module (wasm/bindings.cpp).
// Tensors are copied unless they are Tensors, once each way, through heap memory the object keeps
// between calls.
//
// Parameters, running statistics and gradients are Float32Arrays owned by the object, in JS
// memory: the same array on every read, so `bn.weight[0] = 2` or `bn.weight.set(w)` lands, as
// with PyTorch's tensors. They are copied into the module before each call that reads them and
// back after each call that writes them (C floats each, small next to the N·C·S of a batch).
// Views of wasm memory would not do: any heap growth detaches them, and a write into a detached
// view is silently dropped.

import {
  checkBoolean,
  checkCount,
  checkEps,
  checkFloat32Array,
  checkLayout,
  checkMomentum,
  checkOptions,
  describe,
  kind,
  parseShape,
} from './check.js';
import { errorCodes, fail } from './errors.js';
import { Tensor } from './heap.js';
import { heapFor } from './instance.js';
import { track, untrack } from './lifetime.js';

const { TYPE, SHAPE, STATE, DISPOSED } = errorCodes;
const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');
const OPTIONS = ['eps', 'momentum', 'affine', 'trackRunningStats', 'layout', 'relu'];
// Per-channel arrays: the property, the binding that gives its heap address, why it may be absent.
const PARAMETERS = [
  ['weight', 'affine is false'],
  ['bias', 'affine is false'],
];
const STATISTICS = [
  ['runningMean', 'trackRunningStats is false'],
  ['runningVar', 'trackRunningStats is false'],
];
const GRADIENTS = [
  ['weightGrad', 'affine is false'],
  ['biasGrad', 'affine is false'],
];

export class BatchNorm {
  #heap;
  #raw;
  #numFeatures;
  #options;
  #arrays; // { weight, bias, runningMean, runningVar, weightGrad, biasGrad }: Float32Array | null
  #lastNumel = null; // element count of the last forward: backward's dy and dx
  // Kept across calls: the copy of a Float32Array x, which the C++ module borrows until the next
  // forward (backward reads it), and the staging memory of y, dy and dx. Freed by dispose().
  #input;
  #staging;

  constructor(numFeatures, options) {
    const fn = 'BatchNorm';
    const heap = heapFor(new.target, fn);
    checkCount(fn, 'numFeatures', numFeatures);
    const o = checkOptions(fn, 'options', options, OPTIONS);
    const opts = {
      eps: o.eps ?? 1e-5,
      momentum: o.momentum === undefined ? 0.1 : o.momentum,
      affine: o.affine ?? true,
      trackRunningStats: o.trackRunningStats ?? true,
      layout: o.layout ?? 'channels-first',
      relu: o.relu ?? false,
    };
    checkEps(fn, 'options.eps', opts.eps);
    checkMomentum(fn, 'options.momentum', opts.momentum, { nullable: true });
    checkBoolean(fn, 'options.affine', opts.affine);
    checkBoolean(fn, 'options.trackRunningStats', opts.trackRunningStats);
    checkLayout(fn, 'options.layout', opts.layout);
    checkBoolean(fn, 'options.relu', opts.relu);
    // NaN carries null (cumulative average) across the binding.
    const raw = new heap.module.BatchNorm(
      numFeatures,
      opts.eps,
      opts.momentum ?? NaN,
      opts.affine,
      opts.trackRunningStats,
      opts.relu,
    );
    const input = new heap.Scratch('BatchNorm.forward');
    const staging = new heap.Scratch('BatchNorm');
    this.#heap = heap;
    this.#raw = raw;
    this.#numFeatures = numFeatures;
    this.#options = Object.freeze(opts);
    this.#input = input;
    this.#staging = staging;
    this.#arrays = {};
    for (const [name] of [...PARAMETERS, ...STATISTICS, ...GRADIENTS])
      this.#arrays[name] = raw[name]() === 0 ? null : new Float32Array(numFeatures);
    this.#pull([...PARAMETERS, ...STATISTICS, ...GRADIENTS]);
    track(this, 'BatchNorm', () => {
      raw.delete();
      input.free();
      staging.free();
    });
  }

  #live(fn) {
    if (this.#raw === null)
      fail(DISPOSED, `BatchNorm.${fn}`, 'this', 'a BatchNorm that is not disposed', 'a disposed one');
    return this.#raw;
  }

  // The JS arrays into the module (before a call that reads them).
  #push(list) {
    for (const [name] of list) {
      const array = this.#arrays[name];
      if (array !== null) this.#heap.copyIn(this.#raw[name](), array);
    }
  }

  // The module's values into the JS arrays (after a call that wrote them); identities are kept.
  #pull(list) {
    for (const [name] of list) {
      const array = this.#arrays[name];
      if (array !== null) this.#heap.copyInto(array, this.#raw[name](), this.#numFeatures);
    }
  }

  get numFeatures() {
    this.#live('numFeatures');
    return this.#numFeatures;
  }

  get options() {
    this.#live('options');
    return this.#options;
  }

  // y = BN(x) for x of `shape` (layout from the options). Batch statistics in training mode
  // (updating the running ones), running statistics in eval mode.
  forward(x, shape, out) {
    const fn = 'BatchNorm.forward';
    const raw = this.#live('forward');
    const heap = this.#heap;
    const s = parseShape(fn, shape, this.#options.layout);
    if (s.c !== this.#numFeatures)
      fail(SHAPE, fn, 'shape', `${this.#numFeatures} channels (numFeatures)`, `${s.c} channels in ${s.text}`);
    const batchStats = raw.training() || !this.#options.trackRunningStats;
    if (batchStats && s.n * s.s === 1)
      fail(SHAPE, fn, 'x', 'more than 1 value per channel when training', `shape ${s.text}`);
    const what = `the product of shape ${s.text}`;
    heap.checkTensorArg(fn, 'x', x, s.numel, what);
    if (out !== undefined) heap.checkTensorArg(fn, 'out', out, s.numel, what);
    // x is copied once into memory this object owns, which the C++ module borrows until the
    // next forward (backward reads it): a Tensor too, as the caller may change or free it.
    this.#lastNumel = null; // the previous forward's x is overwritten from here on
    const xa = this.#input.reserve('x', s.numel);
    if (x instanceof Tensor) heap.copyWithin(xa, x.address, s.numel);
    else heap.copyIn(xa, x);
    const y = out instanceof Tensor ? out.address : this.#staging.reserve('out', s.numel);
    this.#push([...PARAMETERS, ...STATISTICS]);
    raw.forwardBorrowed(xa, s.n, s.c, s.s, s.channelsLast, y);
    this.#pull(STATISTICS);
    this.#lastNumel = s.numel;
    return out instanceof Tensor ? out : heap.deliver(y, s.numel, out);
  }

  // dx for dy of the last forward's shape; also sets weightGrad and biasGrad (overwritten).
  backward(dy, out) {
    const fn = 'BatchNorm.backward';
    const raw = this.#live('backward');
    const heap = this.#heap;
    if (this.#lastNumel === null) fail(STATE, fn, 'dy', 'a forward() before backward()', 'none');
    const n = this.#lastNumel;
    const what = "the last forward's shape";
    heap.checkTensorArg(fn, 'dy', dy, n, what);
    if (out !== undefined) heap.checkTensorArg(fn, 'out', out, n, what);
    // A Float32Array dy is copied into the staging memory and dx written over it (the kernels
    // allow dx = dy): one copy in, one copy out.
    let dya;
    if (dy instanceof Tensor) {
      dya = dy.address;
    } else {
      dya = this.#staging.reserve('dy', n);
      heap.copyIn(dya, dy);
    }
    let dx = dya;
    if (out instanceof Tensor) dx = out.address;
    else if (dy instanceof Tensor) dx = this.#staging.reserve('out', n);
    this.#push([...PARAMETERS, ...STATISTICS]);
    raw.backward(dya, dx, n);
    this.#pull(GRADIENTS);
    return out instanceof Tensor ? out : heap.deliver(dx, n, out);
  }

  train(mode = true) {
    checkBoolean('BatchNorm.train', 'mode', mode);
    this.#live('train').setTraining(mode);
    return this;
  }

  eval() {
    this.#live('eval').setTraining(false);
    return this;
  }

  get training() {
    return this.#live('training').training();
  }

  #array(name) {
    this.#live(name);
    return this.#arrays[name];
  }

  // `bn.weight = w` copies w into the array (which keeps its identity).
  #assign(name, value, absent) {
    const fn = `BatchNorm.${name}`;
    const array = this.#array(name);
    if (array === null) fail(STATE, fn, name, `nothing (this BatchNorm has no ${name}: ${absent})`, describe(value));
    checkFloat32Array(fn, name, value, this.#numFeatures, 'numFeatures');
    array.set(value);
  }

  get weight() {
    return this.#array('weight');
  }
  set weight(v) {
    this.#assign('weight', v, 'affine is false');
  }
  get bias() {
    return this.#array('bias');
  }
  set bias(v) {
    this.#assign('bias', v, 'affine is false');
  }
  get runningMean() {
    return this.#array('runningMean');
  }
  set runningMean(v) {
    this.#assign('runningMean', v, 'trackRunningStats is false');
  }
  get runningVar() {
    return this.#array('runningVar');
  }
  set runningVar(v) {
    this.#assign('runningVar', v, 'trackRunningStats is false');
  }
  get weightGrad() {
    return this.#array('weightGrad');
  }
  get biasGrad() {
    return this.#array('biasGrad');
  }

  get numBatchesTracked() {
    return this.#live('numBatchesTracked').numBatchesTracked();
  }

  set numBatchesTracked(v) {
    const raw = this.#live('numBatchesTracked');
    const n = typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    if (!Number.isSafeInteger(n) || n < 0)
      fail(
        typeof v === 'bigint' ? errorCodes.RANGE : kind(v),
        'BatchNorm.numBatchesTracked',
        'numBatchesTracked',
        'a non-negative safe integer',
        describe(v),
      );
    raw.setNumBatchesTracked(n);
  }

  // PyTorch's state_dict keys, as copies (a snapshot that later training does not change);
  // entries the module does not have (affine = false, no running statistics) are absent.
  stateDict() {
    this.#live('stateDict');
    const sd = {};
    if (this.#options.affine) Object.assign(sd, { weight: this.weight.slice(), bias: this.bias.slice() });
    if (this.#options.trackRunningStats)
      Object.assign(sd, {
        running_mean: this.runningMean.slice(),
        running_var: this.runningVar.slice(),
        num_batches_tracked: this.numBatchesTracked,
      });
    return sd;
  }

  // Strict, like PyTorch's load_state_dict: every key of stateDict() and no other. Values are
  // Float32Arrays; num_batches_tracked a number, bigint or one-element typed array (as a
  // tensor converted from PyTorch would be).
  loadStateDict(sd) {
    const fn = 'BatchNorm.loadStateDict';
    this.#live('loadStateDict');
    if (sd === null || typeof sd !== 'object') fail(TYPE, fn, 'stateDict', 'an object', describe(sd));
    const keys = [
      ...(this.#options.affine ? ['weight', 'bias'] : []),
      ...(this.#options.trackRunningStats ? ['running_mean', 'running_var', 'num_batches_tracked'] : []),
    ];
    for (const key of Object.keys(sd))
      if (!keys.includes(key))
        fail(TYPE, fn, `stateDict.${key}`, `only the keys ${keys.join(', ')}`, 'an unexpected key');
    for (const key of keys) if (!(key in sd)) fail(TYPE, fn, `stateDict.${key}`, 'a value', 'a missing key');
    for (const key of keys.filter((k) => k !== 'num_batches_tracked'))
      checkFloat32Array(fn, `stateDict.${key}`, sd[key], this.#numFeatures, 'numFeatures');
    let count = sd.num_batches_tracked;
    if (ArrayBuffer.isView(count) && count.length === 1) count = count[0];
    if (typeof count === 'bigint') count = Number(count);
    if (this.#options.trackRunningStats && !(Number.isSafeInteger(count) && count >= 0))
      fail(
        kind(count),
        fn,
        'stateDict.num_batches_tracked',
        'a non-negative integer',
        describe(sd.num_batches_tracked),
      );
    if (this.#options.affine) {
      this.weight = sd.weight;
      this.bias = sd.bias;
    }
    if (this.#options.trackRunningStats) {
      this.runningMean = sd.running_mean;
      this.runningVar = sd.running_var;
      this.numBatchesTracked = count;
    }
  }

  resetRunningStats() {
    this.#live('resetRunningStats').resetRunningStats();
    this.#pull(STATISTICS);
  }

  resetParameters() {
    this.#live('resetParameters').resetParameters();
    this.#pull([...PARAMETERS, ...STATISTICS]);
  }

  // Frees the module's wasm memory. Idempotent; any other use afterwards throws.
  dispose() {
    if (this.#raw === null) return;
    untrack(this);
    this.#raw.delete();
    this.#raw = null;
    this.#input.free();
    this.#staging.free();
  }

  [dispose]() {
    this.dispose();
  }
}
