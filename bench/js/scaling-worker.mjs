// One implementation at one thread count on one shape for bench/js/scaling.mjs, in its own
// worker_thread: its own module instance (simdnorm's threaded build and its pool, or
// onnxruntime-web, whose thread count is fixed once per module instance). It lives for one round
// of repetitions and is then terminated with its pool, so no other configuration's module, pool
// or heap is alive while it is timed.
//
// workerData: { impl, threads, shape }. Messages out: first { ops } (the names the shape has),
// then { ms, calls } for each { op, minMs, warmMs, calls? } in (warm up, then one repetition of
// `calls` calls, or as many as fill minMs), { disposed: true } for { dispose: true }, or { error }.

import { parentPort, workerData } from 'node:worker_threads';
import { makeInputs, numelOf } from './shapes.mjs';
import { allocatingCalls, timeCalls, warmUp } from './timing.mjs';
import { simdnormPeer } from './peers/simdnorm.mjs';
import { onnxRuntimePeer } from './peers/onnxruntime.mjs';

const { impl, threads, shape } = workerData;
const post = (message) => parentPort.postMessage(message);
const fail = (e) => post({ error: String(e?.stack ?? e) });

async function start() {
  const inp = makeInputs(shape);
  const peer =
    impl === 'simdnorm'
      ? await simdnormPeer(shape, inp, { simd: true, threads })
      : await onnxRuntimePeer(shape, inp, { threads });
  if (peer) await peer.setup();
  return peer;
}

const started = start();
started.then((peer) => post({ ops: peer ? Object.keys(peer.ops) : [] }), fail);

parentPort.on('message', async (m) => {
  try {
    const peer = await started;
    if (m.op) {
      const fn = peer.ops[m.op];
      const single = await warmUp(fn, m.warmMs, peer.async);
      // e2e calls return fresh arrays (timing.mjs).
      const cap = m.op.endsWith('e2e') ? allocatingCalls(numelOf(shape)) : Infinity;
      const calls = m.calls ?? Math.min(cap, Math.max(1, Math.ceil(m.minMs / Math.max(single, 1e-3))));
      // One untimed repetition first: in a young thread the first one after the warm-up's larger
      // batches page-faults its fresh output arrays in (S1 e2e: 17 ms against 2.4 ms a call),
      // the repetitions after it reuse the allocator's pages, as calls in a long-lived worker do.
      // A lone backward needs a training forward before it; once per repetition suffices.
      for (const timed of [false, true]) {
        await peer.setup();
        const ms = await timeCalls(fn, calls, peer.async);
        if (timed) post({ ms, calls });
      }
    } else if (m.dispose) {
      await peer?.dispose();
      post({ disposed: true });
    }
  } catch (e) {
    fail(e);
  }
});
