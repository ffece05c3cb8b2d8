// Every bad input throws a JS Error naming the argument, the expectation and what was given.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import init from '../../wasm/index.js';

const sn = await init();

// assert.throws with an Error (not a number, not a WebAssembly.Exception) whose message matches.
function throwsError(fn, re) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof Error, `threw ${Object.prototype.toString.call(e)}, not an Error`);
    assert.match(e.message, re);
    return true;
  });
}

describe('errors', () => {
  test('constructor arguments', () => {
    throwsError(() => new sn.BatchNorm(0), /BatchNorm: numFeatures: expected an integer in \[1, \d+\], got 0/);
    throwsError(() => new sn.BatchNorm(2.5), /numFeatures: expected an integer .*, got 2\.5/);
    throwsError(() => new sn.BatchNorm(NaN), /numFeatures: .*got NaN/);
    throwsError(() => new sn.BatchNorm('4'), /numFeatures: .*got "4"/);
    throwsError(() => new sn.BatchNorm(4, { eps: 0 }), /options\.eps: expected a finite number > 0, got 0/);
    throwsError(() => new sn.BatchNorm(4, { eps: -1 }), /options\.eps: .*got -1/);
    throwsError(() => new sn.BatchNorm(4, { eps: Infinity }), /options\.eps: .*got Infinity/);
    throwsError(() => new sn.BatchNorm(4, { momentum: 1.5 }), /options\.momentum: expected null or a number in \[0, 1\], got 1\.5/);
    throwsError(() => new sn.BatchNorm(4, { momentum: -0.1 }), /options\.momentum: .*got -0\.1/);
    throwsError(() => new sn.BatchNorm(4, { momentum: NaN }), /options\.momentum: .*got NaN/);
    throwsError(() => new sn.BatchNorm(4, { layout: 'NHWC' }), /options\.layout: expected 'channels-first' or 'channels-last', got "NHWC"/);
    throwsError(() => new sn.BatchNorm(4, { affine: 1 }), /options\.affine: expected true or false, got 1/);
    throwsError(() => new sn.BatchNorm(4, { momemtum: 0.1 }), /options\.momemtum: expected one of eps, momentum, .*got an unknown option/);
  });

  test('forward: array types, lengths, shapes, channels', () => {
    const bn = new sn.BatchNorm(3);
    const x = new Float32Array(12);
    throwsError(() => bn.forward(new Float64Array(12), [4, 3]), /BatchNorm\.forward: x: expected a Float32Array or Tensor of 12 floats .*, got Float64Array\(12\)/);
    throwsError(() => bn.forward(Array(12).fill(0), [4, 3]), /x: expected a Float32Array .*, got Array\(12\)/);
    throwsError(() => bn.forward(new Float32Array(11), [4, 3]), /x: expected a Float32Array or Tensor of 12 floats \(the product of shape \[4, 3\].*\), got 11 floats/);
    throwsError(() => bn.forward(x, [4, 5]), /shape: expected 3 channels \(numFeatures\), got 5 channels/);
    throwsError(() => bn.forward(x, [4, 3], {}), /out: expected a Float32Array or Tensor of 12 floats .*, got an Object/);
    throwsError(() => bn.forward(x, [4, 3, 1.5]), /shape\[2\]: expected a non-negative integer.*, got 1\.5/);
    throwsError(() => bn.forward(x, [4, 3, -1]), /shape\[2\]: .*got -1/);
    throwsError(() => bn.forward(x, [4, 3, NaN]), /shape\[2\]: .*got NaN/);
    throwsError(() => bn.forward(x, [12]), /shape: expected an array of 2 to 5 dims .*, got 1 dims/);
    throwsError(() => bn.forward(x, '4,3'), /shape: .*got "4,3"/);
    throwsError(() => bn.forward(x, [4, 3], new Float32Array(2)), /out: expected a Float32Array or Tensor of 12 floats .*, got 2 floats/);
    bn.dispose();
  });

  test('training with one value per channel; eval allows it', () => {
    const bn = new sn.BatchNorm(3);
    throwsError(() => bn.forward(new Float32Array(3), [1, 3]), /x: expected more than 1 value per channel when training, got shape \[1, 3\]/);
    throwsError(() => bn.forward(new Float32Array(3), [1, 3, 1, 1]), /more than 1 value per channel/);
    bn.eval();
    assert.equal(bn.forward(new Float32Array(3), [1, 3]).length, 3);
    bn.dispose();
  });

  test('backward before forward, wrong dy', () => {
    const bn = new sn.BatchNorm(2);
    throwsError(() => bn.backward(new Float32Array(4)), /BatchNorm\.backward: dy: expected a forward\(\) before backward\(\), got none/);
    bn.forward(new Float32Array([1, 2, 3, 5]), [2, 2]);
    throwsError(() => bn.backward(new Float32Array(3)), /dy: expected a Float32Array or Tensor of 4 floats \(the last forward's shape\), got 3 floats/);
    bn.dispose();
  });

  test('use after dispose', () => {
    const bn = new sn.BatchNorm(2);
    bn.dispose();
    bn.dispose(); // idempotent
    const disposed = /this: expected a BatchNorm that is not disposed, got a disposed one/;
    throwsError(() => bn.forward(new Float32Array(4), [2, 2]), disposed);
    throwsError(() => bn.backward(new Float32Array(4)), disposed);
    throwsError(() => bn.weight, disposed);
    throwsError(() => { bn.bias = new Float32Array(2); }, disposed);
    throwsError(() => bn.eval(), disposed);
    throwsError(() => bn.stateDict(), disposed);
    throwsError(() => bn.numBatchesTracked, disposed);
  });

  test('setters and loadStateDict', () => {
    const bn = new sn.BatchNorm(3);
    throwsError(() => { bn.weight = new Float32Array(2); }, /BatchNorm\.weight: weight: expected a Float32Array of 3 floats \(numFeatures\), got 2 floats/);
    throwsError(() => { bn.runningVar = [1, 1, 1]; }, /runningVar: expected a Float32Array, got Array\(3\)/);
    throwsError(() => { bn.numBatchesTracked = -1; }, /numBatchesTracked: expected a non-negative safe integer, got -1/);
    const sd = bn.stateDict();
    throwsError(() => bn.loadStateDict({ ...sd, extra: 1 }), /stateDict\.extra: expected only the keys .*, got an unexpected key/);
    const { bias, ...missing } = sd;
    throwsError(() => bn.loadStateDict(missing), /stateDict\.bias: expected a value, got a missing key/);
    throwsError(() => bn.loadStateDict({ ...sd, running_mean: new Float64Array(3) }), /stateDict\.running_mean: expected a Float32Array, got Float64Array\(3\)/);
    throwsError(() => bn.loadStateDict({ ...sd, num_batches_tracked: 1.5 }), /num_batches_tracked: expected a non-negative integer, got 1\.5/);
    const noAffine = new sn.BatchNorm(3, { affine: false });
    throwsError(() => { noAffine.weight = new Float32Array(3); }, /weight: expected nothing \(this BatchNorm has no weight: affine is false\)/);
    bn.dispose();
    noAffine.dispose();
  });

  test('functional batchNorm and foldIntoLinear', () => {
    const x = new Float32Array(8);
    throwsError(() => sn.batchNorm(x, [4, 2]), /batchNorm: options\.runningMean: expected a Float32Array when training is false \(eval mode\), got undefined/);
    throwsError(() => sn.batchNorm(x, [4, 2], { training: true, momentum: 2 }), /options\.momentum: expected a number in \[0, 1\], got 2/);
    throwsError(() => sn.batchNorm(x, [4, 2], { training: true, eps: 0 }), /options\.eps: expected a finite number > 0, got 0/);
    throwsError(() => sn.batchNorm(x, [4, 2], { runningMean: new Float32Array(2) }), /options\.runningVar: expected both running statistics or neither, got undefined/);
    throwsError(() => sn.batchNorm(x, [4, 2], { runningMean: new Float32Array(3), runningVar: new Float32Array(3) }),
      /options\.runningMean: expected null or a Float32Array of 2 floats \(one per channel.*\), got 3 floats/);
    throwsError(() => sn.batchNorm(x, [1, 8], { training: true }), /x: expected more than 1 value per channel when training/);
    throwsError(() => sn.batchNorm(x, [4, 2], { trainig: true }), /options\.trainig: .*unknown option/);
    const state = { runningMean: new Float32Array(2), runningVar: new Float32Array(2).fill(1) };
    throwsError(() => sn.foldIntoLinear(new Float32Array(5), null, state), /foldIntoLinear: W: expected a non-empty Float32Array of outFeatures·fanIn floats \(outFeatures = 2.*\), got 5 floats/);
    throwsError(() => sn.foldIntoLinear(new Float32Array(4), new Float32Array(3), state), /b: expected a Float32Array of 2 floats/);
    throwsError(() => sn.foldIntoLinear(new Float32Array(4), null, {}), /bn\.runningMean: expected a Float32Array, got undefined/);
    throwsError(() => sn.foldIntoLinear(new Float32Array(4), null, { ...state, eps: -1 }), /bn\.eps: expected a finite number > 0, got -1/);
  });

  test('init options and Tensor', async () => {
    await assert.rejects(init({ simd: 'yes' }), /init: options\.simd: expected true or false, got "yes"/);
    await assert.rejects(init({ wasmBinary: [1, 2] }), /init: options\.wasmBinary: expected an ArrayBuffer or Uint8Array, got Array\(2\)/);
    throwsError(() => new sn.Tensor(-1), /Tensor: lengthOrData: expected a Float32Array or an integer .*, got -1/);
    throwsError(() => new sn.Tensor([1, 2]), /got Array\(2\)/);
    const t = new sn.Tensor(3);
    throwsError(() => t.set(new Float32Array(2)), /Tensor\.set: data: expected a Float32Array of 3 floats, got Float32Array\(2\)/);
    t.dispose();
  });

  test('C++ exceptions surface as readable Errors, not WebAssembly.Exception', () => {
    // Bypass the JS validation: the raw binding receives an invalid call and C++ throws.
    throwsError(() => sn.module.foldIntoLinear(0, 0, 0, 0, 0, 0, 0, 0, 1e-5, 0, 0),
      /simdnorm::fold_into_linear: out_features: expected at least 1, got 0/);
    throwsError(() => new sn.module.BatchNorm(0, 1e-5, 0.1, true, true, false),
      /simdnorm::BatchNorm: num_features: expected at least 1, got 0/);
  });
});
