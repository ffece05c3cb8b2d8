// simdnorm's wasm package (wasm/index.js), SIMD128 or scalar build: the BatchNorm module with
// Float32Array in/out (e2e: copies into and out of the wasm heap) and with Tensors that live in
// the heap (resident: no copies). Inference passes { grad: false }: no backward follows it, so
// the module keeps no copy of x, as an inference user would call it. threads > 1: the SIMD128 +
// threads build with that many threads (bench/js/scaling.mjs).

import init from '../../../wasm/index.js';

export async function simdnormPeer(shape, inp, { simd, threads = 1 }) {
  const sn = await init(threads > 1 ? { threads } : { simd, threads: 1 });
  const c = shape.layout === 'nhwc' ? shape.dims[3] : shape.dims[1];
  const layout = shape.layout === 'nhwc' ? 'channels-last' : 'channels-first';
  const bn = new sn.BatchNorm(c, { eps: inp.eps, momentum: inp.momentum, layout });
  bn.weight = inp.weight;
  bn.bias = inp.bias;
  bn.runningMean = inp.runningMean;
  bn.runningVar = inp.runningVar;
  const tx = new sn.Tensor(inp.x),
    tdy = new sn.Tensor(inp.dy);
  const ty = new sn.Tensor(inp.x.length),
    tdx = new sn.Tensor(inp.x.length);
  const dims = shape.dims;
  const train = () => bn.train(),
    evalMode = () => bn.eval();
  return {
    name: `simdnorm ${sn.isa}`,
    ops: {
      'infer e2e': () => (evalMode(), bn.forward(inp.x, dims, { grad: false })),
      'infer resident': () => (evalMode(), bn.forward(tx, dims, { out: ty, grad: false })),
      'train_fwd e2e': () => (train(), bn.forward(inp.x, dims)),
      'train_fwd resident': () => (train(), bn.forward(tx, dims, ty)),
      'bwd e2e': () => bn.backward(inp.dy),
      'bwd resident': () => bn.backward(tdy, tdx),
      'fwd_bwd e2e': () => (train(), bn.forward(inp.x, dims), bn.backward(inp.dy)),
      'fwd_bwd resident': () => (train(), bn.forward(tx, dims, ty), bn.backward(tdy, tdx)),
    },
    setup: () => (train(), bn.forward(tx, dims, ty)), // a training forward before a lone backward
    dispose() {
      for (const t of [tx, tdy, ty, tdx]) t.dispose();
      bn.dispose();
    },
  };
}
