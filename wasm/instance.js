// Which init() instance an object belongs to. The classes (BatchNorm, Tensor, Trainer) are
// defined once, so `x instanceof BatchNorm` works for the package's named export and for objects
// of any instance; each init() hands out subclasses bound to its own module (sn.BatchNorm), and
// `new BatchNorm()` of the named export uses the first instance init() created.

import { errorCodes, fail } from './errors.js';

const bound = new WeakMap(); // bound subclass → the instance's heap (wasm/heap.js)
let first = null;

export function bindClass(Base, heap) {
  const Bound = class extends Base {};
  Object.defineProperty(Bound, 'name', { value: Base.name });
  bound.set(Bound, heap);
  first ??= heap;
  return Bound;
}

// The heap for `new.target` (a bound subclass, a user's subclass of one, or the named export).
export function heapFor(newTarget, fn) {
  for (let c = newTarget; c; c = Object.getPrototypeOf(c)) if (bound.has(c)) return bound.get(c);
  if (first === null) fail(errorCodes.STATE, fn, 'this', `await init() before new ${fn}()`, 'no module loaded yet');
  return first;
}
