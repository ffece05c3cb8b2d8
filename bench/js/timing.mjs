// Timing for the Node benchmarks: warm up, then repetitions of as many calls as fill `minMs`,
// each repetition giving ms per call. Medians and spreads are taken by the report.
//
// A full garbage collection runs before every repetition, outside the timed region: the garbage
// of the calls before (an e2e call leaves its fresh output array behind, 8 MiB on S1) is freed
// then, not by a collection or a page-unmapping thread that happens to overlap the next
// repetition, so every repetition starts from the same heap state whatever ran before it.

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

// How many calls per repetition fill `minMs`, and how many repetitions fit in `maxMs` (at least
// 3), from the time of the first, warm-up call.
function plan(single, { repetitions = 5, minMs = 40, maxMs = 4000 }) {
  const calls = Math.max(1, Math.min(Math.ceil(minMs / Math.max(single, 1e-4)), 1e6));
  const perRep = Math.max(single, 1e-4) * calls;
  const reps = perRep * repetitions > maxMs ? Math.max(3, Math.floor(maxMs / perRep)) : repetitions;
  return { calls, reps };
}

// Several functions timed together, repetition by repetition in turn (fns: { name: fn }), so the
// machine's drift hits each alike and their ratios hold: { name: ms per call of each repetition }.
// `isAsync`: the functions return promises, awaited per call (an await per call of a synchronous
// function would add a microtask to each).
export async function timeInterleaved(fns, options = {}, isAsync = false) {
  const run = async (fn, calls) => {
    gc();
    const start = performance.now();
    if (isAsync) for (let i = 0; i < calls; ++i) await fn();
    else for (let i = 0; i < calls; ++i) fn();
    return (performance.now() - start) / calls;
  };
  const plans = {};
  let reps = Infinity;
  for (const [name, fn] of Object.entries(fns)) {
    plans[name] = plan(await run(fn, 1), options); // warm-up, also the time estimate
    reps = Math.min(reps, plans[name].reps);
  }
  const perCall = Object.fromEntries(Object.keys(fns).map((name) => [name, []]));
  for (let r = 0; r < reps; ++r)
    for (const [name, fn] of Object.entries(fns)) perCall[name].push(await run(fn, plans[name].calls));
  return perCall;
}
