// The floor of an e2e call (issue 13): what moving the data and running the kernel cost with
// nothing else — copy the inputs into the wasm heap (Tensor.set), the resident kernel, copy the
// outputs out (Tensor.toFloat32Array, a fresh Float32Array as e2e returns). Timed in the same run
// as the e2e calls, so their ratio is free of the machine's drift; the report gives each e2e time
// as a multiple of this floor (target ≤ 1.2×).
//
// Inference passes { grad: false }, as the peer's inference does (nothing kept for backward).
// The forwards take two x Tensors in turn: the module reads the last forward's Tensor x in place
// for backward, and a set() into that one would first make it copy x (no backward follows here).
//
// Both also run with caller-owned output arrays, allocated once: the e2e call with `out` a
// Float32Array ('e2e_out') and the floor copying into such an array ('floor_out'). floor −
// floor_out is what the fresh output arrays cost (allocation and first touch of their pages), the
// part of an e2e call that `out` avoids.

import init from '../../wasm/index.js';

// Adds '<op> floor' entries to simdnorm's peer of the same build (the same name in the results):
// its own module instance's BatchNorm with the same inputs and options, and its own Tensors.
export async function withFloor(peer, shape, inp, { simd }) {
  const sn = await init({ simd, threads: 1 });
  const c = shape.layout === 'nhwc' ? shape.dims[3] : shape.dims[1];
  const layout = shape.layout === 'nhwc' ? 'channels-last' : 'channels-first';
  const bn = new sn.BatchNorm(c, { eps: inp.eps, momentum: inp.momentum, layout });
  bn.weight = inp.weight;
  bn.bias = inp.bias;
  bn.runningMean = inp.runningMean;
  bn.runningVar = inp.runningVar;
  const dims = shape.dims;
  const tx = new sn.Tensor(inp.x.length),
    tx2 = new sn.Tensor(inp.x.length),
    ty = new sn.Tensor(inp.x.length),
    tdy = new sn.Tensor(inp.x.length),
    tdx = new sn.Tensor(inp.x.length);
  const yOut = new Float32Array(inp.x.length),
    dxOut = new Float32Array(inp.x.length);
  let turn = 0;
  const forwardInto = (grad) => {
    turn ^= 1;
    const x = turn ? tx2 : tx;
    x.set(inp.x);
    bn.forward(x, dims, { out: ty, grad });
  };
  const forward = (grad) => (forwardInto(grad), ty.toFloat32Array());
  const backward = () => (tdy.set(inp.dy), bn.backward(tdy, tdx), tdx.toFloat32Array());
  const forwardOut = (grad) => (forwardInto(grad), yOut.set(ty.view));
  const backwardOut = () => (tdy.set(inp.dy), bn.backward(tdy, tdx), dxOut.set(tdx.view));
  const { setup, dispose } = peer;
  return {
    ...peer,
    ops: {
      ...peer.ops,
      'infer floor': () => (bn.eval(), forward(false)),
      'train_fwd floor': () => (bn.train(), forward(true)),
      'bwd floor': backward,
      'fwd_bwd floor': () => (bn.train(), forward(true), backward()),
      'infer e2e_out': () => (bn.eval(), bn.forward(inp.x, dims, { out: yOut, grad: false })),
      'train_fwd e2e_out': () => (bn.train(), bn.forward(inp.x, dims, yOut)),
      'bwd e2e_out': () => bn.backward(inp.dy, dxOut),
      'fwd_bwd e2e_out': () => (bn.train(), bn.forward(inp.x, dims, yOut), bn.backward(inp.dy, dxOut)),
      'infer floor_out': () => (bn.eval(), forwardOut(false)),
      'train_fwd floor_out': () => (bn.train(), forwardOut(true)),
      'bwd floor_out': backwardOut,
      'fwd_bwd floor_out': () => (bn.train(), forwardOut(true), backwardOut()),
    },
    // A training forward before a lone backward, for both modules.
    setup: () => (setup(), bn.train(), bn.forward(tx, dims, ty)),
    dispose() {
      for (const t of [tx, tx2, ty, tdy, tdx]) t.dispose();
      bn.dispose();
      dispose();
    },
  };
}
