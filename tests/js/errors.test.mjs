// Every bad input throws a typed error with a stable code whose message names the argument, the
// expectation and what was given, in one form from the JS wrapper and from C++ alike:
// "simdnorm: <function>: <argument>: expected <what>, got <given>".
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import init, { errorCodes, exceptionsSupported, simdSupported } from '../../wasm/index.js';

// The same suite on each of the three builds: C++ errors must arrive typed from all of them.
const builds = {
  SIMD128: await init({ threads: 1 }),
  scalar: await init({ simd: false }),
  'SIMD128 + threads': await init({ threads: 2 }),
};
const { TYPE, RANGE, SHAPE, STATE, DISPOSED, UNSUPPORTED } = errorCodes;
const CLASS = {
  SIMDNORM_TYPE: TypeError,
  SIMDNORM_RANGE: RangeError,
  SIMDNORM_SHAPE: RangeError,
  SIMDNORM_STATE: Error,
  SIMDNORM_DISPOSED: Error,
  SIMDNORM_UNSUPPORTED: Error,
};
const FORM = /^simdnorm: [\w.:]+: [\w.[\]]+: expected .+, got .+$/s;

// The error `fn` throws (or `promise` rejects with) is the class of `code`, has that code and the
// one message form, and its message matches `re`.
function check(e, code, re) {
  assert.ok(
    e instanceof CLASS[code],
    `threw ${Object.prototype.toString.call(e)} (${e?.constructor?.name}), not a ${CLASS[code].name}`,
  );
  if (CLASS[code] === Error)
    assert.ok(!(e instanceof TypeError || e instanceof RangeError), `${e.constructor.name} for ${code}`);
  assert.equal(e.code, code, e.message);
  assert.match(e.message, FORM);
  assert.match(e.message, re);
  return true;
}
const throwsError = (fn, code, re) => assert.throws(fn, (e) => check(e, code, re));
const rejectsWith = (promise, code, re) => assert.rejects(promise, (e) => check(e, code, re));

for (const [build, sn] of Object.entries(builds)) {
  describe(`errors (${build} build)`, () => {
    test('the build is the one named', () => {
      assert.equal(sn.threads, build.includes('threads') ? 2 : 1);
      assert.equal(sn.isa, build === 'scalar' ? 'wasm-scalar' : 'wasm-simd128');
    });

    test('the codes: exported, frozen, the same object on every module', () => {
      assert.deepEqual(
        { ...errorCodes },
        {
          TYPE: 'SIMDNORM_TYPE',
          RANGE: 'SIMDNORM_RANGE',
          SHAPE: 'SIMDNORM_SHAPE',
          STATE: 'SIMDNORM_STATE',
          DISPOSED: 'SIMDNORM_DISPOSED',
          MEMORY: 'SIMDNORM_MEMORY',
          UNSUPPORTED: 'SIMDNORM_UNSUPPORTED',
          LOAD: 'SIMDNORM_LOAD',
          INTERNAL: 'SIMDNORM_INTERNAL',
        },
      );
      assert.ok(Object.isFrozen(errorCodes));
      assert.equal(sn.errorCodes, errorCodes);
    });

    test('constructor arguments', () => {
      throwsError(
        () => new sn.BatchNorm(0),
        RANGE,
        /^simdnorm: BatchNorm: numFeatures: expected an integer in \[1, \d+\], got 0$/,
      );
      throwsError(() => new sn.BatchNorm(2.5), RANGE, /numFeatures: expected an integer .*, got 2\.5/);
      throwsError(() => new sn.BatchNorm(NaN), RANGE, /numFeatures: .*got NaN/);
      throwsError(() => new sn.BatchNorm('4'), TYPE, /numFeatures: .*got "4"/);
      throwsError(() => new sn.BatchNorm(4n), TYPE, /numFeatures: .*got 4n/);
      throwsError(() => new sn.BatchNorm(4, { eps: 0 }), RANGE, /options\.eps: expected a finite number > 0, got 0/);
      throwsError(() => new sn.BatchNorm(4, { eps: -1 }), RANGE, /options\.eps: .*got -1/);
      throwsError(() => new sn.BatchNorm(4, { eps: Infinity }), RANGE, /options\.eps: .*got Infinity/);
      throwsError(() => new sn.BatchNorm(4, { eps: '1e-5' }), TYPE, /options\.eps: .*got "1e-5"/);
      throwsError(
        () => new sn.BatchNorm(4, { eps: 1e-50 }),
        RANGE,
        /options\.eps: expected a value ≥ 1\.4e-45 \(representable as float32\), got 1e-50/,
      );
      throwsError(
        () => new sn.BatchNorm(4, { momentum: 1.5 }),
        RANGE,
        /options\.momentum: expected null or a number in \[0, 1\], got 1\.5/,
      );
      throwsError(() => new sn.BatchNorm(4, { momentum: -0.1 }), RANGE, /options\.momentum: .*got -0\.1/);
      throwsError(() => new sn.BatchNorm(4, { momentum: NaN }), RANGE, /options\.momentum: .*got NaN/);
      throwsError(() => new sn.BatchNorm(4, { momentum: '0.1' }), TYPE, /options\.momentum: .*got "0\.1"/);
      throwsError(
        () => new sn.BatchNorm(4, { layout: 'NHWC' }),
        RANGE,
        /options\.layout: expected one of 'channels-first', 'channels-last', got "NHWC"/,
      );
      throwsError(() => new sn.BatchNorm(4, { layout: 1 }), TYPE, /options\.layout: .*got 1/);
      throwsError(() => new sn.BatchNorm(4, { affine: 1 }), TYPE, /options\.affine: expected true or false, got 1/);
      throwsError(
        () => new sn.BatchNorm(4, { momemtum: 0.1 }),
        TYPE,
        /options\.momemtum: expected one of eps, momentum, .*got an unknown option/,
      );
      throwsError(
        () => new sn.BatchNorm(4, 'fast'),
        TYPE,
        /BatchNorm: options: expected an options object, got "fast"/,
      );
    });

    test('forward: array types, lengths, shapes, channels', () => {
      const bn = new sn.BatchNorm(3);
      const x = new Float32Array(12);
      throwsError(
        () => bn.forward(new Float64Array(12), [4, 3]),
        TYPE,
        /^simdnorm: BatchNorm\.forward: x: expected a Float32Array or Tensor of 12 floats .*, got Float64Array\(12\)$/,
      );
      throwsError(() => bn.forward(Array(12).fill(0), [4, 3]), TYPE, /x: expected a Float32Array .*, got Array\(12\)/);
      throwsError(
        () => bn.forward(new Float32Array(11), [4, 3]),
        SHAPE,
        /x: expected a Float32Array or Tensor of 12 floats \(the product of shape \[4, 3\].*\), got 11 floats/,
      );
      throwsError(() => bn.forward(x, [4, 5]), SHAPE, /shape: expected 3 channels \(numFeatures\), got 5 channels/);
      throwsError(
        () => bn.forward(x, [4, 3], { out: {} }),
        TYPE,
        /out: expected a Float32Array or Tensor of 12 floats .*, got an Object/,
      );
      throwsError(
        () => bn.forward(x, [4, 3], [1, 2]),
        TYPE,
        /^simdnorm: BatchNorm\.forward: options: expected an options object, got Array\(2\)$/,
      );
      throwsError(() => bn.forward(x, [4, 3, 1.5]), SHAPE, /shape\[2\]: expected a non-negative integer.*, got 1\.5/);
      throwsError(() => bn.forward(x, [4, 3, -1]), SHAPE, /shape\[2\]: .*got -1/);
      throwsError(() => bn.forward(x, [4, 3, NaN]), SHAPE, /shape\[2\]: .*got NaN/);
      throwsError(() => bn.forward(x, [4, 3, '1']), TYPE, /shape\[2\]: .*got "1"/);
      throwsError(() => bn.forward(x, [12]), SHAPE, /shape: expected an array of 2 to 5 dims .*, got 1 dims/);
      throwsError(() => bn.forward(x, '4,3'), TYPE, /shape: .*got "4,3"/);
      throwsError(
        () => bn.forward(x, [4, 3], new Float32Array(2)),
        SHAPE,
        /out: expected a Float32Array or Tensor of 12 floats .*, got 2 floats/,
      );
      bn.dispose();
    });

    test('training with one value per channel; eval allows it', () => {
      const bn = new sn.BatchNorm(3);
      throwsError(
        () => bn.forward(new Float32Array(3), [1, 3]),
        SHAPE,
        /x: expected more than 1 value per channel when training, got shape \[1, 3\]/,
      );
      throwsError(() => bn.forward(new Float32Array(3), [1, 3, 1, 1]), SHAPE, /more than 1 value per channel/);
      bn.eval();
      assert.equal(bn.forward(new Float32Array(3), [1, 3]).length, 3);
      bn.dispose();
    });

    test('backward before forward, wrong dy', () => {
      const bn = new sn.BatchNorm(2);
      throwsError(
        () => bn.backward(new Float32Array(4)),
        STATE,
        /^simdnorm: BatchNorm\.backward: dy: expected a forward\(\) before backward\(\), got none$/,
      );
      bn.forward(new Float32Array([1, 2, 3, 5]), [2, 2]);
      throwsError(
        () => bn.backward(new Float32Array(3)),
        SHAPE,
        /dy: expected a Float32Array or Tensor of 4 floats \(the last forward's shape\), got 3 floats/,
      );
      bn.dispose();
    });

    test('forward with { grad: false }: backward refused, options checked', () => {
      const bn = new sn.BatchNorm(2);
      const x = new Float32Array([1, 2, 3, 5]);
      bn.forward(x, [2, 2]);
      throwsError(
        () => bn.backwardAddRelu(new Float32Array(4)),
        STATE,
        /^simdnorm: BatchNorm\.backwardAddRelu: dy: expected a forwardAddRelu\(\) before backwardAddRelu\(\), got a forward\(\)$/,
      );
      bn.forward(x, [2, 2], { grad: false });
      const kept =
        /^simdnorm: BatchNorm\.backward: dy: expected a forward\(\) without \{ grad: false \} before backward\(\), got a forward\(\) with \{ grad: false \}, which keeps no x$/;
      throwsError(() => bn.backward(new Float32Array(4)), STATE, kept);
      throwsError(
        () => bn.backwardAddRelu(new Float32Array(4)),
        STATE,
        /dy: expected a forwardAddRelu\(\) before backwardAddRelu\(\), got a forward\(\) with \{ grad: false \}, which keeps no x$/,
      );
      throwsError(() => bn.forward(x, [2, 2], { grad: 0 }), TYPE, /options\.grad: expected true or false, got 0/);
      throwsError(() => bn.backward(x, { grad: false }), TYPE, /options\.grad: expected one of out, timeStep/);
      bn.forward(x, [2, 2], { grad: true });
      assert.equal(bn.backward(new Float32Array(4)).length, 4);
      bn.dispose();
      // A call C++ refuses (N not a multiple of virtualBatchSize) leaves `out` and backward as they were.
      const ghost = new sn.BatchNorm(2, { virtualBatchSize: 4 });
      const x8 = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i));
      ghost.forward(x8, [8, 2]);
      const t = new sn.Tensor(new Float32Array(12).fill(7));
      throwsError(
        () => ghost.forward(x8.subarray(0, 12), [6, 2], { out: t, grad: false }),
        SHAPE,
        /^simdnorm: BatchNorm\.forward: shape: expected a batch of a multiple of options\.virtualBatchSize = 4 samples/,
      );
      assert.deepEqual(t.toFloat32Array(), new Float32Array(12).fill(7));
      assert.equal(ghost.backward(new Float32Array(16)).length, 16);
      t.dispose();
      ghost.dispose();
      const steps = new sn.BatchNorm(2, { timeSteps: 2 });
      throwsError(
        () => steps.forward(x, [2, 2], { timeStep: 0, grad: false }),
        STATE,
        /options\.grad: expected true or none \(with timeSteps each step's x is kept\), got false/,
      );
      steps.dispose();
    });

    // The checks the C++ module would make in its own words come first in JS, naming the JS call,
    // its options and arguments; a refused call leaves the module as it was.
    test('module state and ghost batches in JS names', () => {
      const bn = new sn.BatchNorm(2);
      const x = Float32Array.from({ length: 8 }, (_, i) => Math.cos(i));
      bn.forwardAddRelu(x, new Float32Array(8), [2, 2, 2]);
      throwsError(
        () => bn.backward(x),
        STATE,
        /^simdnorm: BatchNorm\.backward: dy: expected backwardAddRelu\(\) after forwardAddRelu\(\), got backward\(\)$/,
      );
      assert.equal(bn.backwardAddRelu(x).dx.length, 8);
      bn.forward(x, [2, 2, 2]);
      throwsError(
        () => bn.backwardAddRelu(x),
        STATE,
        /expected a forwardAddRelu\(\) before backwardAddRelu\(\), got a forward\(\)$/,
      );
      assert.equal(bn.backward(x).length, 8);
      bn.dispose();
      const ghost = new sn.BatchNorm(2, { virtualBatchSize: 1 });
      throwsError(
        () => ghost.forwardAddRelu(new Float32Array(6), new Float32Array(6), [3, 2]),
        SHAPE,
        /^simdnorm: BatchNorm\.forwardAddRelu: x: expected more than 1 value per channel when training, got ghost batches of 1 in shape \[3, 2\] channels-first$/,
      );
      ghost.eval(); // running statistics: no ghost batches
      assert.equal(ghost.forward(new Float32Array(6), [3, 2]).length, 6);
      assert.equal(ghost.forward(new Float32Array(0), [0, 2]).length, 0); // nothing to normalize
      ghost.train();
      assert.equal(ghost.forward(new Float32Array(0), [0, 2]).length, 0);
      ghost.dispose();
      // Batch statistics in eval mode too without running ones: ghost batches apply there.
      const untracked = new sn.BatchNorm(2, { virtualBatchSize: 2, trackRunningStats: false });
      untracked.eval();
      throwsError(
        () => untracked.forward(new Float32Array(6), [3, 2]),
        SHAPE,
        /^simdnorm: BatchNorm\.forward: shape: expected a batch of a multiple of options\.virtualBatchSize = 2 samples \(whole ghost batches\), got 3 samples in \[3, 2\] channels-first$/,
      );
      untracked.dispose();
      // forwardAddRelu refused on a module with relu: the last forward stays backward's.
      const relu = new sn.BatchNorm(2, { relu: true });
      relu.forward(x, [4, 2]);
      throwsError(
        () => relu.forwardAddRelu(x, x, [4, 2]),
        STATE,
        /^simdnorm: BatchNorm\.forwardAddRelu: options\.relu: expected false \(the block applies its ReLU after the add\), got true$/,
      );
      assert.equal(relu.backward(x).length, 8);
      relu.dispose();
      // Steps from timeSteps − 1 on share one slot: backward takes the step that filled it last.
      const steps = new sn.BatchNorm(2, { timeSteps: 2 });
      steps.forward(x, [4, 2], { timeStep: 1 });
      steps.eval(); // a later step takes the last trained step's statistics
      assert.equal(steps.forward(x, [4, 2], { timeStep: 5 }).length, 8);
      assert.equal(steps.backward(x, { timeStep: 5 }).length, 8);
      throwsError(
        () => steps.backward(x, { timeStep: 1 }),
        STATE,
        /^simdnorm: BatchNorm\.backward: options\.timeStep: expected a step whose forward\(\) came before, got 1$/,
      );
      steps.dispose();
      // Renorm limits and eps: the JS names, float32's range.
      throwsError(
        () => new sn.BatchNorm(2, { renorm: { rmax: 0.5 } }),
        RANGE,
        /^simdnorm: BatchNorm: options\.renorm\.rmax: expected a value ≥ 1, got 0\.5$/,
      );
      throwsError(
        () => new sn.BatchNorm(2, { renorm: { dmax: -1 } }),
        RANGE,
        /options\.renorm\.dmax: expected a value ≥ 0, got -1$/,
      );
      const renorm = new sn.BatchNorm(2, { renorm: {} });
      throwsError(
        () => renorm.setRenormLimits(0.5, 1),
        RANGE,
        /^simdnorm: BatchNorm\.setRenormLimits: rmax: expected a value ≥ 1, got 0\.5$/,
      );
      renorm.setRenormLimits(Infinity, Infinity); // no clipping
      renorm.dispose();
      throwsError(
        () => new sn.BatchNorm(2, { eps: 1e39 }),
        RANGE,
        /options\.eps: expected a value ≤ 3\.4e38 \(representable as float32\), got 1e\+39$/,
      );
    });

    test('use after dispose', () => {
      const bn = new sn.BatchNorm(2);
      bn.dispose();
      bn.dispose(); // idempotent
      const disposed = /this: expected a BatchNorm that is not disposed, got a disposed one/;
      throwsError(() => bn.forward(new Float32Array(4), [2, 2]), DISPOSED, disposed);
      throwsError(() => bn.backward(new Float32Array(4)), DISPOSED, disposed);
      throwsError(() => bn.weight, DISPOSED, disposed);
      throwsError(
        () => {
          bn.bias = new Float32Array(2);
        },
        DISPOSED,
        disposed,
      );
      throwsError(() => bn.eval(), DISPOSED, disposed);
      throwsError(() => bn.stateDict(), DISPOSED, disposed);
      throwsError(() => bn.numBatchesTracked, DISPOSED, disposed);
      const t = new sn.Tensor(2);
      t.dispose();
      throwsError(
        () => t.view,
        DISPOSED,
        /^simdnorm: Tensor\.view: this: expected a Tensor that is not disposed, got a disposed one$/,
      );
      const trainer = new sn.Trainer({ points: 40, batchSize: 8 });
      trainer.dispose();
      throwsError(() => trainer.trainSteps(), DISPOSED, /Trainer\.trainSteps: this: .*used after dispose\(\)/);
    });

    test('setters and loadStateDict', () => {
      const bn = new sn.BatchNorm(3);
      throwsError(
        () => {
          bn.weight = new Float32Array(2);
        },
        SHAPE,
        /^simdnorm: BatchNorm\.weight: weight: expected a Float32Array of 3 floats \(numFeatures\), got 2 floats$/,
      );
      throwsError(
        () => {
          bn.runningVar = [1, 1, 1];
        },
        TYPE,
        /runningVar: expected a Float32Array, got Array\(3\)/,
      );
      throwsError(
        () => {
          bn.numBatchesTracked = -1;
        },
        RANGE,
        /numBatchesTracked: expected a non-negative safe integer, got -1/,
      );
      throwsError(
        () => {
          bn.numBatchesTracked = '1';
        },
        TYPE,
        /numBatchesTracked: .*got "1"/,
      );
      const sd = bn.stateDict();
      throwsError(
        () => bn.loadStateDict({ ...sd, extra: 1 }),
        TYPE,
        /stateDict\.extra: expected only the keys .*, got an unexpected key/,
      );
      const missing = { ...sd };
      delete missing.bias;
      throwsError(() => bn.loadStateDict(missing), TYPE, /stateDict\.bias: expected a value, got a missing key/);
      throwsError(
        () => bn.loadStateDict({ ...sd, running_mean: new Float64Array(3) }),
        TYPE,
        /stateDict\.running_mean: expected a Float32Array, got Float64Array\(3\)/,
      );
      throwsError(
        () => bn.loadStateDict({ ...sd, num_batches_tracked: 1.5 }),
        RANGE,
        /num_batches_tracked: expected a non-negative integer, got 1\.5/,
      );
      const noAffine = new sn.BatchNorm(3, { affine: false });
      throwsError(
        () => {
          noAffine.weight = new Float32Array(3);
        },
        STATE,
        /weight: expected nothing \(this BatchNorm has no weight: affine is false\)/,
      );
      bn.dispose();
      noAffine.dispose();
    });

    test('functional batchNorm and foldIntoLinear', () => {
      const x = new Float32Array(8);
      throwsError(
        () => sn.batchNorm(x, [4, 2]),
        TYPE,
        /^simdnorm: batchNorm: options\.runningMean: expected a Float32Array when training is false \(eval mode\), got undefined$/,
      );
      throwsError(
        () => sn.batchNorm(x, [4, 2], { training: true, momentum: 2 }),
        RANGE,
        /options\.momentum: expected a number in \[0, 1\], got 2/,
      );
      throwsError(
        () => sn.batchNorm(x, [4, 2], { training: true, eps: 0 }),
        RANGE,
        /options\.eps: expected a finite number > 0, got 0/,
      );
      throwsError(
        () => sn.batchNorm(x, [4, 2], { runningMean: new Float32Array(2) }),
        TYPE,
        /options\.runningVar: expected both running statistics or neither, got undefined/,
      );
      throwsError(
        () => sn.batchNorm(x, [4, 2], { runningMean: new Float32Array(3), runningVar: new Float32Array(3) }),
        SHAPE,
        /options\.runningMean: expected null or a Float32Array of 2 floats \(one per channel.*\), got 3 floats/,
      );
      throwsError(
        () => sn.batchNorm(x, [1, 8], { training: true }),
        SHAPE,
        /x: expected more than 1 value per channel when training/,
      );
      throwsError(() => sn.batchNorm(x, [4, 2], { trainig: true }), TYPE, /options\.trainig: .*unknown option/);
      const state = { runningMean: new Float32Array(2), runningVar: new Float32Array(2).fill(1) };
      throwsError(
        () => sn.foldIntoLinear(new Float32Array(5), null, state),
        SHAPE,
        /^simdnorm: foldIntoLinear: W: expected a non-empty Float32Array of outFeatures·fanIn floats \(outFeatures = 2.*\), got 5 floats$/,
      );
      throwsError(() => sn.foldIntoLinear([1, 2], null, state), TYPE, /W: .*got Array\(2\)/);
      throwsError(
        () => sn.foldIntoLinear(new Float32Array(4), new Float32Array(3), state),
        SHAPE,
        /b: expected a Float32Array of 2 floats/,
      );
      throwsError(
        () => sn.foldIntoLinear(new Float32Array(4), null, {}),
        TYPE,
        /bn\.runningMean: expected a Float32Array, got undefined/,
      );
      throwsError(
        () => sn.foldIntoLinear(new Float32Array(4), null, { ...state, eps: -1 }),
        RANGE,
        /bn\.eps: expected a finite number > 0, got -1/,
      );
      const untracked = new sn.BatchNorm(2, { trackRunningStats: false });
      throwsError(
        () => sn.foldIntoLinear(new Float32Array(4), null, untracked),
        STATE,
        /bn: expected a BatchNorm with running statistics/,
      );
      untracked.dispose();
    });

    test('Trainer arguments', () => {
      throwsError(
        () => new sn.Trainer({ lr: -1 }),
        RANGE,
        /^simdnorm: Trainer: config\.lr: expected a finite number > 0 \(float32\), got -1$/,
      );
      throwsError(() => new sn.Trainer({ lr: '0.1' }), TYPE, /config\.lr: .*got "0\.1"/);
      throwsError(
        () => new sn.Trainer({ dataset: 'swirl' }),
        RANGE,
        /config\.dataset: expected one of 'spiral', .*got "swirl"/,
      );
      throwsError(() => new sn.Trainer({ dataset: 3 }), TYPE, /config\.dataset: .*got 3/);
      throwsError(
        () => new sn.Trainer({ hidden: '32' }),
        TYPE,
        /config\.hidden: expected an array of 1 to 8 layer widths, got "32"/,
      );
      throwsError(() => new sn.Trainer({ hidden: [] }), RANGE, /config\.hidden: .*got Array\(0\)/);
      throwsError(() => new sn.Trainer({ momemtum: 0.1 }), TYPE, /config\.momemtum: .*unknown option/);
      const t = new sn.Trainer({ points: 40, testFraction: 0 });
      throwsError(() => t.trainSteps(0), RANGE, /Trainer\.trainSteps: k: expected an integer in \[1, 1000000\], got 0/);
      throwsError(() => t.evaluate(), RANGE, /Trainer\.evaluate: options\.split: expected 'train' \(testFraction is 0/);
      throwsError(
        () => t.setBnInference('eval'),
        RANGE,
        /Trainer\.setBnInference: mode: expected one of 'running', 'batch', got "eval"/,
      );
      throwsError(
        () => t.decisionGrid(8, 8, { xMin: 1, xMax: 0, yMin: 0, yMax: 1 }),
        RANGE,
        /bounds: expected xMin < xMax/,
      );
      throwsError(() => t.decisionGrid(8, 8, 'all'), TYPE, /bounds: .*got "all"/);
      throwsError(() => t.unitStats(5), RANGE, /Trainer\.unitStats: layer: expected an integer in \[0, 1\], got 5/);
      t.dispose();
    });

    test('init options and Tensor', async () => {
      await rejectsWith(
        init({ simd: 'yes' }),
        TYPE,
        /^simdnorm: init: options\.simd: expected true or false, got "yes"$/,
      );
      await rejectsWith(
        init({ wasmBinary: [1, 2] }),
        TYPE,
        /init: options\.wasmBinary: expected an ArrayBuffer or Uint8Array, got Array\(2\)/,
      );
      await rejectsWith(init({ locateFile: 'dist/' }), TYPE, /init: options\.locateFile: expected a function/);
      throwsError(
        () => new sn.Tensor(-1),
        RANGE,
        /^simdnorm: Tensor: lengthOrData: expected a Float32Array or an integer .*, got -1$/,
      );
      throwsError(() => new sn.Tensor([1, 2]), TYPE, /got Array\(2\)/);
      const t = new sn.Tensor(3);
      throwsError(
        () => t.set(new Float32Array(2)),
        SHAPE,
        /^simdnorm: Tensor\.set: data: expected a Float32Array of 3 floats, got Float32Array\(2\)$/,
      );
      throwsError(() => t.set([1, 2, 3]), TYPE, /Tensor\.set: data: .*got Array\(3\)/);
      t.dispose();
    });
  });

  // The raw Embind bindings, called past the JS checks, so that C++ throws: each exception arrives
  // as the typed error of its simdnorm::ErrorCode (wasm/guard.hpp) with the C++ message.
  describe(`C++ exceptions through the guard (${build} build)`, () => {
    const m = sn.module;
    test('core bindings', () => {
      throwsError(
        () => m.foldIntoLinear(0, 0, 0, 0, 0, 0, 0, 0, 1e-5, 0, 0),
        SHAPE,
        /^simdnorm: fold_into_linear: out_features: expected at least 1, got 0$/,
      );
      throwsError(
        () => new m.BatchNorm(0, 1e-5, 0.1, true, true, false, 0, NaN, 0, 0),
        RANGE,
        /^simdnorm: BatchNorm: num_features: expected at least 1, got 0$/,
      );
      throwsError(
        () => new m.BatchNorm(2, 0, 0.1, true, true, false, 0, NaN, 0, 0),
        RANGE,
        /^simdnorm: BatchNorm: eps: expected a finite value > 0, got 0$/,
      );
      const raw = new m.BatchNorm(2, 1e-5, 0.1, true, true, false, 0, NaN, 0, 0);
      throwsError(
        () => raw.backward(0, 0, 4),
        STATE,
        /^simdnorm: BatchNorm::backward: dy: expected a forward\(\) before backward\(\), got none$/,
      );
      throwsError(
        () => raw.forward(0, 2, 2, 1, false, 0),
        SHAPE,
        /^simdnorm: BatchNorm::forward: x: expected 4 floats \(N·C·S of shape \[2, 2, 1\] channels-first\), got 0$/,
      );
      raw.delete();
    });

    test('trainer bindings, including the five that had no guard', () => {
      const config = { ...sn.Trainer.defaults, points: 40, batchSize: 8, hidden: [4, 4] };
      throwsError(
        () => new m.NnTrainer({ ...config, hidden: [4, 0] }),
        RANGE,
        /^simdnorm: nn::Trainer: hidden\[1\]: expected a width in \[1, 512\], got 0$/,
      );
      const raw = new m.NnTrainer(config);
      throwsError(() => raw.trainSteps(0), RANGE, /^simdnorm: nn::Trainer: steps: expected an integer ≥ 1, got 0$/);
      throwsError(
        () => raw.evaluate('train', 'train'),
        RANGE,
        /^simdnorm: nn::Trainer: mode: expected 'eval', 'running' or 'batch', got "train"$/,
      );
      throwsError(() => raw.unitStats(2, 0), RANGE, /^simdnorm: nn::unit_stats: layer: /);
      throwsError(() => raw.decisionGrid(0, 4, -1, 1, -1, 1), RANGE, /^simdnorm: nn::decision_grid: w: /);
      throwsError(() => raw.setBnInference('train'), RANGE, /^simdnorm: nn::Trainer: mode: /);
      // The five that had no try/catch do not throw for valid calls; they are guarded like the rest
      // (the source check below), and still answer normally.
      assert.equal(raw.layerStats().length, 2);
      assert.equal(raw.runningStats().length, 2);
      assert.equal(typeof raw.fold().folded, 'boolean');
      assert.equal(raw.predict(0, 0).length, raw.classes());
      assert.ok(raw.dataset().train.x instanceof Float32Array);
      raw.delete();
    });

    test('a catch inside the core (it adds the layer to the message) keeps the type', () => {
      const layers = [
        { type: 'conv2d', inChannels: 1, outChannels: 8, kernelSize: 3 },
        { type: 'batchNorm2d', numFeatures: 7 },
      ];
      assert.throws(
        () => new sn.nn.Sequential(layers, { inputShape: [1, 8, 8] }),
        (e) =>
          e instanceof RangeError &&
          e.code === SHAPE &&
          /^simdnorm::nn::Sequential: layer 1 \(batchNorm2d\): numFeatures: expected 8 \(the input's channels\), given 7$/.test(
            e.message,
          ),
      );
    });
  });
}

describe('C++ exceptions through the guard', () => {
  test('every Embind binding is registered through guard<>', () => {
    for (const file of ['bindings.cpp', 'nn_bindings.cpp']) {
      const source = readFileSync(new URL(`../../wasm/${file}`, import.meta.url), 'utf8');
      const bindings = [...source.matchAll(/(?:\.|::)(?:function|constructor)\(\s*(?:"(\w+)",\s*)?([^,)]+)/g)];
      assert.ok(bindings.length >= 14, `${file}: found only ${bindings.length} bindings`);
      for (const [, name, target] of bindings)
        assert.match(
          target.trim(),
          /^guard<&[\w:]+>$/,
          `${file}: ${name ?? 'constructor'} is registered as ${target.trim()}`,
        );
      assert.doesNotMatch(
        source,
        /class_<\w+>\([^)]*\)\s*\.constructor</,
        `${file}: a templated constructor bypasses the guard`,
      );
    }
  });
});

// Both builds are compiled with -fwasm-exceptions: an engine without wasm exception handling must
// get a clear error from init(), not a CompileError from instantiating the module.
describe('engine feature checks', () => {
  // Section ids of a wasm binary (id 13 is the tag section of exception handling).
  function sectionIds(bytes) {
    const ids = [];
    let at = 8;
    const leb = () => {
      let value = 0,
        shift = 0,
        b;
      do {
        b = bytes[at++];
        value |= (b & 0x7f) << shift;
        shift += 7;
      } while (b & 0x80);
      return value >>> 0;
    };
    while (at < bytes.length) {
      const id = bytes[at++];
      const size = leb();
      ids.push(id);
      at += size;
    }
    return ids;
  }

  // WebAssembly.validate as on an engine that does not know the tag section, restored afterwards.
  async function withoutExceptionHandling(fn) {
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) =>
      !sectionIds(new Uint8Array(bytes.buffer ?? bytes)).includes(13) && validate(bytes);
    try {
      return await fn();
    } finally {
      WebAssembly.validate = validate;
    }
  }

  test('both builds use wasm exception handling (the probe checks what they need)', () => {
    for (const file of ['simdnorm.wasm', 'simdnorm-scalar.wasm']) {
      const bytes = readFileSync(new URL(`../../wasm/dist/${file}`, import.meta.url));
      assert.ok(sectionIds(bytes).includes(13), `${file} has no tag section`);
    }
  });

  test('this engine has it', () => {
    assert.equal(exceptionsSupported(), true);
  });

  test('without it, init() says what the engine lacks', async () => {
    await withoutExceptionHandling(async () => {
      assert.equal(exceptionsSupported(), false);
      assert.equal(simdSupported(), true, 'the SIMD probe uses no exception handling');
      await rejectsWith(
        init(),
        UNSUPPORTED,
        /^simdnorm: init: engine: expected WebAssembly exception handling \(Chrome\/Edge 95\+, Firefox 100\+, Safari 15\.2\+, Node 17\+\), which both builds need, got an engine that does not validate it$/,
      );
    });
    assert.equal(exceptionsSupported(), true);
  });

  test('without SIMD128: the scalar build, and simd: true is refused', async () => {
    const validate = WebAssembly.validate;
    // The SIMD probe is the only module of these with a v128 value type (0x7b) in its type section.
    WebAssembly.validate = (bytes) =>
      !new Uint8Array(bytes.buffer ?? bytes).slice(8, 16).includes(0x7b) && validate(bytes);
    try {
      assert.equal(simdSupported(), false);
      assert.equal(exceptionsSupported(), true);
      const scalar = await init();
      assert.equal(scalar.isa, 'wasm-scalar');
      await rejectsWith(
        init({ simd: true }),
        UNSUPPORTED,
        /init: options\.simd: expected false on an engine without WebAssembly SIMD128, got true/,
      );
    } finally {
      WebAssembly.validate = validate;
    }
  });
});
