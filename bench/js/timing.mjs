// Timing for the Node benchmarks: warm up, then repetitions of calls, each giving ms per call.
// Medians and spreads are taken by the report.
//
// A full garbage collection runs before every repetition, outside the timed region, so that none
// pays for the garbage of the calls before it (another op's, another mode's). A repetition's own
// garbage is collected inside it, as in a user's loop: the calls that return fresh arrays (e2e,
// the floor) trigger V8's collections for them (S1: a scavenge of ~0.2 ms every four 8 MiB
// outputs), and these are counted for every implementation alike. A repetition that fills 40 ms
// spans several of them on every shape but S5 (one call of 64 MiB). The freed outputs' pages stay
// with the allocator, as in a long-lived process (bench/js/isolated-peer.mjs).

import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

// gc() without asking for `node --expose-gc`: the flag set at run time exposes it to new contexts.
function exposeGc() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
}
const gc = exposeGc();

// ms per call of `calls` calls of fn. `isAsync`: fn returns a promise, awaited per call (an await
// per call of a synchronous function would add a microtask to each).
async function callsMs(fn, calls, isAsync) {
  const start = performance.now();
  if (isAsync) for (let i = 0; i < calls; ++i) await fn();
  else for (let i = 0; i < calls; ++i) fn();
  return (performance.now() - start) / calls;
}

// One repetition: ms per call of fn over at least `minMs`, after a full collection outside the
// timed region (above). Calls run in batches of `batch` (about an eighth of minMs from the
// warm-up's estimate) with the clock read between batches, so a repetition lasts minMs even when
// the estimate was off (the JIT still tiering up a fast function).
export async function timeRepetition(fn, minMs, batch, isAsync = false) {
  gc();
  let calls = 0,
    elapsed;
  const start = performance.now();
  do {
    if (isAsync) for (let i = 0; i < batch; ++i) await fn();
    else for (let i = 0; i < batch; ++i) fn();
    calls += batch;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return elapsed / calls;
}

// Warm-up: batches of 1, 2, 4, … calls until `warmMs` have passed (the last one cut to what is
// left), so the JIT has optimised the JavaScript of an implementation (its wrapper included) and
// the allocator holds the pages its outputs reuse before anything is timed; a single cold call of
// an S3 forward takes several times a warm one. Returns the ms per call of the last batch.
export async function warmUp(fn, warmMs = 50, isAsync = false) {
  const start = performance.now();
  let single = await callsMs(fn, 1, isAsync);
  for (let k = 2, left; (left = warmMs - (performance.now() - start)) > 0; k *= 2)
    single = await callsMs(fn, Math.min(k, Math.ceil(left / Math.max(single, 1e-4))), isAsync);
  return single;
}
