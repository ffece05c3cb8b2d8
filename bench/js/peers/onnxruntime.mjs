// onnxruntime-web, wasm execution provider, one thread (or `threads`: its pthreads build, for
// bench/js/scaling.mjs; ort.env is per module instance, so one count per worker_thread):
// BatchNormalization opset 15 in inference and training mode (ORT has no BN backward). ONNX BN is
// channels-first only (no NHWC).

import * as ort from 'onnxruntime-web';
import { batchNormModel } from '../onnx-model.mjs';

export async function onnxRuntimePeer(shape, inp, { threads = 1 } = {}) {
  if (shape.layout === 'nhwc') return null;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const dims = shape.dims;
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const infer = await ort.InferenceSession.create(batchNormModel(dims, { training: false, eps: inp.eps }), options);
  const train = await ort.InferenceSession.create(
    batchNormModel(dims, { training: true, eps: inp.eps, momentum: 1 - inp.momentum }),
    options,
  );
  const c = inp.weight.length;
  const param = (a) => new ort.Tensor('float32', a, [c]);
  const feeds = (x) => ({
    X: new ort.Tensor('float32', x, dims),
    scale: param(inp.weight),
    B: param(inp.bias),
    input_mean: param(inp.runningMean),
    input_var: param(inp.runningVar),
  });
  return {
    name: 'onnxruntime-web wasm',
    async: true,
    ops: {
      'infer e2e': async () => (await infer.run(feeds(inp.x))).Y.data,
      'train_fwd e2e': async () => (await train.run(feeds(inp.x))).Y.data,
    },
    setup() {},
    async dispose() {
      await infer.release();
      await train.release();
    },
  };
}
