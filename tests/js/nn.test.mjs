// sn.nn on both builds: the issue's CNN as written, errors (typed, with codes, naming the layer,
// argument, expected and given value; nothing changed by a failed call), any batch size, the state
// dict (PyTorch's keys and shapes, strict loading, num_batches_tracked), optimizers bound to their
// model, disposal, and learning: a small BN CNN on your own data (Float32Array images, Int32Array
// labels, 5 classes) gets far above chance within a short budget. PyTorch parity is in
// nn_fixtures.test.mjs and nn_torch_roundtrip.test.mjs; leaks in leaks.test.mjs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import init, { nn } from '../../wasm/index.js';

// Objects made by a test, disposed after it (Node 20 has no `using`).
const owned = [];
const own = (o) => (owned.push(o), o);
afterEach(() => owned.splice(0).forEach((o) => o.dispose()));

const ISSUE_CNN = [
  { type: 'conv2d', inChannels: 1, outChannels: 8, kernelSize: 3, stride: 1, padding: 1, bias: false },
  { type: 'batchNorm2d', numFeatures: 8 },
  { type: 'relu' },
  { type: 'maxPool2d', kernelSize: 2 },
  { type: 'flatten' },
  { type: 'linear', inFeatures: 8 * 14 * 14, outFeatures: 10 },
];

// Deterministic uniform numbers in [0, 1) (a 32-bit LCG is plenty for test data).
function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

// 8×8 images: noise plus a bright 3×3 square whose position is the class (4 corners, centre).
const SPOTS = [
  [0, 0],
  [0, 5],
  [5, 0],
  [5, 5],
  [2.5, 2.5],
];
function spots(n, seed) {
  const r = rng(seed);
  const x = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * SPOTS.length);
    labels[i] = k;
    const [top, left] = SPOTS[k].map((v) => Math.round(v + (r() - 0.5) * 2));
    for (let p = 0; p < 64; p++) x[i * 64 + p] = (r() - 0.5) * 0.8;
    for (let dy = 0; dy < 3; dy++)
      for (let dx = 0; dx < 3; dx++) {
        const yy = Math.min(7, Math.max(0, top + dy));
        const xx = Math.min(7, Math.max(0, left + dx));
        x[i * 64 + yy * 8 + xx] += 1;
      }
  }
  return { x, labels };
}

function argmaxRows(logits, classes) {
  const out = [];
  for (let i = 0; i < logits.length / classes; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k] > logits[i * classes + best]) best = k;
    out.push(best);
  }
  return out;
}

function throwsCoded(fn, Type, code, pattern) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Type, `expected a ${Type.name}, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

for (const simd of [true, false]) {
  describe(`sn.nn (${simd ? 'simd' : 'scalar'})`, async () => {
    const sn = await init({ simd });

    test("the issue's CNN: keys, shapes, a train step, logits, modes", () => {
      const model = own(new sn.nn.Sequential(ISSUE_CNN, { inputShape: [1, 28, 28], seed: 1 }));
      assert.ok(model instanceof nn.Sequential, 'instanceof the named export');
      assert.deepEqual(model.inputShape, [1, 28, 28]);
      assert.deepEqual(model.outputShape, [10]);
      const sd = model.stateDict();
      assert.deepEqual(Object.keys(sd), [
        '0.weight',
        '1.weight',
        '1.bias',
        '1.running_mean',
        '1.running_var',
        '1.num_batches_tracked',
        '5.weight',
        '5.bias',
      ]);
      assert.deepEqual(Object.fromEntries(Object.entries(model.stateDictShapes()).map(([k, v]) => [k, [...v]])), {
        '0.weight': [8, 1, 3, 3],
        '1.weight': [8],
        '1.bias': [8],
        '1.running_mean': [8],
        '1.running_var': [8],
        '1.num_batches_tracked': [],
        '5.weight': [10, 1568],
        '5.bias': [10],
      });
      for (const v of Object.values(sd)) assert.ok(v instanceof Float32Array);
      // torch's default init: U(−1/√fan_in, 1/√fan_in) for conv and linear, γ = 1, β = 0.
      assert.ok(sd['0.weight'].every((w) => Math.abs(w) <= 1 / 3) && sd['0.weight'].some((w) => w !== 0));
      assert.ok(sd['5.weight'].every((w) => Math.abs(w) <= 1 / Math.sqrt(1568)));
      assert.deepEqual([...sd['1.weight']], Array(8).fill(1));
      assert.deepEqual([...sd['1.num_batches_tracked']], [0]);

      const opt = own(new sn.nn.SGD(model, { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: false }));
      const r = rng(7);
      const x = Float32Array.from({ length: 4 * 784 }, () => r());
      const labels = Int32Array.from([3, 1, 4, 1]);
      assert.equal(model.training, true, 'a new model trains');
      const { loss, correct } = model.trainStep(x, labels, opt);
      // Before any learning the loss is near ln(10).
      assert.ok(loss > 1 && loss < 4, `loss ${loss}`);
      assert.ok(correct >= 0 && correct <= 4);
      assert.deepEqual([...model.stateDict()['1.num_batches_tracked']], [1]);
      assert.equal(model.eval(), model);
      const logits = model.forward(x);
      assert.ok(logits instanceof Float32Array && logits.length === 40);
      // Eval mode leaves the running statistics alone and is deterministic.
      assert.deepEqual(model.forward(x), logits);
      assert.deepEqual([...model.stateDict()['1.num_batches_tracked']], [1]);
      opt.dispose();
    });

    test('any batch size: rows do not depend on the batch in eval mode; the plan grows', () => {
      const model = own(
        new sn.nn.Sequential(
          [
            { type: 'conv2d', inChannels: 1, outChannels: 3, kernelSize: 3, padding: 1 },
            { type: 'batchNorm2d', numFeatures: 3 },
            { type: 'relu' },
            { type: 'avgPool2d', kernelSize: 2 },
            { type: 'flatten' },
            { type: 'linear', inFeatures: 48, outFeatures: 5 },
          ],
          { inputShape: [1, 8, 8], seed: 3 },
        ),
      );
      const { x, labels } = spots(70, 1);
      const opt = own(new sn.nn.Adam(model, { lr: 0.01 }));
      for (const n of [1 + 1, 7, 70, 3]) model.trainStep(x.subarray(0, n * 64), labels.subarray(0, n), opt);
      model.eval();
      const all = model.forward(x);
      for (const i of [0, 33, 69]) {
        const one = model.forward(x.slice(i * 64, (i + 1) * 64));
        assert.deepEqual([...one], [...all.subarray(i * 5, (i + 1) * 5)], `row ${i} alone vs in a batch of 70`);
      }
      opt.dispose();
    });

    test('a BN CNN learns 5 classes of your own data (far above chance)', () => {
      const model = own(
        new sn.nn.Sequential(
          [
            { type: 'conv2d', inChannels: 1, outChannels: 6, kernelSize: 3, padding: 1, bias: false },
            { type: 'batchNorm2d', numFeatures: 6 },
            { type: 'relu' },
            { type: 'maxPool2d', kernelSize: 2 },
            { type: 'flatten' },
            { type: 'linear', inFeatures: 96, outFeatures: 5 },
          ],
          { inputShape: [1, 8, 8], seed: 5, batchSize: 32 },
        ),
      );
      const opt = own(new sn.nn.SGD(model, { lr: 0.05, momentum: 0.9 }));
      const train = spots(640, 11);
      const held = spots(500, 12);
      const before = argmaxRows(model.eval().forward(held.x), 5).filter((k, i) => k === held.labels[i]).length;
      model.train();
      for (let epoch = 0; epoch < 3; epoch++)
        for (let b = 0; b < 20; b++)
          model.trainStep(
            train.x.subarray(b * 32 * 64, (b + 1) * 32 * 64),
            train.labels.subarray(b * 32, (b + 1) * 32),
            opt,
          );
      model.eval();
      const right = argmaxRows(model.forward(held.x), 5).filter((k, i) => k === held.labels[i]).length;
      // Chance is 20 %; the classes are separable, so 60 steps reach well above 90 %.
      assert.ok(right / 500 >= 0.9, `held-out accuracy ${right / 500} (before training ${before / 500})`);
    });

    test("trainStep with loss 'mse': loss and SGD update match float64 math; bad targets throw", () => {
      // Linear 3 → 2 (weight W [2, 3], bias b): loss = mean over N·2 of (xWᵀ + b − t)², so
      // ∂loss/∂W = 2/(N·2)·(y − t)ᵀx, ∂loss/∂b = 2/(N·2)·Σ(y − t); plain SGD: p ← p − lr·grad.
      const model = own(new sn.nn.Sequential([{ type: 'linear', inFeatures: 3, outFeatures: 2 }], { inputShape: [3] }));
      const opt = own(new sn.nn.SGD(model, { lr: 0.1 }));
      const n = 5;
      const r = rng(11);
      const x = Float32Array.from({ length: n * 3 }, () => r() * 2 - 1);
      const t = Float32Array.from({ length: n * 2 }, () => r() * 2 - 1);
      const before = model.stateDict();
      const W = Array.from(before['0.weight']);
      const b = Array.from(before['0.bias']);
      const gW = new Array(6).fill(0);
      const gb = [0, 0];
      let loss = 0;
      for (let i = 0; i < n; i++)
        for (let o = 0; o < 2; o++) {
          let y = b[o];
          for (let k = 0; k < 3; k++) y += x[i * 3 + k] * W[o * 3 + k];
          const d = y - t[i * 2 + o];
          loss += (d * d) / (n * 2);
          gb[o] += (2 * d) / (n * 2);
          for (let k = 0; k < 3; k++) gW[o * 3 + k] += (2 * d * x[i * 3 + k]) / (n * 2);
        }
      const out = model.trainStep(x, t, opt, { loss: 'mse' });
      assert.deepEqual(Object.keys(out), ['loss']);
      assert.ok(Math.abs(out.loss - loss) < 1e-6 * Math.max(1, loss), `${out.loss} vs ${loss}`);
      const after = model.stateDict();
      after['0.weight'].forEach((v, i) => assert.ok(Math.abs(v - (W[i] - 0.1 * gW[i])) < 1e-6, `weight ${i}`));
      after['0.bias'].forEach((v, i) => assert.ok(Math.abs(v - (b[i] - 0.1 * gb[i])) < 1e-6, `bias ${i}`));
      const clipped = model.trainStep(x, t, opt, { loss: 'mse', maxGradNorm: 1e9 });
      assert.ok(clipped.gradNorm > 0);

      const unchanged = model.stateDict();
      throwsCoded(
        () => model.trainStep(x, new Float32Array(n * 2 - 1), opt, { loss: 'mse' }),
        RangeError,
        'SIMDNORM_SHAPE',
        /train_step_mse: targets: expected 10 floats .*given 9/,
      );
      throwsCoded(
        () => model.trainStep(x, new Int32Array(n * 2), opt, { loss: 'mse' }),
        TypeError,
        'SIMDNORM_TYPE',
        /targets/,
      );
      throwsCoded(
        () => model.trainStep(x, t, opt, { loss: 'l1' }),
        RangeError,
        'SIMDNORM_RANGE',
        /options\.loss: expected one of 'crossEntropy', 'mse'/,
      );
      throwsCoded(() => model.trainStep(x, t, opt), TypeError, 'SIMDNORM_TYPE', /labels/);
      assert.deepEqual(model.stateDict(), unchanged);
    });

    test('bad specs throw typed errors naming the layer, argument, expected and given value', () => {
      const input = { inputShape: [1, 28, 28] };
      throwsCoded(
        () => new sn.nn.Sequential([ISSUE_CNN[0], { type: 'batchNorm2d', numFeatures: 7 }], input),
        RangeError,
        'SIMDNORM_SHAPE',
        /layer 1 \(batchNorm2d\): numFeatures: expected 8 .*given 7/,
      );
      throwsCoded(
        () =>
          new sn.nn.Sequential([...ISSUE_CNN.slice(0, 5), { type: 'linear', inFeatures: 100, outFeatures: 10 }], input),
        RangeError,
        'SIMDNORM_SHAPE',
        /layer 5 \(linear\): inFeatures: expected 1568.*given 100/,
      );
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'conv2d', inChannels: 1, outChannels: 2, kernelSize: 30 }], input),
        RangeError,
        'SIMDNORM_SHAPE',
        /layer 0 \(conv2d\): kernelSize: expected at most 28.*given 30/,
      );
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'batchnorm2d', numFeatures: 1 }], input),
        RangeError,
        'SIMDNORM_RANGE',
        /layer 0 \(batchnorm2d\): type: expected one of .*batchNorm2d.*given 'batchnorm2d'/,
      );
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'batchNorm2d', numFeatures: 1, momentum: 2 }], input),
        RangeError,
        'SIMDNORM_RANGE',
        /layer 0 \(batchNorm2d\): momentum: expected a number in \[0, 1\] or null, given 2/,
      );
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'maxPool2d', kernelSize: 2, kernel_size: 2 }], input),
        TypeError,
        'SIMDNORM_TYPE',
        /layer 0 \(maxPool2d\): kernel_size: expected one of the arguments of maxPool2d/,
      );
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'linear', inFeatures: 784 }], { inputShape: [784] }),
        TypeError,
        'SIMDNORM_TYPE',
        /layer 0 \(linear\): outFeatures: expected an integer ≥ 1, given none/,
      );
      throwsCoded(
        () =>
          new sn.nn.Sequential([{ type: 'linear', inFeatures: 784, outFeatures: 10, bias: 1 }], { inputShape: [784] }),
        TypeError,
        'SIMDNORM_TYPE',
        /bias: expected true or false, given 1/,
      );
      // JS types are checked in JS, with the same message form; which arguments take a string
      // (batchNorm: 'per-step') is the C++'s to say.
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'linear', inFeatures: [784], outFeatures: 10 }], { inputShape: [784] }),
        TypeError,
        'SIMDNORM_TYPE',
        /nn\.Sequential: layers\[0\]\.inFeatures: expected null, a boolean, a number, a string or an object of them, got/,
      );
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'linear', inFeatures: '784', outFeatures: 10 }], { inputShape: [784] }),
        TypeError,
        'SIMDNORM_TYPE',
        /layer 0 \(linear\): inFeatures: expected an integer ≥ 1, given '784'/,
      );
      throwsCoded(
        () => new sn.nn.Sequential([{ kind: 'relu' }], input),
        TypeError,
        'SIMDNORM_TYPE',
        /layers\[0\]\.type/,
      );
      throwsCoded(
        () => new sn.nn.Sequential({ type: 'relu' }, input),
        TypeError,
        'SIMDNORM_TYPE',
        /layers: expected an array/,
      );
      throwsCoded(() => new sn.nn.Sequential([{ type: 'relu' }]), TypeError, 'SIMDNORM_TYPE', /options/);
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'relu' }], { inputShape: [1, 28, 28], sed: 1 }),
        TypeError,
        'SIMDNORM_TYPE',
        /options\.sed/,
      );
      throwsCoded(
        () => new sn.nn.Sequential([], input),
        RangeError,
        'SIMDNORM_SHAPE',
        /layers: expected at least 1, given 0/,
      );
      // Sizes whose products would wrap 32-bit wasm's size_t are refused before allocating.
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'linear', inFeatures: 4, outFeatures: 2 ** 32 + 3 }], { inputShape: [4] }),
        RangeError,
        'SIMDNORM_RANGE',
        /outFeatures: expected at most 16777216, given 4294967299/,
      );
      throwsCoded(
        () =>
          new sn.nn.Sequential([{ type: 'linear', inFeatures: 2 ** 24, outFeatures: 2 ** 24 }], {
            inputShape: [2 ** 24],
          }),
        RangeError,
        'SIMDNORM_RANGE',
        /outFeatures: expected at most 67108863 floats \(the weight \[outFeatures, inFeatures\]\), given 281474976710656/,
      );
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'relu' }], { inputShape: [2 ** 14, 2 ** 14] }),
        RangeError,
        'SIMDNORM_RANGE',
        /inputShape: expected at most 67108863 floats \(one sample\)/,
      );
      throwsCoded(
        () => new sn.nn.Sequential([{ type: 'relu' }], { inputShape: [1, 0, 28] }),
        RangeError,
        'SIMDNORM_SHAPE',
        /inputShape/,
      );
    });

    test('an LSTM with recurrent BN: spec errors, per-step statistics in the state dict', () => {
      const lstm = (extra) => [{ type: 'lstm', inputSize: 3, hiddenSize: 4, ...extra }];
      const inputShape = [5, 3];
      throwsCoded(
        () => new sn.nn.Sequential(lstm({ batchNorm: 'perstep' }), { inputShape }),
        RangeError,
        'SIMDNORM_RANGE',
        /layer 0 \(lstm\): batchNorm: expected one of false, 'per-step', 'shared', given 'perstep'/,
      );
      throwsCoded(
        () => new sn.nn.Sequential(lstm({ batchNorm: 1 }), { inputShape }),
        TypeError,
        'SIMDNORM_TYPE',
        /layer 0 \(lstm\): batchNorm: expected one of false, 'per-step', 'shared', given 1/,
      );
      throwsCoded(
        () => new sn.nn.Sequential(lstm({ batchNorm: 'per-step', maxLength: 0 }), { inputShape }),
        RangeError,
        'SIMDNORM_RANGE',
        /layer 0 \(lstm\): maxLength: expected an integer ≥ 1, given 0/,
      );

      const layers = [...lstm({ batchNorm: 'per-step' }), { type: 'linear', inFeatures: 4, outFeatures: 2 }];
      const model = own(new sn.nn.Sequential(layers, { inputShape, seed: 3 }));
      const shapes = model.stateDictShapes();
      assert.deepEqual([...shapes['0.bn_hh.running_mean']], [5, 16]);
      assert.deepEqual([...shapes['0.bn_c.running_var']], [5, 4]);
      assert.deepEqual([...shapes['0.bn_ih.num_batches_tracked']], [5]);
      assert.deepEqual([...model.stateDict()['0.bn_ih.weight']], new Array(16).fill(Math.fround(0.1)));
      const r = rng(5);
      const x = Float32Array.from({ length: 8 * 15 }, () => r() * 2 - 1);
      const labels = Int32Array.from({ length: 8 }, (_, i) => i % 2);
      const opt = own(new sn.nn.SGD(model, { lr: 0.1 }));
      model.trainStep(x, labels, opt);
      model.trainStep(x, labels, opt);
      const sd = model.stateDict();
      assert.deepEqual([...sd['0.bn_hh.num_batches_tracked']], [2, 2, 2, 2, 2]);
      // Step 0's W_hh·h_{-1} is 0: its running variance decays by 0.9 per batch, later steps' not.
      const hhVar = sd['0.bn_hh.running_var'];
      for (let j = 0; j < 16; j++) assert.ok(Math.abs(hhVar[j] - 0.81) < 1e-6, `step 0 variance ${hhVar[j]}`);
      assert.ok(
        hhVar.subarray(16).every((v) => v > hhVar[0]),
        'later steps add their batch variance',
      );
      // The running statistics of step 4 are not step 1's (per-step), and the state round-trips.
      const mean = sd['0.bn_ih.running_mean'];
      assert.notDeepEqual([...mean.subarray(16, 32)], [...mean.subarray(64, 80)]);
      const twin = own(new sn.nn.Sequential(layers, { inputShape, seed: 9 }));
      twin.loadStateDict(sd);
      assert.deepEqual(twin.eval().forward(x), model.eval().forward(x));

      const shared = own(new sn.nn.Sequential(lstm({ batchNorm: 'shared' }), { inputShape }));
      assert.deepEqual([...shared.stateDictShapes()['0.bn_ih.running_mean']], [1, 16]);
      shared.forward(x);
      assert.deepEqual([...shared.stateDict()['0.bn_ih.num_batches_tracked']], [5]);
    });

    test('bad calls throw typed errors and change nothing', () => {
      const model = own(
        new sn.nn.Sequential(
          ISSUE_CNN.slice(0, 2).concat([{ type: 'flatten' }, { type: 'linear', inFeatures: 72, outFeatures: 4 }]),
          {
            inputShape: [1, 3, 3],
          },
        ),
      );
      const opt = own(new sn.nn.SGD(model, { lr: 0.1 }));
      const x = Float32Array.from({ length: 18 }, (_, i) => Math.sin(i));
      const before = model.stateDict();
      throwsCoded(
        () => model.trainStep(x, Int32Array.from([0, 4]), opt),
        RangeError,
        'SIMDNORM_RANGE',
        /labels\[1\]: expected a class in \[0, 4\), given 4/,
      );
      throwsCoded(() => model.trainStep(x, Int32Array.from([-1, 0]), opt), RangeError, 'SIMDNORM_RANGE', /labels\[0\]/);
      throwsCoded(
        () => model.trainStep(x, Int32Array.from([0]), opt),
        RangeError,
        'SIMDNORM_SHAPE',
        /labels: expected 2/,
      );
      throwsCoded(
        () => model.trainStep(x.subarray(0, 10), Int32Array.from([0]), opt),
        RangeError,
        'SIMDNORM_SHAPE',
        /x: expected a positive multiple of 9/,
      );
      throwsCoded(
        () => model.trainStep(x, [0, 1], opt),
        TypeError,
        'SIMDNORM_TYPE',
        /labels: expected a Int32Array, got Array\(2\)/,
      );
      throwsCoded(
        () => model.trainStep(x, Int32Array.from([0, 1]), opt, { maxGradNorm: -1 }),
        RangeError,
        'SIMDNORM_RANGE',
        /max_grad_norm/,
      );
      throwsCoded(() => model.trainStep(x, Int32Array.from([0, 1]), {}), TypeError, 'SIMDNORM_TYPE', /optimizer/);
      throwsCoded(
        () => model.forward(Array.from(x)),
        TypeError,
        'SIMDNORM_TYPE',
        /forward: x: expected a Float32Array/,
      );
      throwsCoded(() => model.forward(new Float32Array(0)), RangeError, 'SIMDNORM_SHAPE', /given 0/);
      assert.deepEqual(model.stateDict(), before, 'no failed call changed the state (running stats included)');

      // Another model's optimizer would write into that model's parameters.
      const other = own(
        new sn.nn.Sequential([{ type: 'flatten' }, { type: 'linear', inFeatures: 9, outFeatures: 4 }], {
          inputShape: [1, 3, 3],
        }),
      );
      const otherOpt = own(new sn.nn.SGD(other, { lr: 0.1 }));
      throwsCoded(
        () => model.trainStep(x, Int32Array.from([0, 1]), otherOpt),
        RangeError,
        'SIMDNORM_RANGE',
        /optimizer: expected an optimizer made for this model/,
      );
      assert.equal(opt.isFor(model), true);
      assert.equal(otherOpt.isFor(model), false);

      // Optimizer options: types in JS, ranges with torch's rules in C++.
      throwsCoded(() => new sn.nn.SGD(model), TypeError, 'SIMDNORM_TYPE', /nn\.SGD: options/);
      throwsCoded(
        () => new sn.nn.SGD(model, { momentum: 0.9 }),
        TypeError,
        'SIMDNORM_TYPE',
        /options\.lr: expected a number/,
      );
      throwsCoded(() => new sn.nn.SGD(model, { lr: 0.1, nesterov: true }), RangeError, 'SIMDNORM_RANGE', /nesterov/);
      throwsCoded(() => new sn.nn.SGD(model, { lr: -1 }), RangeError, 'SIMDNORM_RANGE', /lr/);
      throwsCoded(
        () => new sn.nn.SGD(model, { lr: 0.1, weight_decay: 1 }),
        TypeError,
        'SIMDNORM_TYPE',
        /options\.weight_decay/,
      );
      throwsCoded(() => new sn.nn.Adam(model, { betas: [0.9, 1] }), RangeError, 'SIMDNORM_RANGE', /beta/);
      throwsCoded(() => new sn.nn.Adam(model, { betas: 0.9 }), TypeError, 'SIMDNORM_TYPE', /options\.betas/);
      throwsCoded(() => new sn.nn.RMSprop(model, { centered: 1 }), TypeError, 'SIMDNORM_TYPE', /options\.centered/);
      throwsCoded(
        () => new sn.nn.SGD({}, { lr: 0.1 }),
        TypeError,
        'SIMDNORM_TYPE',
        /nn\.SGD: model: expected an nn\.Sequential/,
      );
      throwsCoded(() => new nn.Optimizer(model), TypeError, 'SIMDNORM_TYPE');

      // The learning rate can be read and changed between steps.
      assert.ok(Math.abs(opt.lr - 0.1) < 1e-7);
      opt.lr = 0.05;
      assert.ok(Math.abs(opt.lr - 0.05) < 1e-7);
      throwsCoded(() => (opt.lr = -1), RangeError, 'SIMDNORM_RANGE', /lr/);
    });

    test('loadStateDict is strict, names the key and is all or nothing; num_batches_tracked round-trips', () => {
      const model = own(new sn.nn.Sequential(ISSUE_CNN, { inputShape: [1, 28, 28], seed: 2 }));
      const twin = own(new sn.nn.Sequential(ISSUE_CNN, { inputShape: [1, 28, 28], seed: 9 }));
      const opt = own(new sn.nn.SGD(model, { lr: 0.1, momentum: 0.9 }));
      const r = rng(3);
      const x = Float32Array.from({ length: 2 * 784 }, () => r());
      for (let i = 0; i < 3; i++) model.trainStep(x, Int32Array.from([1, 2]), opt);
      const sd = model.stateDict();
      assert.deepEqual([...sd['1.num_batches_tracked']], [3]);
      const twinBefore = twin.stateDict();

      const missing = { ...sd };
      delete missing['1.running_var'];
      throwsCoded(
        () => twin.loadStateDict(missing),
        TypeError,
        'SIMDNORM_TYPE',
        /'1\.running_var': expected a tensor of shape \[8\], given none \(missing key\)/,
      );
      throwsCoded(
        () => twin.loadStateDict({ ...sd, '6.weight': new Float32Array(1) }),
        TypeError,
        'SIMDNORM_TYPE',
        /'6\.weight': expected no such key/,
      );
      throwsCoded(
        () => twin.loadStateDict({ ...sd, '5.bias': new Float32Array(9) }),
        RangeError,
        'SIMDNORM_SHAPE',
        /'5\.bias': expected shape \[10\]/,
      );
      throwsCoded(
        () => twin.loadStateDict({ ...sd, '1.num_batches_tracked': Float32Array.of(1.5) }),
        RangeError,
        'SIMDNORM_RANGE',
        /num_batches_tracked/,
      );
      throwsCoded(
        () => twin.loadStateDict({ ...sd, '0.weight': Array.from(sd['0.weight']) }),
        TypeError,
        'SIMDNORM_TYPE',
        /state\['0\.weight'\]: expected a Float32Array/,
      );
      throwsCoded(() => twin.loadStateDict(null), TypeError, 'SIMDNORM_TYPE', /state/);
      assert.deepEqual(twin.stateDict(), twinBefore, 'a rejected load changed nothing');

      twin.loadStateDict(sd);
      assert.deepEqual(twin.stateDict(), sd);
      model.eval();
      twin.eval();
      assert.deepEqual(twin.forward(x), model.forward(x));
      // The optimizer keeps updating the loaded values in place.
      model.train();
      model.loadStateDict(twinBefore);
      model.trainStep(x, Int32Array.from([1, 2]), opt);
      assert.deepEqual([...model.stateDict()['1.num_batches_tracked']], [1]);
    });

    test("layerOutput: each layer's output of the last forward or trainStep, against float64", () => {
      const layers = [
        { type: 'linear', inFeatures: 3, outFeatures: 4 },
        { type: 'batchNorm1d', numFeatures: 4 },
        { type: 'sigmoid' },
        { type: 'linear', inFeatures: 4, outFeatures: 2 },
      ];
      const model = own(new sn.nn.Sequential(layers, { inputShape: [3], seed: 3 }));
      throwsCoded(() => model.layerOutput(0), Error, 'SIMDNORM_STATE', /layer_output: index: expected a forward/);
      const r = rng(11);
      const n = 5;
      const x = Float32Array.from({ length: n * 3 }, () => r() * 4 - 2);
      // The float64 chain from a state dict: linear, BN with batch statistics (train mode), sigmoid.
      const reference = (sd) => {
        const [w, b] = [sd['0.weight'], sd['0.bias']];
        const z = Array.from({ length: n * 4 }, (_, k) => {
          const [i, j] = [Math.floor(k / 4), k % 4];
          return b[j] + w[j * 3] * x[i * 3] + w[j * 3 + 1] * x[i * 3 + 1] + w[j * 3 + 2] * x[i * 3 + 2];
        });
        const bn = z.map((v, k) => {
          const col = Array.from({ length: n }, (_, i) => z[i * 4 + (k % 4)]);
          const mean = col.reduce((a, c) => a + c, 0) / n;
          const variance = col.reduce((a, c) => a + (c - mean) ** 2, 0) / n;
          return (sd['1.weight'][k % 4] * (v - mean)) / Math.sqrt(variance + 1e-5) + sd['1.bias'][k % 4];
        });
        return [z, bn, bn.map((v) => 1 / (1 + Math.exp(-v)))];
      };
      const close = (got, want, what) => {
        assert.equal(got.length, want.length, what);
        got.forEach((g, i) =>
          assert.ok(Math.abs(g - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]), `${what}[${i}]: ${g} vs ${want[i]}`),
        );
      };
      const before = model.stateDict();
      const logits = model.forward(x);
      reference(before).forEach((want, k) => close(model.layerOutput(k), want, `forward: layer ${k}`));
      assert.deepEqual(model.layerOutput(3), logits);

      // trainStep: the outputs of its forward, with the parameters from before its update.
      const opt = own(new sn.nn.SGD(model, { lr: 1 }));
      const sd = model.stateDict();
      model.trainStep(x, Int32Array.from([0, 1, 1, 0, 1]), opt);
      assert.notDeepEqual(model.stateDict()['0.weight'], sd['0.weight'], 'the step changed the weights');
      reference(sd).forEach((want, k) => close(model.layerOutput(k), want, `trainStep: layer ${k}`));

      // A smaller batch after a larger one: [n, ...output dims] of the last call only.
      model.eval().forward(x.subarray(0, 6));
      assert.equal(model.layerOutput(2).length, 2 * 4);
      assert.ok(model.layerOutput(1) instanceof Float32Array);

      throwsCoded(
        () => model.layerOutput(4),
        RangeError,
        'SIMDNORM_RANGE',
        /index: expected a layer in \[0, 4\), given 4/,
      );
      throwsCoded(() => model.layerOutput(-1), RangeError, 'SIMDNORM_RANGE', /layerOutput: index/);
      throwsCoded(() => model.layerOutput(1.5), RangeError, 'SIMDNORM_RANGE', /layerOutput: index/);
      throwsCoded(() => model.layerOutput('1'), TypeError, 'SIMDNORM_TYPE', /layerOutput: index/);
    });

    test('dispose: idempotent, then every method throws SIMDNORM_DISPOSED', () => {
      const model = own(new sn.nn.Sequential([{ type: 'linear', inFeatures: 2, outFeatures: 2 }], { inputShape: [2] }));
      const opt = own(new sn.nn.RMSprop(model));
      opt.dispose();
      opt.dispose();
      throwsCoded(
        () => model.trainStep(new Float32Array(2), new Int32Array(1), opt),
        Error,
        'SIMDNORM_DISPOSED',
        /optimizer|disposed/,
      );
      throwsCoded(() => opt.lr, Error, 'SIMDNORM_DISPOSED');
      model[Symbol.dispose]();
      model.dispose();
      for (const call of [
        () => model.forward(new Float32Array(2)),
        () => model.stateDict(),
        () => model.eval(),
        () => model.inputShape,
      ])
        throwsCoded(
          call,
          Error,
          'SIMDNORM_DISPOSED',
          /nn\.Sequential\.\w+: this: expected a Sequential that is not disposed/,
        );
      throwsCoded(() => new sn.nn.SGD(model, { lr: 0.1 }), Error, 'SIMDNORM_DISPOSED');
    });
  });
}

// docs/js-nn.md's example, run as written (its import pointed at this checkout): the loss it
// prints falls from about ln(10) to near 0 as the model memorizes its 64 images.
test('the docs/js-nn.md example runs as written and learns', async () => {
  const doc = readFileSync(new URL('../../docs/js-nn.md', import.meta.url), 'utf8');
  const code = doc.match(/^```js\n([\s\S]*?)^```/m)[1];
  const index = new URL('../../wasm/index.js', import.meta.url).href;
  assert.match(code, /^import init from 'simdnorm';$/m);
  const losses = [];
  const log = console.log;
  console.log = (v) => losses.push(v);
  try {
    const source = code.replace("from 'simdnorm'", `from '${index}'`);
    await import(`data:text/javascript,${encodeURIComponent(source)}`);
  } finally {
    console.log = log;
  }
  assert.equal(losses.length, 30);
  assert.ok(Math.abs(losses[0] - Math.log(10)) < 0.7, `first loss ${losses[0]}`);
  assert.ok(losses[29] < 0.05, `last loss ${losses[29]}`);
});
