// One implementation on one shape, alone in a child process (bench/js/isolated-peer.mjs starts
// it): only its own library is loaded, so no other library's heap, threads, wasm memories or
// allocator state is alive while it is timed. It lives for one round of repetitions and exits.
//
// argv[2]: JSON { spec, shape }; spec.impl is 'simdnorm' ({ simd, threads, floor }), 'tfjs'
// ({ backend }), 'onnxruntime-web' ({ threads }) or 'plain JS'. Messages out: first { name, ops }
// (ops [] when the implementation has no such shape), then { ms, calls } for each
// { op, minMs, warmMs, calls? } (warm up, one untimed repetition, then one repetition of `calls`
// calls or as many as fill minMs), { y } for { output: true } (the inference e2e output),
// { disposed: true } for { dispose: true } (then it exits), or { error }.

import { makeInputs, numelOf } from './shapes.mjs';
import { allocatingCalls, timeCalls, warmUp } from './timing.mjs';

const { spec, shape } = JSON.parse(process.argv[2]);
const post = (message) => process.send(message);
const fail = (e) => post({ error: String(e?.stack ?? e) });

// Each library is imported only by the process that times it.
async function makePeer(inp) {
  switch (spec.impl) {
    case 'simdnorm': {
      const { simdnormPeer } = await import('./peers/simdnorm.mjs');
      const peer = await simdnormPeer(shape, inp, spec);
      if (!spec.floor) return peer;
      const { withFloor } = await import('./e2e-floor.mjs');
      return withFloor(peer, shape, inp, spec);
    }
    case 'tfjs':
      return (await import('./peers/tfjs.mjs')).tfjsPeer(shape, inp, spec);
    case 'onnxruntime-web':
      return (await import('./peers/onnxruntime.mjs')).onnxRuntimePeer(shape, inp, spec);
    case 'plain JS':
      return (await import('./peers/plain-js.mjs')).plainJsPeer(shape, inp);
    default:
      throw new Error(`unknown implementation ${spec.impl}`);
  }
}

async function start() {
  const peer = await makePeer(makeInputs(shape));
  if (peer) await peer.setup();
  return peer;
}

const started = start();
started.then((peer) => post({ name: peer?.name ?? null, ops: peer ? Object.keys(peer.ops) : [] }), fail);

process.on('message', async (m) => {
  try {
    const peer = await started;
    if (m.op) {
      const fn = peer.ops[m.op];
      const single = await warmUp(fn, m.warmMs, peer.async);
      // e2e calls and the floor return fresh arrays (timing.mjs).
      const allocates = ['e2e', 'floor'].includes(m.op.split(' ')[1]);
      const cap = allocates ? allocatingCalls(numelOf(shape)) : Infinity;
      const calls = m.calls ?? Math.min(cap, Math.max(1, Math.ceil(m.minMs / Math.max(single, 1e-3))));
      // One untimed repetition first: in a young process the first one after the warm-up's larger
      // batches page-faults its fresh output arrays in (S1 e2e: 17 ms against 2.4 ms a call),
      // the repetitions after it reuse the allocator's pages, as calls in a long-lived page do.
      // A lone backward needs a training forward before it; once per repetition suffices.
      for (const timed of [false, true]) {
        await peer.setup();
        const ms = await timeCalls(fn, calls, peer.async);
        if (timed) post({ ms, calls });
      }
    } else if (m.output) {
      const y = await peer.ops['infer e2e']();
      post({ y: Float32Array.from(y) });
    } else if (m.dispose) {
      await peer?.dispose();
      process.send({ disposed: true }, () => process.exit(0));
    }
  } catch (e) {
    fail(e);
  }
});
