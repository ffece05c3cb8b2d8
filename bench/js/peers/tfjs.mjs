// TensorFlow.js with its wasm backend (one thread) or its cpu backend. TF.js's fused batchNorm
// normalizes over the last axis only: channels-last shapes use it; channels-first (NCHW) ones use
// the broadcast form (x − mean)·(γ/√(var + ε)) + β with [1, C, 1, 1] parameters, as a TF.js user
// would write it. Training forward = tf.moments + normalize + running update; the backward only
// exists through autodiff, so it is measured as fwd+bwd (tf.grads).

import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { channelsOf } from '../shapes.mjs';

let threadsSet = false;

export async function tfjsPeer(shape, inp, { backend }) {
  if (backend === 'wasm' && !threadsSet) {
    setThreadsCount(1);
    threadsSet = true;
  }
  await tf.setBackend(backend);
  await tf.ready();
  const c = channelsOf(shape);
  const last = shape.layout !== 'nchw';
  const axes = last ? shape.dims.slice(0, -1).map((_, i) => i) : [0, 2, 3];
  const pshape = last ? [c] : [1, c, 1, 1];
  const param = (a) => tf.tensor(a, pshape);
  const gamma = param(inp.weight),
    beta = param(inp.bias);
  let runningMean = param(inp.runningMean),
    runningVar = param(inp.runningVar);
  const normalize = (x, mean, variance, g, b) =>
    last
      ? tf.batchNorm(x, mean, variance, b, g, inp.eps)
      : x
          .sub(mean)
          .mul(g.div(variance.add(inp.eps).sqrt()))
          .add(b);
  const infer = (x) => normalize(x, runningMean, runningVar, gamma, beta);
  const trainForward = (x, g = gamma, b = beta) => {
    const { mean, variance } = tf.moments(x, axes, !last);
    return { y: normalize(x, mean, variance, g, b), mean, variance };
  };
  const updateRunning = (mean, variance, count) => {
    const m = inp.momentum;
    const newMean = tf.keep(runningMean.mul(1 - m).add(mean.mul(m)));
    const newVar = tf.keep(runningVar.mul(1 - m).add(variance.mul((m * count) / (count - 1))));
    runningMean.dispose();
    runningVar.dispose();
    runningMean = newMean;
    runningVar = newVar;
  };
  const count = inp.x.length / c;
  const trainStep = (x) => {
    const { y, mean, variance } = trainForward(x);
    updateRunning(mean, variance, count);
    return y;
  };
  const grads = tf.grads((x, g, b) => trainForward(x, g, b).y);
  const fwdBwd = (x, dy) => {
    const [dx, dg, db] = grads([x, gamma, beta], dy);
    dg.dispose();
    db.dispose();
    return dx;
  };
  const xr = tf.tensor(inp.x, shape.dims),
    dyr = tf.tensor(inp.dy, shape.dims);
  // e2e: upload, op, download, dispose — what a Float32Array user pays.
  const e2e = (op) => () => {
    const out = tf.tidy(() => op(tf.tensor(inp.x, shape.dims), tf.tensor(inp.dy, shape.dims)));
    const data = out.dataSync();
    out.dispose();
    return data;
  };
  // resident: tensors already in the backend; the result stays there.
  const resident = (op) => () => tf.tidy(() => op(xr, dyr)).dispose();
  return {
    name: `TF.js ${backend}`,
    ops: {
      'infer e2e': e2e((x) => infer(x)),
      'infer resident': resident((x) => infer(x)),
      'train_fwd e2e': e2e((x) => trainStep(x)),
      'train_fwd resident': resident((x) => trainStep(x)),
      'fwd_bwd e2e': e2e((x, dy) => fwdBwd(x, dy)),
      'fwd_bwd resident': resident((x, dy) => fwdBwd(x, dy)),
    },
    setup() {},
    dispose() {
      tf.dispose([gamma, beta, runningMean, runningVar, xr, dyr]);
    },
  };
}
