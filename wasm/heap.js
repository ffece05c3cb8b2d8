// The wasm heap as the JavaScript API sees it: the Tensor class (the zero-copy path), the per-call
// staging and per-object scratch that copy Float32Arrays in and out for the plain, safe API.
//
// Memory growth replaces the heap's ArrayBuffer and detaches every view of the old one (their
// length becomes 0). So nothing here keeps a view across a call into wasm: module.HEAPF32 is
// re-read each time (Emscripten swaps it on growth), and Tensor.view is re-derived when stale.
// The threaded build's memory is shared: growth replaces its SharedArrayBuffer (old views keep the
// old length), and growth on a pool thread does not swap this thread's module.HEAPF32, so there
// the view is taken from the memory itself whenever its buffer changed.

import { MAX_FLOATS, describe } from './check.js';
import { errorCodes, fail } from './errors.js';
import { heapFor } from './instance.js';
import { track, untrack } from './lifetime.js';

const { TYPE, RANGE, SHAPE, DISPOSED, MEMORY } = errorCodes;
const dispose = Symbol.dispose ?? Symbol.for('Symbol.dispose');
const PAGE_BYTES = 4096;

// A message's `what`: a string, or a function that builds it (called only for an error).
const whyText = (what) => (typeof what === 'function' ? what() : what);

let heapOf; // Tensor → the heap it lives in (its private field, for checkTensorArg)

// A Tensor's address for a call that only reads it: unlike the `address` getter, it does not
// count as a write (below).
export let readAddress;
// keepReading(t, release): an object reads t's memory after the call that took it (BatchNorm's
// backward reads forward's x): release() is called once, before anything may write or free that
// memory. stopReading(t, release) when the object no longer needs it.
export let keepReading;
export let stopReading;

// A float32 tensor that lives in the wasm heap: pass it to forward/backward/batchNorm (as input
// or `out`) and nothing is copied between JS and wasm. Read and write it through `view`, re-read
// after every call (a write through an older view would also escape #readers).
export class Tensor {
  #heap;
  #address;
  #length;
  #view = null;
  // Callbacks of keepReading, or null. Writes and frees go through set(), view, address (either
  // may be written through), dispose() and `out` arguments (which read `address`).
  #readers = null;

  static {
    heapOf = (t) => t.#heap;
    readAddress = (t) => t.#live('address');
    keepReading = (t, release) => (t.#readers ??= new Set()).add(release);
    stopReading = (t, release) => t.#readers?.delete(release);
  }

  // Before a write or free: the readers copy what they still need, or let it go.
  #changing() {
    const readers = this.#readers;
    if (readers === null) return;
    this.#readers = null;
    for (const release of readers) release();
  }

  constructor(lengthOrData) {
    const heap = heapFor(new.target, 'Tensor');
    const data = lengthOrData instanceof Float32Array ? lengthOrData : null;
    const length = data ? data.length : lengthOrData;
    if (!data && !(Number.isInteger(length) && length >= 0 && length <= MAX_FLOATS))
      fail(
        typeof length === 'number' ? RANGE : TYPE,
        'Tensor',
        'lengthOrData',
        `a Float32Array or an integer in [0, ${MAX_FLOATS}]`,
        describe(lengthOrData),
      );
    const address = heap.alloc('Tensor', 'lengthOrData', length);
    this.#heap = heap;
    this.#address = address;
    this.#length = length;
    if (data) heap.copyIn(address, data);
    else heap.f32().fill(0, address >>> 2, (address >>> 2) + length);
    track(this, 'Tensor', () => heap.module._free(address));
  }

  #live(fn) {
    if (this.#address === 0) fail(DISPOSED, `Tensor.${fn}`, 'this', 'a Tensor that is not disposed', 'a disposed one');
    return this.#address;
  }

  get length() {
    this.#live('length');
    return this.#length;
  }

  // Byte address in the heap: a float* for other bindings of the same module.
  get address() {
    const address = this.#live('address');
    this.#changing();
    return address;
  }

  // A Float32Array over the tensor's memory. Valid until the next call that may grow the heap.
  get view() {
    const address = this.#live('view');
    this.#changing();
    const buffer = this.#heap.f32().buffer;
    if (this.#view === null || this.#view.buffer !== buffer)
      this.#view = new Float32Array(buffer, address, this.#length);
    return this.#view;
  }

  set(data) {
    const address = this.#live('set');
    if (!(data instanceof Float32Array))
      fail(TYPE, 'Tensor.set', 'data', `a Float32Array of ${this.#length} floats`, describe(data));
    if (data.length !== this.#length)
      fail(SHAPE, 'Tensor.set', 'data', `a Float32Array of ${this.#length} floats`, describe(data));
    const heap = this.#heap;
    // A reader's copy may grow the heap, which detaches a view of it (offset and length become 0).
    const offset = heap.mayView(data) ? data.byteOffset : -1;
    this.#changing();
    if (offset >= 0 && data.length === 0) data = new Float32Array(heap.f32().buffer, offset, this.#length);
    heap.copyIn(address, data);
  }

  toFloat32Array() {
    return this.#heap.copyOut(this.#live('toFloat32Array'), this.#length);
  }

  dispose() {
    if (this.#address !== 0) {
      this.#changing();
      untrack(this);
      this.#heap.module._free(this.#address);
    }
    this.#address = 0;
    this.#view = null;
  }

  [dispose]() {
    this.dispose();
  }
}

function sharedView(memory) {
  let view = null;
  return () => {
    const buffer = memory.buffer;
    if (view?.buffer !== buffer) view = new Float32Array(buffer);
    return view;
  };
}

export function makeHeap(module) {
  // Only the threaded build exports its memory (and a page that is not isolated has no
  // SharedArrayBuffer at all).
  const f32 = module.wasmMemory ? sharedView(module.wasmMemory) : () => module.HEAPF32;

  // Blocks of a page or more start on a page. From malloc each began 8 bytes past the previous
  // one's end, so a kernel's stores to y (allocated after x) fell a few bytes above its next loads
  // of x in their 4 KiB page, and those loads waited for stores they only seemed to overlap (4K
  // aliasing). Intel Emerald Rapids, Node 20, resident Tensors: batchNorm inference S1 0.80 →
  // 0.66 ms, BatchNorm.forward inference S3 12.2 → 8.9 µs.
  function alloc(fn, arg, count) {
    const bytes = Math.max(count, 1) * 4;
    const address = bytes >= PAGE_BYTES ? module._memalign(PAGE_BYTES, bytes) : module._malloc(bytes);
    if (!address)
      fail(MEMORY, fn, arg, `room for ${count} floats in the wasm heap (2 GiB at most)`, 'an allocation failure');
    return address;
  }

  function copyOut(address, count) {
    return f32().slice(address >>> 2, (address >>> 2) + count);
  }

  function copyIn(address, data) {
    f32().set(data, address >>> 2);
  }

  // Whether a Float32Array may be a view of this heap (the threaded build's memory is shared, and
  // growth gives it a new SharedArrayBuffer object).
  function mayView(array) {
    const buffer = array?.buffer;
    return buffer === f32().buffer || (typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer);
  }

  // count floats at `address` into the Float32Array `into` (which keeps its identity).
  function copyInto(into, address, count) {
    into.set(f32().subarray(address >>> 2, (address >>> 2) + count));
  }

  // A Float32Array or Tensor of `length` floats from this init() instance, or a clear error.
  // `what` says where the length comes from: a string, or a function giving it (built only for
  // the error, so the per-call path of small tensors does not format a message).
  function checkTensorArg(fn, arg, v, length, what) {
    if (v instanceof Tensor) {
      if (heapOf(v) !== heap) fail(TYPE, fn, arg, 'a Tensor of this init() instance', 'a Tensor of another one');
      if (v.length !== length)
        fail(SHAPE, fn, arg, `a Tensor of ${length} floats (${whyText(what)})`, `${v.length} floats`);
      return;
    }
    if (v instanceof Float32Array && v.length === length) return;
    fail(
      v instanceof Float32Array ? SHAPE : TYPE,
      fn,
      arg,
      `a Float32Array or Tensor of ${length} floats (${whyText(what)})`,
      v instanceof Float32Array ? `${v.length} floats` : describe(v),
    );
  }

  // Heap memory an object keeps across calls (BatchNorm's copy of a Float32Array x, its staging), so
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
    copyInto(out, address, count);
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
      if (v instanceof Tensor) return readAddress(v);
      const address = this.#alloc(arg, length);
      copyIn(address, v);
      return address;
    }

    // An optional per-channel input: 0 when absent (null or undefined).
    optional(arg, v, length, what) {
      if (v === null || v === undefined) return 0;
      if (!(v instanceof Float32Array) || v.length !== length)
        fail(
          v instanceof Float32Array ? SHAPE : TYPE,
          this.#fn,
          arg,
          `null or a Float32Array of ${length} floats (${whyText(what)})`,
          v instanceof Float32Array ? `${v.length} floats` : describe(v),
        );
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

  const heap = { module, f32, alloc, Call, Scratch, checkTensorArg, deliver, copyIn, copyOut, copyInto, mayView };
  return heap;
}
