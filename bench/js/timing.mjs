// Timing for the Node benchmarks: warm up, then repetitions of as many calls as fill `minMs`,
// each repetition giving ms per call. Medians and spreads are taken by the report.

import { performance } from 'node:perf_hooks';

// How many calls per repetition fill `minMs`, and how many repetitions fit in `maxMs` (at least
// 3), from the time of the first, warm-up call.
function plan(single, { repetitions = 5, minMs = 40, maxMs = 4000 }) {
  const calls = Math.max(1, Math.min(Math.ceil(minMs / Math.max(single, 1e-4)), 1e6));
  const perRep = Math.max(single, 1e-4) * calls;
  const reps = perRep * repetitions > maxMs ? Math.max(3, Math.floor(maxMs / perRep)) : repetitions;
  return { calls, reps };
}

export function timeCalls(fn, options = {}) {
  const t0 = performance.now();
  fn(); // warm-up (JIT, first touch of buffers, wasm memory growth), also the time estimate
  const { calls, reps } = plan(performance.now() - t0, options);
  const perCall = [];
  for (let r = 0; r < reps; ++r) {
    const start = performance.now();
    for (let i = 0; i < calls; ++i) fn();
    perCall.push((performance.now() - start) / calls);
  }
  return perCall;
}

// The same for functions returning promises (onnxruntime-web's session.run): awaiting each call
// would add a microtask to every call of the synchronous peers, so this is a separate loop.
export async function timeCallsAsync(fn, options = {}) {
  const t0 = performance.now();
  await fn();
  const { calls, reps } = plan(performance.now() - t0, options);
  const perCall = [];
  for (let r = 0; r < reps; ++r) {
    const start = performance.now();
    for (let i = 0; i < calls; ++i) await fn();
    perCall.push((performance.now() - start) / calls);
  }
  return perCall;
}
