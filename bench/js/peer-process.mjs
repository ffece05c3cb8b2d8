// One implementation on one shape, alone in a child process (bench/js/isolated-peer.mjs starts
// it): only its own library is loaded, so no other library's heap, threads, wasm memories or
// allocator state is alive while it is timed. It lives for one round of repetitions and exits.
//
// argv[2]: JSON { spec, shape, tensors }; spec.impl is 'simdnorm' ({ simd, threads, floor }),
// 'tfjs' ({ backend }), 'onnxruntime-web' ({ threads }) or 'plain JS'; tensors: the file of x and
// dy (shapes.mjs, writeTensors). Messages out: first { name, ops } (ops [] when the implementation
// has no such shape), then { ms: [ms per call of each repetition] } for each
// { op, minMs, warmMs, repetitions } (warm up, then `repetitions` repetitions of at least minMs
// each, timing.mjs; a call longer than minMs is a repetition of its own), { y } for
// { output: true } (the inference e2e output), { disposed: true } for { dispose: true } (then it
// exits), or { error }.

import { makeInputs, readTensors } from './shapes.mjs';
import { timeRepetition, warmUp } from './timing.mjs';

const { spec, shape, tensors } = JSON.parse(process.argv[2]);
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

const started = makePeer(makeInputs(shape, readTensors(shape, tensors)));
started.then((peer) => post({ name: peer?.name ?? null, ops: peer ? Object.keys(peer.ops) : [] }), fail);

process.on('message', async (m) => {
  try {
    const peer = await started;
    if (m.op) {
      const fn = peer.ops[m.op];
      // A lone backward needs a training forward before it; once per batch of calls suffices.
      await peer.setup();
      const single = await warmUp(fn, m.warmMs, peer.async);
      const batch = Math.max(1, Math.floor(m.minMs / 8 / Math.max(single, 1e-4)));
      // A call longer than a repetition is one on its own (S5: 64 MiB outputs faulted in, 0.2–1 s
      // a call on the Zen 5 VM), and there are still `repetitions` of them: the page faults of such
      // calls vary 3×, and the median of fewer samples is left to chance.
      const ms = [];
      for (let r = 0; r < m.repetitions; ++r) {
        await peer.setup();
        ms.push(await timeRepetition(fn, m.minMs, batch, peer.async));
      }
      post({ ms });
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
