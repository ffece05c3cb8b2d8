// The wasm heap as the JavaScript API sees it: the Tensor class (the zero-copy path), the per-call
// staging and per-object scratch that copy Float32Arrays in and out for the plain, safe API.
//
// Memory growth replaces the heap's ArrayBuffer and detaches every view of the old one (their
// length becomes 0). So nothing here keeps a view across a call into wasm: module.HEAPF32 is
// re-read each time (Emscripten swaps it on growth), and Tensor.view is re-derived when stale.

import { MAX_FLOATS, describe, fail } from './check.js';

const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');

export function makeHeap(module) {
  const f32 = () => module.HEAPF32;

  function alloc(fn, arg, count) {
    const address = module._malloc(Math.max(count, 1) * 4);
    if (!address) fail(fn, arg, `room for ${count} floats in the wasm heap (2 GiB at most)`, 'an allocation failure');
    return address;
  }

  function copyOut(address, count) {
    return f32().slice(address >>> 2, (address >>> 2) + count);
  }

  function copyIn(address, data) {
    f32().set(data, address >>> 2);
  }

  // count floats from heap address `from` to `to` (a memmove inside the engine).
  function copyWithin(to, from, count) {
    f32().copyWithin(to >>> 2, from >>> 2, (from >>> 2) + count);
  }

  // A float32 tensor that lives in the wasm heap: pass it to forward/backward/batchNorm (as input
  // or `out`) and nothing is copied between JS and wasm (BatchNorm.forward keeps its own copy of
  // x inside the heap, for backward). Read and write it through `view`, re-read after every call.
  class Tensor {
    #address;
    #length;
    #view = null;

    constructor(lengthOrData) {
      const data = lengthOrData instanceof Float32Array ? lengthOrData : null;
      const length = data ? data.length : lengthOrData;
      if (!data && (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > MAX_FLOATS))
        fail('Tensor', 'lengthOrData', `a Float32Array or an integer in [0, ${MAX_FLOATS}]`, describe(lengthOrData));
      this.#address = alloc('Tensor', 'lengthOrData', length);
      this.#length = length;
      if (data) copyIn(this.#address, data);
      else f32().fill(0, this.#address >>> 2, (this.#address >>> 2) + length);
    }

    #live(fn) {
      if (this.#address === 0) fail(`Tensor.${fn}`, 'this', 'a Tensor that is not disposed', 'a disposed one');
      return this.#address;
    }

    get length() {
      this.#live('length');
      return this.#length;
    }

    // Byte address in the heap: a float* for other bindings of the same module.
    get address() {
      return this.#live('address');
    }

    // A Float32Array over the tensor's memory. Valid until the next call that may grow the heap.
    get view() {
      const address = this.#live('view');
      if (this.#view === null || this.#view.buffer !== f32().buffer)
        this.#view = new Float32Array(f32().buffer, address, this.#length);
      return this.#view;
    }

    set(data) {
      const address = this.#live('set');
      if (!(data instanceof Float32Array) || data.length !== this.#length)
        fail('Tensor.set', 'data', `a Float32Array of ${this.#length} floats`, describe(data));
      copyIn(address, data);
    }

    toFloat32Array() {
      return copyOut(this.#live('toFloat32Array'), this.#length);
    }

    dispose() {
      if (this.#address !== 0) module._free(this.#address);
      this.#address = 0;
      this.#view = null;
    }

    [dispose]() {
      this.dispose();
    }
  }

  // A Float32Array or Tensor of `length` floats from this init() instance, or a clear error.
  function checkTensorArg(fn, arg, v, length, what) {
    if (v instanceof Tensor) {
      if (v.length !== length) fail(fn, arg, `a Tensor of ${length} floats (${what})`, `${v.length} floats`);
      return;
    }
    if (v instanceof Float32Array && v.length === length) return;
    if (v?.constructor?.name === 'Tensor' && typeof v.address === 'number')
      fail(fn, arg, 'a Tensor of this init() instance', 'a Tensor of another one');
    fail(fn, arg, `a Float32Array or Tensor of ${length} floats (${what})`,
      v instanceof Float32Array ? `${v.length} floats` : describe(v));
  }

  // Heap memory an object keeps across calls (BatchNorm's copy of x and its staging buffer), so
  // the copying API does not malloc and free on every call. Reallocated when a call needs more,
  // or less than a quarter (a long-lived module does not hold on to one huge batch's memory);
  // the old address is invalid after reserve(). free() on dispose.
  class Scratch {
    #fn;
    #address = 0;
    #capacity = 0;

    constructor(fn) {
      this.#fn = fn;
    }

    reserve(arg, count) {
      if (this.#address !== 0 && count <= this.#capacity && count >= this.#capacity >>> 2) return this.#address;
      this.free();
      this.#address = alloc(this.#fn, arg, count);
      this.#capacity = Math.max(count, 1);
      return this.#address;
    }

    free() {
      if (this.#address !== 0) module._free(this.#address);
      this.#address = 0;
      this.#capacity = 0;
    }
  }

  // Where an output at `address` (count floats) goes for the caller: a new Float32Array when `out`
  // is undefined, else copied into the Float32Array `out`. One copy, straight from the heap.
  function deliver(address, count, out) {
    if (out === undefined) return copyOut(address, count);
    out.set(f32().subarray(address >>> 2, (address >>> 2) + count));
    return out;
  }

  // The heap memory of one call: inputs copied in, outputs copied out, all freed by release().
  class Call {
    #fn;
    #owned = [];

    constructor(fn) {
      this.#fn = fn;
    }

    #alloc(arg, count) {
      const address = alloc(this.#fn, arg, count);
      this.#owned.push(address);
      return address;
    }

    #check(arg, v, length, what) {
      checkTensorArg(this.#fn, arg, v, length, what);
    }

    // Address of an input tensor: a Tensor's own memory, or a copy of a Float32Array.
    input(arg, v, length, what) {
      this.#check(arg, v, length, what);
      if (v instanceof Tensor) return v.address;
      const address = this.#alloc(arg, length);
      copyIn(address, v);
      return address;
    }

    // An optional per-channel input: 0 when absent (null or undefined).
    optional(arg, v, length, what) {
      if (v === null || v === undefined) return 0;
      if (!(v instanceof Float32Array) || v.length !== length)
        fail(this.#fn, arg, `null or a Float32Array of ${length} floats (${what})`,
          v instanceof Float32Array ? `${v.length} floats` : describe(v));
      const address = this.#alloc(arg, length);
      copyIn(address, v);
      return address;
    }

    // Where an output goes: `out` itself if it is a Tensor, otherwise heap memory that result()
    // copies into `out` (or into a new Float32Array when out is undefined). `into`: heap memory of
    // this call to write the output over instead of allocating (an input's private copy, for
    // kernels that may write y over x).
    output(arg, out, length, what, into = 0) {
      if (out !== undefined) this.#check(arg, out, length, what);
      if (out instanceof Tensor) return { address: out.address, result: () => out };
      const address = into || this.#alloc(arg, length);
      return { address, result: () => deliver(address, length, out) };
    }

    release() {
      for (const address of this.#owned) module._free(address);
      this.#owned = [];
    }
  }

  return { Tensor, Call, Scratch, checkTensorArg, deliver, copyIn, copyOut, copyWithin };
}
