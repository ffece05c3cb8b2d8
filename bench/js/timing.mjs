// Timing for the Node benchmarks: warm up, then repetitions of as many calls as fill `minMs`,
// each repetition giving ms per call. Medians and spreads are taken by the report.

import { performance } from 'node:perf_hooks';

export function timeCalls(fn, { repetitions = 5, minMs = 40, maxMs = 4000 } = {}) {
  const t0 = performance.now();
  fn(); // warm-up (JIT, first touch of buffers, wasm memory growth), also the time estimate
  const single = Math.max(performance.now() - t0, 1e-4);
  const calls = Math.max(1, Math.min(Math.ceil(minMs / single), 1e6));
  const reps = single * calls * repetitions > maxMs ? Math.max(3, Math.floor(maxMs / (single * calls))) : repetitions;
  const perCall = [];
  for (let r = 0; r < reps; ++r) {
    const start = performance.now();
    for (let i = 0; i < calls; ++i) fn();
    perCall.push((performance.now() - start) / calls);
  }
  return perCall;
}

// The same for functions returning promises (onnxruntime-web's session.run).
export async function timeCallsAsync(fn, { repetitions = 5, minMs = 40, maxMs = 4000 } = {}) {
  const t0 = performance.now();
  await fn();
  const single = Math.max(performance.now() - t0, 1e-4);
  const calls = Math.max(1, Math.min(Math.ceil(minMs / single), 1e6));
  const reps = single * calls * repetitions > maxMs ? Math.max(3, Math.floor(maxMs / (single * calls))) : repetitions;
  const perCall = [];
  for (let r = 0; r < reps; ++r) {
    const start = performance.now();
    for (let i = 0; i < calls; ++i) await fn();
    perCall.push((performance.now() - start) / calls);
  }
  return perCall;
}
