// Argument validation for the JavaScript API. Embind (without ASSERTIONS) would silently turn a
// bad number into 0 and a wrong array type into garbage, so everything is checked here first and
// reported through fail() (wasm/errors.js): TypeError for a wrong type, RangeError for a value
// out of range or a wrong length, each with its `code`.

import { errorCodes, fail } from './errors.js';

const { TYPE, RANGE, SHAPE } = errorCodes;

// The heap tops out at 2 GiB (Emscripten's default maximum with memory growth): no tensor can
// hold more floats, and every product of dims below this is an exact integer.
export const MAX_FLOATS = 2 ** 29;

// How a value reads in an error message.
export function describe(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length ?? v.byteLength})`;
  const name = typeof v === 'object' ? v.constructor?.name : undefined;
  if (name) return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
  return typeof v;
}

export function checkFloat32Array(fn, arg, v, length, what) {
  if (!(v instanceof Float32Array)) fail(TYPE, fn, arg, 'a Float32Array', describe(v));
  if (length !== undefined && v.length !== length)
    fail(SHAPE, fn, arg, `a Float32Array of ${length} floats (${what})`, `${v.length} floats`);
}

// A number of the wrong value is out of range; anything else is of the wrong type.
export function kind(v) {
  return typeof v === 'number' ? RANGE : TYPE;
}

// One of a few strings: another string is out of range (as String.prototype.normalize('X') is).
export function checkChoice(fn, arg, v, choices) {
  if (!choices.includes(v))
    fail(
      typeof v === 'string' ? RANGE : TYPE,
      fn,
      arg,
      `one of ${choices.map((c) => `'${c}'`).join(', ')}`,
      describe(v),
    );
}

export function checkBoolean(fn, arg, v) {
  if (typeof v !== 'boolean') fail(TYPE, fn, arg, 'true or false', describe(v));
}

export function checkEps(fn, arg, v) {
  if (!(v > 0) || !Number.isFinite(v)) fail(kind(v), fn, arg, 'a finite number > 0', describe(v));
  // Stored as float32: a positive double below float32's range would become 0.
  if (!(Math.fround(v) > 0)) fail(RANGE, fn, arg, 'a value ≥ 1.4e-45 (representable as float32)', describe(v));
  if (!Number.isFinite(Math.fround(v)))
    fail(RANGE, fn, arg, 'a value ≤ 3.4e38 (representable as float32)', describe(v));
}

export function checkMomentum(fn, arg, v, { nullable }) {
  if (v === null && nullable) return;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    fail(kind(v), fn, arg, nullable ? 'null or a number in [0, 1]' : 'a number in [0, 1]', describe(v));
}

export function checkCount(fn, arg, v) {
  if (!Number.isInteger(v) || v < 1 || v > MAX_FLOATS)
    fail(kind(v), fn, arg, `an integer in [1, ${MAX_FLOATS}]`, describe(v));
}

export const LAYOUTS = ['channels-first', 'channels-last'];

export function checkLayout(fn, arg, v) {
  checkChoice(fn, arg, v, LAYOUTS);
}

// Options objects: unknown keys are mistakes (a misspelt "momemtum" would otherwise be ignored).
export function checkOptions(fn, arg, options, known) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    fail(TYPE, fn, arg, 'an options object', describe(options));
  for (const key of Object.keys(options))
    if (!known.includes(key)) fail(TYPE, fn, `${arg}.${key}`, `one of ${known.join(', ')}`, 'an unknown option');
  return options;
}

// A shape array → { n, c, s, channelsLast, numel, text } (text for messages). NC, NCL, NCHW,
// NCDHW or, channels-last, NLC, NHWC, NDHWC; S is the product of the spatial dims.
export function parseShape(fn, shape, layout) {
  if (!Array.isArray(shape) || shape.length < 2 || shape.length > 5)
    fail(
      Array.isArray(shape) ? SHAPE : TYPE,
      fn,
      'shape',
      'an array of 2 to 5 dims (NC, NCL, NCHW, NCDHW or channels-last)',
      Array.isArray(shape) ? `${shape.length} dims` : describe(shape),
    );
  // Plain loops and a lazily built text: this runs on every forward, where a few hundred
  // nanoseconds are measurable on small tensors (S3).
  for (let i = 0; i < shape.length; ++i) {
    const d = shape[i];
    if (!Number.isInteger(d) || d < 0 || d > MAX_FLOATS)
      fail(
        typeof d === 'number' ? SHAPE : TYPE,
        fn,
        `shape[${i}]`,
        `a non-negative integer ≤ ${MAX_FLOATS}`,
        describe(d),
      );
  }
  const channelsLast = layout === 'channels-last' && shape.length > 2;
  const c = channelsLast ? shape[shape.length - 1] : shape[1];
  const first = channelsLast ? 1 : 2,
    end = channelsLast ? shape.length - 1 : shape.length;
  let s = 1;
  for (let i = first; i < end; ++i) s *= shape[i];
  const numel = shape[0] * c * s;
  if (numel > MAX_FLOATS || s > MAX_FLOATS)
    fail(SHAPE, fn, 'shape', `at most ${MAX_FLOATS} elements`, `[${shape.join(', ')}]`);
  if (c === 0) fail(SHAPE, fn, 'shape', 'at least 1 channel', `[${shape.join(', ')}]`);
  return new ParsedShape(shape, layout, c, s, channelsLast, numel);
}

// parseShape's result. A class, so that `text` is one getter on the prototype: an object literal
// with a getter made a new closure and a slow-mode object on every call (a quarter of a
// BatchNorm.forward on 128 floats).
class ParsedShape {
  constructor(shape, layout, c, s, channelsLast, numel) {
    this.n = shape[0];
    this.c = c;
    this.s = s;
    this.channelsLast = channelsLast;
    this.numel = numel;
    this.shape = shape;
    this.layout = layout;
  }

  get text() {
    return `[${this.shape.join(', ')}] ${this.layout}`;
  }
}
