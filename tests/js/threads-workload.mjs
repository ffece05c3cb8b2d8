// What the thread-count tests compute on one init() instance, in Node and in a browser Worker
// (tests/js/threads.test.mjs, tests/browser/threads.test.mjs): BatchNorm training forward,
// backward and eval forward, and forward with { grad: false } in both modes, in both layouts on
// tensors large enough to be split across threads, and three Adam steps of a small BN CNN
// (sn.nn). Every result is returned as the floats' bit patterns, so equal results are equal bit
// for bit (NaN payloads and -0 too): small arrays in full, large tensors as their length, first
// values and two 32-bit hashes of every word (a browser hands megabytes of numbers to the test
// slowly).

const FULL = 4096;

function bits(f32) {
  const u = new Uint32Array(Float32Array.from(f32).buffer);
  if (u.length <= FULL) return Array.from(u);
  let fnv = 0x811c9dc5;
  let murmur = 0x9747b28c;
  for (const v of u) {
    fnv = Math.imul(fnv ^ v, 0x01000193);
    murmur = Math.imul(murmur ^ ((v >>> 16) | (v << 16)), 0x5bd1e995) ^ (murmur >>> 15);
  }
  return { length: u.length, head: Array.from(u.subarray(0, 8)), hash: [fnv >>> 0, murmur >>> 0] };
}

// Deterministic values in [-2, 2) (a 32-bit LCG); exported for tests that recompute the workload's
// inputs for a float64 reference.
export function values(n, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 30 - 2);
}

function batchNorm(sn, layout, shape) {
  const channels = layout === 'channels-first' ? shape[1] : shape.at(-1);
  const n = shape.reduce((a, b) => a * b, 1);
  const bn = new sn.BatchNorm(channels, { layout });
  try {
    bn.weight = values(channels, 7).map((v) => 1 + v / 4);
    bn.bias = values(channels, 8);
    const y = bn.forward(values(n, 1), shape);
    const dx = bn.backward(values(n, 2));
    const out = { y: bits(y), dx: bits(dx), weightGrad: bits(bn.weightGrad), biasGrad: bits(bn.biasGrad) };
    bn.forward(values(n, 3), shape);
    bn.eval();
    Object.assign(out, {
      runningMean: bits(bn.runningMean),
      runningVar: bits(bn.runningVar),
      yEval: bits(bn.forward(values(n, 4), shape)),
      yEvalNoGrad: bits(bn.forward(values(n, 4), shape, { grad: false })),
    });
    // A training forward that keeps nothing for backward; it updates the running statistics too.
    bn.train();
    out.yNoGrad = bits(bn.forward(values(n, 5), shape, { grad: false }));
    out.runningMeanNoGrad = bits(bn.runningMean);
    out.runningVarNoGrad = bits(bn.runningVar);
    out.numBatchesTrackedNoGrad = String(bn.numBatchesTracked);
    return out;
  } finally {
    bn.dispose();
  }
}

function cnnSteps(sn) {
  const model = new sn.nn.Sequential(
    [
      { type: 'conv2d', inChannels: 1, outChannels: 8, kernelSize: 3, padding: 1, bias: false },
      { type: 'batchNorm2d', numFeatures: 8 },
      { type: 'relu' },
      { type: 'maxPool2d', kernelSize: 2 },
      { type: 'flatten' },
      { type: 'linear', inFeatures: 8 * 8 * 8, outFeatures: 10 },
    ],
    { inputShape: [1, 16, 16], seed: 3 },
  );
  const opt = new sn.nn.Adam(model, { lr: 0.01 });
  try {
    const batch = 64;
    const x = values(batch * 256, 5);
    const labels = Int32Array.from({ length: batch }, (_, i) => (i * 7) % 10);
    const losses = [];
    for (let step = 0; step < 3; step++) losses.push(model.trainStep(x, labels, opt).loss);
    const state = Object.fromEntries(
      Object.entries(model.stateDict()).map(([k, v]) => [
        k,
        v instanceof Float32Array ? bits(v) : Array.from(v, String),
      ]),
    );
    return { losses: bits(losses), state };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

export function threadsWorkload(sn) {
  return {
    isa: sn.isa,
    threads: sn.threads,
    nchw: batchNorm(sn, 'channels-first', [16, 32, 32, 32]),
    nhwc: batchNorm(sn, 'channels-last', [16, 32, 32, 32]),
    cnn: cnnSteps(sn),
  };
}
