// The safety net for objects that own wasm memory (BatchNorm, Tensor, Trainer): one garbage-
// collected without dispose() has its memory freed by a FinalizationRegistry, and in development
// a single console.warn says so. dispose() stays the way to free memory: garbage collection may
// run late or never, and the heap does not shrink in between. Also: the one check that a handle
// was not disposed.

import { errorCodes, fail } from './errors.js';

// Development unless process.env.NODE_ENV is 'production'. Bundlers replace that expression in
// production builds; in a browser without one, `process` does not exist: development.
function production() {
  try {
    return process.env.NODE_ENV === 'production';
  } catch {
    return false;
  }
}

let warned = false;

function collected({ what, free }) {
  free();
  if (warned || production()) return;
  warned = true;
  console.warn(
    `simdnorm: a ${what} was garbage-collected without dispose(); its wasm memory was ` +
      'freed now. Call dispose() (or declare it with `using`) to free memory when you are done. ' +
      'This warning is shown once; NODE_ENV=production silences it.',
  );
}

const registry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry(collected) : null;

// `free` must not reference `owner` (it would keep it alive forever).
export function track(owner, what, free) {
  registry?.register(owner, { what, free }, owner);
}

export function untrack(owner) {
  registry?.unregister(owner);
}

// `raw`, the Embind handle of a `what` (null once disposed), for a call to `fn`; throws the
// DISPOSED error naming `arg` after dispose().
export function live(raw, fn, what, arg = 'this') {
  if (raw === null)
    fail(errorCodes.DISPOSED, fn, arg, `a ${what} that is not disposed`, 'a disposed one (used after dispose())');
  return raw;
}
