// One implementation at one thread count for bench/js/scaling.mjs, in its own worker_thread: its
// own module instance (simdnorm's threaded build and its pool, or onnxruntime-web, whose thread
// count is fixed once per module instance). The main thread asks for one repetition at a time, so
// the repetitions of every implementation and thread count interleave.
//
// Messages in: { shape } sets up a shape; { op, minMs } times one repetition of the op (the first
// for an op also warms it up and fixes its calls per repetition); { dispose: true } ends.
// Messages out: { ops } (the names the shape has), { ms } (per call), { error }.

import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { makeInputs, numelOf } from './shapes.mjs';
import { allocatingCalls, gc } from './timing.mjs';
import { simdnormPeer } from './peers/simdnorm.mjs';
import { onnxRuntimePeer } from './peers/onnxruntime.mjs';

const { impl, threads } = workerData;
let peer = null;
let shape = null;
const calls = new Map(); // op → calls per repetition

// ms per call of count calls (awaited only for a peer that returns promises: an await per call
// would add a microtask to the synchronous ones).
// A full collection first, outside the timed region, as in bench/js/timing.mjs: the fresh output
// arrays of the calls before are freed then, not inside this repetition.
async function time(fn, count) {
  gc();
  const start = performance.now();
  if (peer.async) for (let i = 0; i < count; ++i) await fn();
  else for (let i = 0; i < count; ++i) fn();
  return (performance.now() - start) / count;
}

parentPort.on('message', async (m) => {
  try {
    if (m.shape) {
      shape = m.shape;
      await peer?.dispose();
      calls.clear();
      const inp = makeInputs(m.shape);
      peer =
        impl === 'simdnorm'
          ? await simdnormPeer(m.shape, inp, { simd: true, threads })
          : await onnxRuntimePeer(m.shape, inp, { threads });
      if (peer) await peer.setup();
      parentPort.postMessage({ ops: peer ? Object.keys(peer.ops) : [] });
    } else if (m.op) {
      const fn = peer.ops[m.op];
      if (!calls.has(m.op)) {
        const single = await time(fn, 1); // warm-up, and the time of one call
        // e2e calls return fresh arrays (timing.mjs).
        const cap = m.op.endsWith('e2e') ? allocatingCalls(numelOf(shape)) : Infinity;
        calls.set(m.op, Math.min(cap, Math.max(1, Math.ceil(m.minMs / Math.max(single, 1e-3)))));
      }
      // A lone backward needs a training forward before it, once per repetition suffices.
      await peer.setup();
      parentPort.postMessage({ ms: await time(fn, calls.get(m.op)) });
    } else if (m.dispose) {
      await peer?.dispose();
      parentPort.close();
    }
  } catch (e) {
    parentPort.postMessage({ error: String(e?.stack ?? e) });
  }
});
