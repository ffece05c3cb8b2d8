// sn.BatchNorm: nn.BatchNorm1d/2d/3d for JavaScript over the C++ module (wasm/bindings.cpp).
// Parameters and statistics are copied in and out; tensors are copied unless they are Tensors,
// once each way, through heap memory the object keeps between calls.

import {
  checkBoolean, checkCount, checkEps, checkFloat32Array, checkLayout, checkMomentum,
  checkOptions, describe, fail, parseShape,
} from './check.js';

const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');
const OPTIONS = ['eps', 'momentum', 'affine', 'trackRunningStats', 'layout', 'relu'];

export function makeBatchNorm(module, heap) {
  class BatchNorm {
    #raw;
    #numFeatures;
    #options;
    #lastNumel = null;  // element count of the last forward: backward's dy and dx
    // Kept across calls: the copy of a Float32Array x, which the C++ module borrows until the next
    // forward (backward reads it), and the staging memory of y, dy and dx. Freed by dispose().
    #input = new heap.Scratch('BatchNorm.forward');
    #staging = new heap.Scratch('BatchNorm');

    constructor(numFeatures, options) {
      const fn = 'BatchNorm';
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
      this.#raw = new module.BatchNorm(numFeatures, opts.eps, opts.momentum ?? NaN, opts.affine,
        opts.trackRunningStats, opts.relu);
      this.#numFeatures = numFeatures;
      this.#options = Object.freeze(opts);
    }

    #live(fn) {
      if (this.#raw === null) fail(`BatchNorm.${fn}`, 'this', 'a BatchNorm that is not disposed', 'a disposed one');
      return this.#raw;
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
      const s = parseShape(fn, shape, this.#options.layout);
      if (s.c !== this.#numFeatures)
        fail(fn, 'shape', `${this.#numFeatures} channels (numFeatures)`, `${s.c} channels in ${s.text}`);
      const batchStats = raw.training() || !this.#options.trackRunningStats;
      if (batchStats && s.n * s.s === 1)
        fail(fn, 'x', 'more than 1 value per channel when training', `shape ${s.text}`);
      const what = `the product of shape ${s.text}`;
      heap.checkTensorArg(fn, 'x', x, s.numel, what);
      if (out !== undefined) heap.checkTensorArg(fn, 'out', out, s.numel, what);
      // x is copied once into memory this object owns, which the C++ module borrows until the
      // next forward (backward reads it): a Tensor too, as the caller may change or free it.
      this.#lastNumel = null;  // the previous forward's x is overwritten from here on
      const xa = this.#input.reserve('x', s.numel);
      if (x instanceof heap.Tensor) heap.copyWithin(xa, x.address, s.numel);
      else heap.copyIn(xa, x);
      const y = out instanceof heap.Tensor ? out.address : this.#staging.reserve('out', s.numel);
      raw.forwardBorrowed(xa, s.n, s.c, s.s, s.channelsLast, y);
      this.#lastNumel = s.numel;
      return out instanceof heap.Tensor ? out : heap.deliver(y, s.numel, out);
    }

    // dx for dy of the last forward's shape; also sets weightGrad and biasGrad (overwritten).
    backward(dy, out) {
      const fn = 'BatchNorm.backward';
      const raw = this.#live('backward');
      if (this.#lastNumel === null) fail(fn, 'dy', 'a forward() before backward()', 'none');
      const n = this.#lastNumel;
      const what = "the last forward's shape";
      heap.checkTensorArg(fn, 'dy', dy, n, what);
      if (out !== undefined) heap.checkTensorArg(fn, 'out', out, n, what);
      // A Float32Array dy is copied into the staging memory and dx written over it (the kernels
      // allow dx = dy): one copy in, one copy out.
      let dya;
      if (dy instanceof heap.Tensor) {
        dya = dy.address;
      } else {
        dya = this.#staging.reserve('dy', n);
        heap.copyIn(dya, dy);
      }
      let dx = dya;
      if (out instanceof heap.Tensor) dx = out.address;
      else if (dy instanceof heap.Tensor) dx = this.#staging.reserve('out', n);
      raw.backward(dya, dx, n);
      return out instanceof heap.Tensor ? out : heap.deliver(dx, n, out);
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

    #channels(name, which) {
      const address = this.#live(name)[which]();
      return address === 0 ? null : heap.copyOut(address, this.#numFeatures);
    }

    #setChannels(name, which, value, present) {
      const fn = `BatchNorm.${name}`;
      const address = this.#live(name)[which]();
      if (address === 0) fail(fn, name, `nothing (this BatchNorm has no ${name}: ${present})`, describe(value));
      checkFloat32Array(fn, name, value, this.#numFeatures, 'numFeatures');
      heap.copyIn(address, value);
    }

    get weight() { return this.#channels('weight', 'weight'); }
    set weight(v) { this.#setChannels('weight', 'weight', v, 'affine is false'); }
    get bias() { return this.#channels('bias', 'bias'); }
    set bias(v) { this.#setChannels('bias', 'bias', v, 'affine is false'); }
    get runningMean() { return this.#channels('runningMean', 'runningMean'); }
    set runningMean(v) { this.#setChannels('runningMean', 'runningMean', v, 'trackRunningStats is false'); }
    get runningVar() { return this.#channels('runningVar', 'runningVar'); }
    set runningVar(v) { this.#setChannels('runningVar', 'runningVar', v, 'trackRunningStats is false'); }
    get weightGrad() { return this.#channels('weightGrad', 'weightGrad'); }
    get biasGrad() { return this.#channels('biasGrad', 'biasGrad'); }

    get numBatchesTracked() {
      return this.#live('numBatchesTracked').numBatchesTracked();
    }

    set numBatchesTracked(v) {
      const raw = this.#live('numBatchesTracked');
      const n = typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
        fail('BatchNorm.numBatchesTracked', 'numBatchesTracked', 'a non-negative safe integer', describe(v));
      raw.setNumBatchesTracked(n);
    }

    // PyTorch's state_dict keys; entries the module does not have (affine = false, no running
    // statistics) are absent, as in PyTorch.
    stateDict() {
      this.#live('stateDict');
      const sd = {};
      if (this.#options.affine) Object.assign(sd, { weight: this.weight, bias: this.bias });
      if (this.#options.trackRunningStats)
        Object.assign(sd, {
          running_mean: this.runningMean,
          running_var: this.runningVar,
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
      if (sd === null || typeof sd !== 'object') fail(fn, 'stateDict', 'an object', describe(sd));
      const keys = [
        ...(this.#options.affine ? ['weight', 'bias'] : []),
        ...(this.#options.trackRunningStats ? ['running_mean', 'running_var', 'num_batches_tracked'] : []),
      ];
      for (const key of Object.keys(sd))
        if (!keys.includes(key)) fail(fn, `stateDict.${key}`, `only the keys ${keys.join(', ')}`, 'an unexpected key');
      for (const key of keys) if (!(key in sd)) fail(fn, `stateDict.${key}`, 'a value', 'a missing key');
      for (const key of keys.filter((k) => k !== 'num_batches_tracked'))
        checkFloat32Array(fn, `stateDict.${key}`, sd[key], this.#numFeatures, 'numFeatures');
      let count = sd.num_batches_tracked;
      if (ArrayBuffer.isView(count) && count.length === 1) count = count[0];
      if (typeof count === 'bigint') count = Number(count);
      if (this.#options.trackRunningStats && !(Number.isSafeInteger(count) && count >= 0))
        fail(fn, 'stateDict.num_batches_tracked', 'a non-negative integer', describe(sd.num_batches_tracked));
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
    }

    resetParameters() {
      this.#live('resetParameters').resetParameters();
    }

    // Frees the module's wasm memory. Idempotent; any other use afterwards throws.
    dispose() {
      if (this.#raw !== null) this.#raw.delete();
      this.#raw = null;
      this.#input.free();
      this.#staging.free();
    }

    [dispose]() {
      this.dispose();
    }
  }

  return BatchNorm;
}
