// The errors the package throws. Each is a built-in TypeError, RangeError or Error (so `instanceof`
// and engines' stack traces work as usual) with a stable `code` to branch on, and a message of
// one form in JavaScript and C++: "simdnorm: <function>: <argument>: expected <what>, got <given>".
// The C++ side (simdnorm::Error, mapped by wasm/guard.hpp) produces the same codes.

export const errorCodes = Object.freeze({
  /** TypeError: an argument of the wrong JS type, an unknown or missing option key. */
  TYPE: 'SIMDNORM_TYPE',
  /** RangeError: a value outside what the argument accepts (eps ≤ 0, an unknown name). */
  RANGE: 'SIMDNORM_RANGE',
  /** RangeError: a length, shape or channel count that does not fit the others. */
  SHAPE: 'SIMDNORM_SHAPE',
  /** Error: a call the object's state does not allow (backward() before forward()). */
  STATE: 'SIMDNORM_STATE',
  /** Error: an object used after dispose(). */
  DISPOSED: 'SIMDNORM_DISPOSED',
  /** RangeError: the wasm heap cannot grow enough (2 GiB at most). */
  MEMORY: 'SIMDNORM_MEMORY',
  /** Error: the JavaScript engine lacks a WebAssembly feature the module needs. */
  UNSUPPORTED: 'SIMDNORM_UNSUPPORTED',
  /** Error: init() could not load a build's files (missing, an HTTP error, bytes that do not compile). */
  LOAD: 'SIMDNORM_LOAD',
  /** Error: a bug in simdnorm (please report it with the message). */
  INTERNAL: 'SIMDNORM_INTERNAL',
});

const CLASSES = {
  SIMDNORM_TYPE: TypeError,
  SIMDNORM_RANGE: RangeError,
  SIMDNORM_SHAPE: RangeError,
  SIMDNORM_MEMORY: RangeError,
};

export function simdnormError(code, message) {
  const error = new (CLASSES[code] ?? Error)(message);
  error.code = code;
  return error;
}

export function fail(code, fn, arg, expected, given) {
  throw simdnormError(code, `simdnorm: ${fn}: ${arg}: expected ${expected}, got ${given}`);
}
