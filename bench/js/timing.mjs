// Timing for the Node benchmarks: warm up, then repetitions of as many calls as fill `minMs`,
// each repetition giving ms per call. Medians and spreads are taken by the report.
//
// A full garbage collection runs before every repetition, outside the timed region: the garbage
// of the calls before (an e2e call leaves its fresh output array behind, 8 MiB on S1) is freed
// then, not by a collection or a page-unmapping thread that happens to overlap the next
// repetition, so every repetition starts from the same heap state whatever ran before it. The
// caller caps the calls of a repetition that allocates (`maxCalls`, a number or a function of the
// name) so that their fresh output arrays stay few enough for no collection to start inside it:
// how often a collection fell into a repetition of thousands of small e2e calls decided their
// time (S3 e2e inference 0.016–0.32 ms in one run).

import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

// gc() without asking for `node --expose-gc`: the flag set at run time exposes it to new contexts.
function exposeGc() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
}
export const gc = exposeGc();

// The most calls of a repetition that return fresh arrays of `numel` floats: 16 MiB of them, few
// enough that no collection starts inside the repetition (above).
export const allocatingCalls = (numel) => Math.max(1, Math.floor(2 ** 22 / numel));

// How many calls per repetition fill `minMs` (at most `maxCalls`), and how many repetitions fit in
// `maxMs` (at least 3), from the time of a warm call.
function plan(single, { repetitions = 5, minMs = 40, maxMs = 4000, maxCalls = 1e6 }) {
  const calls = Math.max(1, Math.min(Math.ceil(minMs / Math.max(single, 1e-4)), maxCalls));
  const perRep = Math.max(single, 1e-4) * calls;
  const reps = perRep * repetitions > maxMs ? Math.max(3, Math.floor(maxMs / perRep)) : repetitions;
  return { calls, reps };
}

// ms per call of `calls` calls of fn, after a full collection outside the timed region (above).
// `isAsync`: fn returns a promise, awaited per call (an await per call of a synchronous function
// would add a microtask to each).
export async function timeCalls(fn, calls, isAsync = false) {
  gc();
  const start = performance.now();
  if (isAsync) for (let i = 0; i < calls; ++i) await fn();
  else for (let i = 0; i < calls; ++i) fn();
  return (performance.now() - start) / calls;
}

// Warm-up: batches of 1, 2, 4, … calls until `warmMs` have passed, so the JIT has optimised the
// JavaScript of an implementation (its wrapper included) before anything is timed; a single cold
// call of an S3 forward takes several times a warm one. Returns the ms per call of the last batch.
export async function warmUp(fn, warmMs = 50, isAsync = false) {
  const start = performance.now();
  let single = await timeCalls(fn, 1, isAsync);
  for (let k = 2; performance.now() - start < warmMs; k *= 2) single = await timeCalls(fn, k, isAsync);
  return single;
}

// Several functions timed together, repetition by repetition in turn (fns: { name: fn }), so the
// machine's drift hits each alike and their ratios hold: { name: ms per call of each repetition }.
export async function timeInterleaved(fns, options = {}, isAsync = false) {
  const plans = {};
  let reps = Infinity;
  for (const [name, fn] of Object.entries(fns)) {
    const maxCalls = typeof options.maxCalls === 'function' ? options.maxCalls(name) : options.maxCalls;
    plans[name] = plan(await warmUp(fn, options.warmMs ?? 50, isAsync), { ...options, maxCalls });
    reps = Math.min(reps, plans[name].reps);
  }
  // Each round starts one function later, so none always follows the same neighbour: what one
  // leaves behind (freed output arrays, the allocator's trimmed pages) is met by each in turn.
  const entries = Object.entries(fns);
  const perCall = Object.fromEntries(entries.map(([name]) => [name, []]));
  for (let r = 0; r < reps; ++r)
    for (let i = 0; i < entries.length; ++i) {
      const [name, fn] = entries[(i + r) % entries.length];
      perCall[name].push(await timeCalls(fn, plans[name].calls, isAsync));
    }
  return perCall;
}
