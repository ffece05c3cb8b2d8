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
import { Tensor, keepReading, readAddress, stopReading } from './heap.js';
import { heapFor } from './instance.js';
import { track, untrack } from './lifetime.js';

const { TYPE, RANGE, SHAPE, STATE, DISPOSED } = errorCodes;
const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');
const OPTIONS = [
  'eps',
  'momentum',
  'affine',
  'trackRunningStats',
  'layout',
  'relu',
  'virtualBatchSize',
  'renorm',
  'timeSteps',
];
const RENORM_OPTIONS = ['rmax', 'dmax', 'momentum'];
// The keys of forward's and backward's options objects (#callOptions).
const FORWARD_OPTIONS = ['out', 'timeStep', 'grad'];
const BACKWARD_OPTIONS = ['out', 'timeStep'];
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
// Batch renorm's moving mean and standard deviation (state, like the running statistics).
const RENORM = [
  ['renormMean', 'no renorm'],
  ['renormStd', 'no renorm'],
];
const ALL = [...PARAMETERS, ...STATISTICS, ...GRADIENTS, ...RENORM];
// The lists forward and backward copy in and out, built once rather than on every call.
const PARAMETERS_STATISTICS_RENORM = [...PARAMETERS, ...STATISTICS, ...RENORM];
const STATISTICS_RENORM = [...STATISTICS, ...RENORM];
const PARAMETERS_STATISTICS = [...PARAMETERS, ...STATISTICS];

// Renorm limits (rmax ≥ 1, dmax ≥ 0: check_renorm_limits in src/core/batch_norm.cpp). Infinity is
// allowed (no clipping).
function checkLimit(fn, arg, v, least) {
  if (typeof v !== 'number' || Number.isNaN(v)) fail(kind(v), fn, arg, 'a number', describe(v));
  if (!(v >= least)) fail(RANGE, fn, arg, `a value ≥ ${least}`, describe(v));
}

// Integer options: an integer in [lo, 2³¹ − 1].
function checkInteger(fn, arg, v, lo) {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > 2 ** 31 - 1)
    fail(kind(v), fn, arg, `an integer in [${lo}, 2147483647]`, describe(v));
}

export class BatchNorm {
  #heap;
  #raw;
  #numFeatures;
  #options;
  #arrays; // { weight, bias, runningMean, runningVar, weightGrad, biasGrad }: Float32Array | null
  #lastNumel = null; // element count of the last forward: backward's dy and dx
  #lastNoGrad = false; // the last forward took { grad: false }: backward has nothing to read
  #lastReleased = false; // the last forward's Tensor x changed after a backward: nothing to read
  #lastAddRelu = false; // the last forward was forwardAddRelu: backwardAddRelu, not backward
  // Kept across calls: the copy of a Float32Array x, which the C++ module borrows until the next
  // forward (backward reads it), and the staging memory of y, dy and dx. Freed by dispose().
  #input;
  #staging;
  // The last forward's Tensor x, which the C++ module borrows rather than copies (a third of a
  // training forward's time in wasm, whose stores read each line first), and whether a backward
  // has read it since. Before the Tensor is written or freed, it calls #release: the module copies
  // x, or, once a backward has run, lets it go (PyTorch's autograd refuses a second backward
  // through a graph). #release holds the object weakly, so a Tensor does not keep alive a module
  // dropped without dispose().
  #borrowed = null;
  #backwardRan = false;
  #release;

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
      virtualBatchSize: o.virtualBatchSize ?? 0,
      renorm: null,
      timeSteps: o.timeSteps ?? 0,
    };
    checkEps(fn, 'options.eps', opts.eps);
    checkMomentum(fn, 'options.momentum', opts.momentum, { nullable: true });
    checkBoolean(fn, 'options.affine', opts.affine);
    checkBoolean(fn, 'options.trackRunningStats', opts.trackRunningStats);
    checkLayout(fn, 'options.layout', opts.layout);
    checkBoolean(fn, 'options.relu', opts.relu);
    checkInteger(fn, 'options.virtualBatchSize', opts.virtualBatchSize, 0);
    checkInteger(fn, 'options.timeSteps', opts.timeSteps, 0);
    if (o.renorm !== undefined && o.renorm !== null) {
      const r = checkOptions(fn, 'options.renorm', o.renorm, RENORM_OPTIONS);
      opts.renorm = Object.freeze({ rmax: r.rmax ?? 3, dmax: r.dmax ?? 5, momentum: r.momentum ?? 0.01 });
      checkLimit(fn, 'options.renorm.rmax', opts.renorm.rmax, 1);
      checkLimit(fn, 'options.renorm.dmax', opts.renorm.dmax, 0);
      checkMomentum(fn, 'options.renorm.momentum', opts.renorm.momentum, { nullable: false });
    }
    // NaN carries null (cumulative average) and "no renorm" across the binding. With timeSteps
    // the C++ StepBatchNorm backs the object.
    let raw;
    if (opts.timeSteps > 0) {
      if (opts.renorm)
        fail(
          RANGE,
          fn,
          'options.renorm',
          'none with timeSteps (per-step statistics are plain BN statistics)',
          'a renorm setting',
        );
      if (opts.virtualBatchSize)
        fail(
          RANGE,
          fn,
          'options.virtualBatchSize',
          '0 with timeSteps (per-step statistics use the whole batch)',
          describe(opts.virtualBatchSize),
        );
      raw = new heap.module.StepBatchNorm(
        numFeatures,
        opts.timeSteps,
        opts.eps,
        opts.momentum ?? NaN,
        opts.affine,
        opts.trackRunningStats,
        opts.relu,
      );
    } else {
      const r = opts.renorm ?? { rmax: NaN, dmax: 0, momentum: 0 };
      raw = new heap.module.BatchNorm(
        numFeatures,
        opts.eps,
        opts.momentum ?? NaN,
        opts.affine,
        opts.trackRunningStats,
        opts.relu,
        opts.virtualBatchSize,
        r.rmax,
        r.dmax,
        r.momentum,
      );
    }
    const self = new WeakRef(this);
    this.#release = () => self.deref()?.#inputChanging();
    const input = new heap.Scratch('BatchNorm.forward');
    const staging = new heap.Scratch('BatchNorm');
    this.#heap = heap;
    this.#raw = raw;
    this.#numFeatures = numFeatures;
    this.#options = Object.freeze(opts);
    this.#input = input;
    this.#staging = staging;
    this.#arrays = {};
    for (const [name] of ALL)
      this.#arrays[name] =
        typeof raw[name] !== 'function' || raw[name]() === 0 ? null : new Float32Array(this.#length(name));
    this.#pull(ALL);
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

  // Floats of a per-channel array: C, or T·C (step-major) for the running statistics of a module
  // with timeSteps.
  #length(name) {
    const perStep = name === 'runningMean' || name === 'runningVar';
    return perStep && this.#options.timeSteps > 0 ? this.#options.timeSteps * this.#numFeatures : this.#numFeatures;
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
      if (array !== null) this.#heap.copyInto(array, this.#raw[name](), array.length);
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

  // The last argument of forward/backward: `out`, or { out?, timeStep?, grad? } (timeStep required
  // exactly when the module has timeSteps; grad, forward's only, not with timeSteps).
  #callOptions(fn, arg, known) {
    const isOut = arg === undefined || arg instanceof Float32Array || arg instanceof Tensor;
    const o = isOut ? { out: arg } : checkOptions(fn, 'options', arg, known);
    if (o.grad !== undefined) checkBoolean(fn, 'options.grad', o.grad);
    if (this.#options.timeSteps > 0) {
      if (o.timeStep === undefined)
        fail(
          TYPE,
          fn,
          'options.timeStep',
          `a time step (this BatchNorm has timeSteps ${this.#options.timeSteps})`,
          'none',
        );
      checkInteger(fn, 'options.timeStep', o.timeStep, 0);
      if (o.grad === false)
        fail(STATE, fn, 'options.grad', "true or none (with timeSteps each step's x is kept)", 'false');
    } else if (o.timeStep !== undefined) {
      fail(STATE, fn, 'options.timeStep', 'none (this BatchNorm has no timeSteps)', describe(o.timeStep));
    }
    return o;
  }

  // The shape's checks, made here so that errors name the JS call and options. Mirrors
  // BatchNorm::check_forward and check_trainable (src/core/batch_norm.cpp, validate.cpp): keep the
  // conditions in step.
  #parse(fn, shape, training) {
    const s = parseShape(fn, shape, this.#options.layout);
    if (s.c !== this.#numFeatures)
      fail(SHAPE, fn, 'shape', `${this.#numFeatures} channels (numFeatures)`, `${s.c} channels in ${s.text}`);
    if (!(training || !this.#options.trackRunningStats) || s.n * s.s === 0) return s;
    const ghost = this.#options.virtualBatchSize;
    if (ghost && s.n % ghost !== 0)
      fail(
        SHAPE,
        fn,
        'shape',
        `a batch of a multiple of options.virtualBatchSize = ${ghost} samples (whole ghost batches)`,
        `${s.n} sample${s.n === 1 ? '' : 's'} in ${s.text}`,
      );
    if ((ghost || s.n) * s.s === 1)
      fail(
        SHAPE,
        fn,
        'x',
        'more than 1 value per channel when training',
        ghost ? `ghost batches of ${ghost} in shape ${s.text}` : `shape ${s.text}`,
      );
    return s;
  }

  // What backward finds when no forward kept x for it.
  #nothingKept() {
    if (this.#lastReleased)
      return 'a forward() whose Tensor x was written or freed after a backward() (a Tensor x is read in place; it is copied only when it changes before backward())';
    return this.#lastNoGrad ? 'a forward() with { grad: false }, which keeps no x' : 'none';
  }

  #inputChanging() {
    this.#borrowed = null;
    if (this.#backwardRan) return this.#letInputGo();
    try {
      this.#raw.releaseInput(true);
    } catch {
      this.#letInputGo(); // no memory for the copy: backward says so rather than read a changed x
    }
  }

  #letInputGo() {
    this.#raw.releaseInput(false);
    this.#lastNumel = null;
    this.#lastReleased = true;
  }

  // Ends the borrow of the last forward's Tensor x (a new forward replaces it, or dispose()).
  #forgetBorrowed() {
    if (this.#borrowed === null) return;
    stopReading(this.#borrowed, this.#release);
    this.#borrowed = null;
  }

  // State every forward resets; backward is refused until the forward succeeds.
  #startForward() {
    this.#forgetBorrowed();
    this.#lastNumel = null;
    this.#lastNoGrad = false;
    this.#lastReleased = false;
    this.#backwardRan = false;
  }

  // timeSteps: { step, numel } of the last forward kept in each slot; steps from timeSteps − 1 on
  // share the last slot (StepBatchNorm::backward).
  #stepSaved = new Map();
  #slot(step) {
    return Math.min(step, this.#options.timeSteps - 1);
  }

  #stepForward(fn, raw, x, shape, out, step) {
    const heap = this.#heap;
    const steps = this.#options.timeSteps;
    // Mirrors StepBatchNorm::check_forward: in eval mode a later step takes the last trained
    // step's statistics.
    if (raw.training() && step >= steps)
      fail(RANGE, fn, 'options.timeStep', `a time step in [0, ${steps}) in training mode`, String(step));
    const s = this.#parse(fn, shape, raw.training());
    const call = new heap.Call(fn);
    try {
      const what = () => `the product of shape ${s.text}`;
      const xa = call.input('x', x, s.numel, what);
      const y = call.output('options.out', out, s.numel, what);
      this.#stepSaved.delete(this.#slot(step));
      this.#push(PARAMETERS_STATISTICS);
      raw.forward(xa, s.n, s.c, s.s, s.channelsLast, step, y.address);
      this.#pull(STATISTICS);
      this.#stepSaved.set(this.#slot(step), { step, numel: s.numel });
      return y.result();
    } finally {
      call.release();
    }
  }

  #stepBackward(fn, raw, dy, out, step) {
    const saved = this.#stepSaved.get(this.#slot(step));
    if (saved?.step !== step) fail(STATE, fn, 'options.timeStep', 'a step whose forward() came before', String(step));
    const n = saved.numel;
    const call = new this.#heap.Call(fn);
    try {
      const what = `the shape of step ${step}'s forward`;
      const dya = call.input('dy', dy, n, what);
      const dx = call.output('options.out', out, n, what, dy instanceof Tensor ? 0 : dya);
      this.#push(PARAMETERS_STATISTICS);
      raw.backward(dya, step, dx.address, n);
      this.#pull(GRADIENTS);
      return dx.result();
    } finally {
      call.release();
    }
  }

  // The residual block y = relu(BN(x) + z) (z of x's shape). Keeps what backwardAddRelu needs.
  forwardAddRelu(x, z, shape, out) {
    const fn = 'BatchNorm.forwardAddRelu';
    const raw = this.#live('forwardAddRelu');
    if (this.#options.timeSteps > 0)
      fail(STATE, fn, 'this', 'a BatchNorm without timeSteps', `one with timeSteps ${this.#options.timeSteps}`);
    if (this.#options.relu) fail(STATE, fn, 'options.relu', 'false (the block applies its ReLU after the add)', 'true');
    const s = this.#parse(fn, shape, raw.training());
    const call = new this.#heap.Call(fn);
    try {
      const what = () => `the product of shape ${s.text}`;
      const xa = call.input('x', x, s.numel, what);
      const za = call.input('z', z, s.numel, what);
      const y = call.output('out', out, s.numel, what);
      this.#startForward();
      this.#push(PARAMETERS_STATISTICS_RENORM);
      raw.forwardAddRelu(xa, za, s.n, s.c, s.s, s.channelsLast, y.address);
      this.#pull(STATISTICS_RENORM);
      this.#lastNumel = s.numel;
      this.#lastAddRelu = true;
      return y.result();
    } finally {
      call.release();
    }
  }

  // { dx, dz } of the last forwardAddRelu; also sets weightGrad and biasGrad (overwritten).
  backwardAddRelu(dy) {
    const fn = 'BatchNorm.backwardAddRelu';
    const raw = this.#live('backwardAddRelu');
    if (this.#lastNumel === null)
      fail(STATE, fn, 'dy', 'a forwardAddRelu() before backwardAddRelu()', this.#nothingKept());
    if (!this.#lastAddRelu) fail(STATE, fn, 'dy', 'a forwardAddRelu() before backwardAddRelu()', 'a forward()');
    const n = this.#lastNumel;
    const call = new this.#heap.Call(fn);
    try {
      const what = "the last forward's shape";
      const dya = call.input('dy', dy, n, what);
      const dx = call.output('dx', undefined, n, what);
      const dz = call.output('dz', undefined, n, what);
      this.#push(PARAMETERS_STATISTICS);
      raw.backwardAddRelu(dya, dx.address, dz.address, n);
      this.#pull(GRADIENTS);
      return { dx: dx.result(), dz: dz.result() };
    } finally {
      call.release();
    }
  }

  // Renorm's limits for a schedule (sn.renormLimits gives the paper's).
  setRenormLimits(rmax, dmax) {
    const fn = 'BatchNorm.setRenormLimits';
    const raw = this.#live('setRenormLimits');
    checkLimit(fn, 'rmax', rmax, 1);
    checkLimit(fn, 'dmax', dmax, 0);
    if (!this.#options.renorm) fail(STATE, fn, 'this', 'a BatchNorm built with options.renorm', 'one without');
    raw.setRenormLimits(rmax, dmax);
    this.#options = Object.freeze({ ...this.#options, renorm: Object.freeze({ ...this.#options.renorm, rmax, dmax }) });
  }

  // y = BN(x) for x of `shape` (layout from the options). Batch statistics in training mode
  // (updating the running ones), running statistics in eval mode. The last argument is `out` or
  // { out, timeStep, grad }; grad: false keeps nothing for backward.
  forward(x, shape, options) {
    const fn = 'BatchNorm.forward';
    const raw = this.#live('forward');
    const heap = this.#heap;
    const { out, timeStep, grad } = this.#callOptions(fn, options, FORWARD_OPTIONS);
    if (timeStep !== undefined) return this.#stepForward(fn, raw, x, shape, out, timeStep);
    const s = this.#parse(fn, shape, raw.training());
    const what = () => `the product of shape ${s.text}`;
    heap.checkTensorArg(fn, 'x', x, s.numel, what);
    if (out !== undefined) heap.checkTensorArg(fn, 'out', out, s.numel, what);
    if (grad === false) {
      // Nothing to keep: a Float32Array x is copied into staging memory and normalized there, not
      // into a Tensor `out`, which a failed call must leave as it was. Until the call succeeds the
      // previous forward's x stays readable by backward.
      const y = out instanceof Tensor ? out.address : this.#staging.reserve('out', s.numel);
      let xa = y;
      if (x instanceof Tensor) xa = readAddress(x);
      else if (out instanceof Tensor) xa = this.#staging.reserve('x', s.numel);
      if (!(x instanceof Tensor)) heap.copyIn(xa, x);
      this.#push(PARAMETERS_STATISTICS_RENORM);
      raw.forwardNoGrad(xa, s.n, s.c, s.s, s.channelsLast, y);
      this.#pull(STATISTICS_RENORM);
      this.#startForward();
      this.#lastNoGrad = true;
      this.#lastAddRelu = false;
      return out instanceof Tensor ? out : heap.deliver(y, s.numel, out);
    }
    // Backward reads x. A Float32Array is copied into memory this object owns; a Tensor is read
    // in place until it changes (#borrowed), unless y is written over it or `out` may be a view of
    // the heap (then over x, which no Tensor call would tell): the C++ module then copies x from
    // the loads that normalize it.
    this.#startForward(); // the previous forward's x is overwritten from here on
    const y = out instanceof Tensor ? out.address : this.#staging.reserve('out', s.numel);
    const tensor = x instanceof Tensor;
    const xa = tensor ? readAddress(x) : this.#input.reserve('x', s.numel);
    if (!tensor) heap.copyIn(xa, x);
    this.#push(PARAMETERS_STATISTICS_RENORM);
    if (xa === y || (tensor && heap.mayView(out))) {
      raw.forward(xa, s.n, s.c, s.s, s.channelsLast, y);
    } else {
      raw.forwardBorrowed(xa, s.n, s.c, s.s, s.channelsLast, y);
      if (tensor) {
        keepReading(x, this.#release);
        this.#borrowed = x;
      }
    }
    this.#pull(STATISTICS_RENORM);
    this.#lastNumel = s.numel;
    this.#lastAddRelu = false;
    return out instanceof Tensor ? out : heap.deliver(y, s.numel, out);
  }

  // dx for dy of the last forward's shape; also sets weightGrad and biasGrad (overwritten). The
  // last argument is `out` or { out, timeStep }.
  backward(dy, options) {
    const fn = 'BatchNorm.backward';
    const raw = this.#live('backward');
    const heap = this.#heap;
    const { out, timeStep } = this.#callOptions(fn, options, BACKWARD_OPTIONS);
    if (timeStep !== undefined) return this.#stepBackward(fn, raw, dy, out, timeStep);
    if (this.#lastNumel === null) {
      const expected = this.#lastNoGrad ? 'a forward() without { grad: false }' : 'a forward()';
      fail(STATE, fn, 'dy', `${expected} before backward()`, this.#nothingKept());
    }
    if (this.#lastAddRelu) fail(STATE, fn, 'dy', 'backwardAddRelu() after forwardAddRelu()', 'backward()');
    const n = this.#lastNumel;
    const what = "the last forward's shape";
    heap.checkTensorArg(fn, 'dy', dy, n, what);
    if (out !== undefined) heap.checkTensorArg(fn, 'out', out, n, what);
    // A Float32Array dy is copied into the staging memory and dx written over it (the kernels
    // allow dx = dy): one copy in, one copy out.
    let dya;
    if (dy instanceof Tensor) {
      dya = readAddress(dy);
    } else {
      dya = this.#staging.reserve('dy', n);
      heap.copyIn(dya, dy);
    }
    let dx = dya;
    if (out instanceof Tensor) {
      if (out === this.#borrowed) {
        // dx over x, which this backward reads: the module copies x first (if that fails, it
        // still borrows x and the Tensor still says when it changes).
        this.#raw.releaseInput(true);
        this.#forgetBorrowed();
      }
      dx = out.address;
    } else if (dy instanceof Tensor) dx = this.#staging.reserve('out', n);
    this.#push(PARAMETERS_STATISTICS);
    raw.backward(dya, dx, n);
    this.#backwardRan = true;
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
    const length = this.#length(name);
    checkFloat32Array(fn, name, value, length, length === this.#numFeatures ? 'numFeatures' : 'timeSteps·numFeatures');
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
  // Renorm's moving mean and standard deviation (null without renorm).
  get renormMean() {
    return this.#array('renormMean');
  }
  set renormMean(v) {
    this.#assign('renormMean', v, 'no renorm');
  }
  get renormStd() {
    return this.#array('renormStd');
  }
  set renormStd(v) {
    this.#assign('renormStd', v, 'no renorm');
  }

  // A number; with timeSteps an Array of one count per step.
  get numBatchesTracked() {
    const raw = this.#live('numBatchesTracked');
    if (this.#options.timeSteps > 0)
      return Array.from({ length: this.#options.timeSteps }, (_, t) => raw.numBatchesTracked(t));
    return raw.numBatchesTracked();
  }

  set numBatchesTracked(v) {
    const raw = this.#live('numBatchesTracked');
    const steps = this.#options.timeSteps;
    if (steps > 0) {
      const list = Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v, Number) : null;
      if (!list || list.length !== steps || !list.every((n) => Number.isSafeInteger(n) && n >= 0))
        fail(
          list ? RANGE : TYPE,
          'BatchNorm.numBatchesTracked',
          'numBatchesTracked',
          `an array of ${steps} non-negative safe integers (one per time step)`,
          describe(v),
        );
      list.forEach((n, t) => raw.setNumBatchesTracked(t, n));
      return;
    }
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
    if (this.#options.renorm)
      Object.assign(sd, { renorm_mean: this.renormMean.slice(), renorm_std: this.renormStd.slice() });
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
      ...(this.#options.renorm ? ['renorm_mean', 'renorm_std'] : []),
    ];
    for (const key of Object.keys(sd))
      if (!keys.includes(key))
        fail(TYPE, fn, `stateDict.${key}`, `only the keys ${keys.join(', ')}`, 'an unexpected key');
    for (const key of keys) if (!(key in sd)) fail(TYPE, fn, `stateDict.${key}`, 'a value', 'a missing key');
    const lengths = { running_mean: this.#length('runningMean'), running_var: this.#length('runningVar') };
    for (const key of keys.filter((k) => k !== 'num_batches_tracked')) {
      const length = lengths[key] ?? this.#numFeatures;
      checkFloat32Array(
        fn,
        `stateDict.${key}`,
        sd[key],
        length,
        length === this.#numFeatures ? 'numFeatures' : 'timeSteps·numFeatures',
      );
    }
    let count = sd.num_batches_tracked;
    const steps = this.#options.timeSteps;
    if (steps > 0 && this.#options.trackRunningStats) {
      const list = Array.isArray(count) || ArrayBuffer.isView(count) ? Array.from(count, Number) : null;
      if (!list || list.length !== steps || !list.every((n) => Number.isSafeInteger(n) && n >= 0))
        fail(
          list ? RANGE : TYPE,
          fn,
          'stateDict.num_batches_tracked',
          `an array of ${steps} non-negative integers`,
          describe(count),
        );
      count = list;
    }
    if (steps === 0 && ArrayBuffer.isView(count) && count.length === 1) count = count[0];
    if (typeof count === 'bigint') count = Number(count);
    if (steps === 0 && this.#options.trackRunningStats && !(Number.isSafeInteger(count) && count >= 0))
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
    if (this.#options.renorm) {
      this.renormMean = sd.renorm_mean;
      this.renormStd = sd.renorm_std;
    }
  }

  resetRunningStats() {
    this.#live('resetRunningStats').resetRunningStats();
    this.#pull(STATISTICS_RENORM);
  }

  resetParameters() {
    this.#live('resetParameters').resetParameters();
    this.#pull(PARAMETERS_STATISTICS_RENORM);
  }

  // Frees the module's wasm memory. Idempotent; any other use afterwards throws.
  dispose() {
    if (this.#raw === null) return;
    untrack(this);
    this.#forgetBorrowed();
    this.#raw.delete();
    this.#raw = null;
    this.#input.free();
    this.#staging.free();
  }

  [dispose]() {
    this.dispose();
  }
}
