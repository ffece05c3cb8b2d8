// 10 000 create → forward → backward → dispose cycles leave the wasm heap where it was
// (bytes in use per mallinfo, through sn.heapInUse()). Also the functional API and Tensors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import init from '../../wasm/index.js';

// The three builds. With threads, the first C++ exception on a thread allocates libc++abi's
// per-thread exception state (it lasts as long as the thread): warmUp throws one first.
const BUILDS = { simd: { threads: 1 }, scalar: { simd: false }, threads: { threads: 2 } };
const warmUp = (sn) => assert.throws(() => sn.module.foldIntoLinear(0, 0, 0, 0, 0, 0, 0, 0, 1e-5, 0, 0));

for (const [build, options] of Object.entries(BUILDS)) {
  test(`no leaks over 10 000 BatchNorm cycles (${build})`, async () => {
    const sn = await init(options);
    const shape = [4, 8, 3, 3];
    const x = Float32Array.from({ length: 288 }, (_, i) => Math.sin(i));
    const dy = Float32Array.from({ length: 288 }, (_, i) => Math.cos(i));
    const cycle = (i) => {
      const bn = new sn.BatchNorm(8, { momentum: i % 2 ? null : 0.1, relu: i % 3 === 0 });
      bn.forward(x, shape);
      bn.backward(dy);
      if (i % 5 === 0) bn.loadStateDict(bn.stateDict());
      bn.dispose();
    };
    cycle(0); // first use may allocate lasting runtime state (the ISA registry, the thread pool)
    warmUp(sn);
    const before = sn.heapInUse();
    for (let i = 1; i <= 10_000; i++) cycle(i);
    assert.equal(sn.heapInUse(), before, 'bytes in use after the cycles');

    // Failed calls free their staging memory too.
    const bn = new sn.BatchNorm(8);
    for (let i = 0; i < 100; i++) {
      assert.throws(() => bn.forward(x, [1, 8, 1, 1]));
      assert.throws(() => sn.module.foldIntoLinear(0, 0, 0, 0, 0, 0, 0, 0, 1e-5, 0, 0));
      const t = new sn.Tensor(x);
      sn.batchNorm(t, shape, { training: true, out: t });
      t.dispose();
    }
    bn.dispose();
    assert.equal(sn.heapInUse(), before, 'bytes in use after errors, Tensors and batchNorm');
  });
}

// The copying API keeps x and its staging memory in the BatchNorm between calls (one copy each
// way, no malloc per call): the heap stays flat over repeated calls, follows a shape change
// (grown for a larger batch, shrunk for one under a quarter of it) and is all freed by dispose().
test('BatchNorm staging memory is reused across calls and freed by dispose', async () => {
  const sn = await init();
  const before = sn.heapInUse();
  const bn = new sn.BatchNorm(8);
  const run = (n) => {
    const x = Float32Array.from({ length: n * 8 * 16 }, (_, i) => Math.sin(i));
    bn.forward(x, [n, 8, 4, 4]);
    bn.backward(x);
  };
  run(4);
  const small = sn.heapInUse();
  for (let i = 0; i < 100; i++) run(4);
  assert.equal(sn.heapInUse(), small, 'bytes in use after 100 calls of one shape');
  run(64);
  const large = sn.heapInUse();
  // x and the staging buffer: 2 · 60 batches · 128 floats · 4 bytes more than for 4 samples.
  assert.ok(large - small >= 2 * 60 * 128 * 4, `grown by ${large - small} bytes`);
  run(4);
  assert.ok(sn.heapInUse() < large, 'shrunk again for a batch under a quarter of the largest');
  bn.dispose();
  assert.equal(sn.heapInUse(), before, 'bytes in use after dispose');
});

// The BN variants: modules with ghost batches, renorm and timeSteps, the fused block, the
// functional add + ReLU and the sync primitives, valid and failing calls.
test('no leaks over 2 000 cycles of the BN variants', async () => {
  const sn = await init();
  const shape = [4, 8, 3, 3];
  const x = Float32Array.from({ length: 288 }, (_, i) => Math.sin(i));
  const dy = Float32Array.from({ length: 288 }, (_, i) => Math.cos(i));
  const cycle = (i) => {
    const ghost = new sn.BatchNorm(8, { virtualBatchSize: 2, renorm: { rmax: 2, dmax: 1 } });
    ghost.forward(x, shape);
    ghost.backward(dy);
    ghost.forwardAddRelu(x, dy, shape);
    ghost.backwardAddRelu(dy);
    ghost.loadStateDict(ghost.stateDict());
    ghost.dispose();
    const steps = new sn.BatchNorm(8, { timeSteps: 3 });
    steps.forward(x, shape, { timeStep: i % 3 });
    steps.backward(dy, { timeStep: i % 3 });
    steps.loadStateDict(steps.stateDict());
    assert.throws(() => steps.forward(x, shape, { timeStep: 3 }));
    steps.dispose();
    const rm = new Float32Array(8),
      rv = new Float32Array(8).fill(1);
    sn.batchNormAddRelu(x, dy, shape, { training: true, runningMean: rm, runningVar: rv });
    const part = sn.sync.partialMoments(x, shape);
    const merged = sn.sync.mergeMoments([part, part]);
    const { invstd } = sn.sync.forwardWithStats(x, shape, { mean: merged.mean, var: merged.var });
    const sums = sn.sync.mergeGradSums([sn.sync.partialGradSums(dy, x, shape, merged.mean)]);
    sn.sync.backwardFromSums(dy, x, shape, { mean: merged.mean, invstd, ...sums, count: merged.count });
    assert.throws(() => sn.sync.backwardFromSums(dy, x, shape, { mean: merged.mean, invstd, ...sums, count: 1 }));
  };
  cycle(0);
  const before = sn.heapInUse();
  for (let i = 1; i <= 2_000; i++) cycle(i);
  assert.equal(sn.heapInUse(), before, 'bytes in use after the cycles');
});

// sn.nn: create → train (SGD, Adam, RMSprop in turn, growing and shrinking batches) → state dict
// round trip → dispose, 300 times, and a stream of rejected specs, calls and loads, leave the heap
// where it was. Buffers grow to the largest batch seen and are freed by dispose().
for (const [build, options] of Object.entries(BUILDS)) {
  test(`no leaks over 300 nn.Sequential cycles (${build})`, async () => {
    const sn = await init(options);
    const layers = [
      { type: 'conv2d', inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1, bias: false },
      { type: 'batchNorm2d', numFeatures: 4 },
      { type: 'relu' },
      { type: 'maxPool2d', kernelSize: 2 },
      { type: 'flatten' },
      { type: 'dropout', p: 0.1 },
      { type: 'linear', inFeatures: 64, outFeatures: 3 },
    ];
    const x = Float32Array.from({ length: 20 * 64 }, (_, i) => Math.sin(i));
    const labels = Int32Array.from({ length: 20 }, (_, i) => i % 3);
    const makers = [
      (m) => new sn.nn.SGD(m, { lr: 0.1, momentum: 0.9, nesterov: true }),
      (m) => new sn.nn.Adam(m, { lr: 0.01 }),
      (m) => new sn.nn.RMSprop(m, { centered: true, momentum: 0.5 }),
    ];
    const cycle = (i) => {
      const model = new sn.nn.Sequential(layers, { inputShape: [1, 8, 8], seed: i });
      const opt = makers[i % 3](model);
      const n = 1 + ((i * 7) % 20);
      model.trainStep(x.subarray(0, n * 64), labels.subarray(0, n), opt, i % 2 ? { maxGradNorm: 1 } : undefined);
      model.trainStep(x.subarray(0, 2 * 64), labels.subarray(0, 2), opt);
      model.eval().forward(x);
      model.loadStateDict(model.stateDict());
      opt.dispose();
      model.dispose();
    };
    cycle(0);
    warmUp(sn);
    const before = sn.heapInUse();
    for (let i = 1; i <= 300; i++) cycle(i);
    assert.equal(sn.heapInUse(), before, 'bytes in use after the cycles');

    const model = new sn.nn.Sequential(layers, { inputShape: [1, 8, 8] });
    const opt = new sn.nn.SGD(model, { lr: 0.1 });
    const sd = model.stateDict();
    for (let i = 0; i < 100; i++) {
      assert.throws(
        () =>
          new sn.nn.Sequential([...layers.slice(0, 6), { type: 'linear', inFeatures: 65, outFeatures: 3 }], {
            inputShape: [1, 8, 8],
          }),
      );
      assert.throws(
        () => new sn.nn.Sequential([{ type: 'linear', inFeatures: 64, outFeatures: 2 ** 40 }], { inputShape: [64] }),
      );
      assert.throws(() =>
        model.trainStep(
          x,
          labels.map((l) => l + 1),
          opt,
        ),
      );
      assert.throws(() => model.loadStateDict({ ...sd, '6.bias': new Float32Array(4) }));
      assert.throws(() => new sn.nn.Adam(model, { betas: [2, 0] }));
    }
    opt.dispose();
    model.dispose();
    assert.equal(sn.heapInUse(), before, 'bytes in use after rejected specs, calls and loads');
  });
}
