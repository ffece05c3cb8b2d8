// Parameters and statistics cannot drop a write: bn.weight and friends are the module's own
// Float32Arrays, so a write into them lands (it changes what the next forward computes), and an
// assignment either copies in or throws. Checked against a float64 reference written here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import init, { errorCodes } from '../../wasm/index.js';

const sn = await init();

// Training-mode BN of x [n, c] (channels-first, no spatial dims), in float64.
function reference(x, n, c, weight, bias, eps = 1e-5) {
  const y = new Float64Array(n * c);
  for (let j = 0; j < c; j++) {
    let mean = 0,
      variance = 0;
    for (let i = 0; i < n; i++) mean += x[i * c + j] / n;
    for (let i = 0; i < n; i++) variance += (x[i * c + j] - mean) ** 2 / n;
    for (let i = 0; i < n; i++)
      y[i * c + j] = ((x[i * c + j] - mean) / Math.sqrt(variance + eps)) * weight[j] + bias[j];
  }
  return y;
}

function assertClose(actual, expected, what) {
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= 1e-5 * (1 + Math.abs(expected[i])),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
}

const n = 6,
  c = 3;
const x = Float32Array.from({ length: n * c }, (_, i) => Math.sin(i * 1.7) * 3 + (i % c));

test('a write into bn.weight / bn.bias lands in the next forward', () => {
  const bn = new sn.BatchNorm(c);
  const w = bn.weight;
  assert.equal(bn.weight, w, 'the same array on every read');
  w[0] = 2;
  bn.bias[2] = -0.5;
  bn.weight.set([2, 3, 4].slice(1), 1);
  assert.deepEqual([...bn.weight], [2, 3, 4]);
  assertClose(bn.forward(x, [n, c]), reference(x, n, c, [2, 3, 4], [0, 0, -0.5]), 'y after writes into the arrays');
  bn.dispose();
});

test('assignment copies in (the array keeps its identity) or throws', () => {
  const bn = new sn.BatchNorm(c);
  const w = bn.weight;
  const given = new Float32Array([0.5, 1.5, 2.5]);
  bn.weight = given;
  assert.equal(bn.weight, w, 'assignment copies into the module array');
  given[0] = 99;
  assert.equal(bn.weight[0], 0.5, 'later changes to the assigned array do not leak in');
  assertClose(bn.forward(x, [n, c]), reference(x, n, c, [0.5, 1.5, 2.5], [0, 0, 0]), 'y after assignment');
  assert.throws(
    () => {
      bn.weight = new Float32Array(2);
    },
    (e) => e instanceof RangeError && e.code === errorCodes.SHAPE,
  );
  assert.throws(
    () => {
      bn.bias = [1, 2, 3];
    },
    (e) => e instanceof TypeError && e.code === errorCodes.TYPE,
  );
  assert.deepEqual([...bn.weight], [0.5, 1.5, 2.5], 'a refused assignment changes nothing');
  bn.dispose();
  const bare = new sn.BatchNorm(c, { affine: false, trackRunningStats: false });
  assert.equal(bare.weight, null);
  assert.equal(bare.runningMean, null);
  assert.throws(
    () => {
      bare.weight = new Float32Array(c);
    },
    (e) => !(e instanceof RangeError) && e.code === errorCodes.STATE,
  );
  bare.dispose();
});

test('running statistics and gradients are updated in place; stateDict is a snapshot', () => {
  const bn = new sn.BatchNorm(c, { momentum: 0.5 });
  const mean = bn.runningMean,
    variance = bn.runningVar,
    grad = bn.weightGrad;
  const sd = bn.stateDict();
  bn.forward(x, [n, c]);
  for (let j = 0; j < c; j++) {
    let m = 0,
      v = 0;
    for (let i = 0; i < n; i++) m += x[i * c + j] / n;
    for (let i = 0; i < n; i++) v += (x[i * c + j] - m) ** 2 / (n - 1);
    assert.ok(Math.abs(mean[j] - 0.5 * m) < 1e-5, `runningMean[${j}] in place`);
    assert.ok(Math.abs(variance[j] - (0.5 + 0.5 * v)) < 1e-4, `runningVar[${j}] in place`);
  }
  assert.deepEqual([...sd.running_mean], [0, 0, 0], 'the earlier stateDict did not change');
  bn.backward(new Float32Array(n * c).fill(1));
  assert.equal(bn.weightGrad, grad);
  // dγ = Σ dy·x̂ = Σ x̂ = 0 for dy = 1; dβ = Σ dy = n.
  assert.deepEqual([...bn.biasGrad], [n, n, n]);
  for (const g of grad) assert.ok(Math.abs(g) < 1e-4);
  // A write into runningMean is used by eval mode.
  bn.eval();
  mean.fill(0);
  variance.fill(1);
  const y = bn.forward(x, [n, c]);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(y[i] - x[i] / Math.sqrt(1 + 1e-5)) < 1e-5);
  bn.resetParameters();
  assert.equal(bn.runningVar, variance);
  assert.deepEqual([...bn.weight], [1, 1, 1]);
  bn.dispose();
});

test('writes land after the wasm memory grew (no view of the heap is handed out)', () => {
  const bn = new sn.BatchNorm(c);
  const w = bn.weight;
  const big = new sn.Tensor(16 << 20); // 64 MiB: the heap grows, detaching every view of it
  big.dispose();
  w[1] = 3;
  assert.equal(w.length, c);
  assertClose(bn.forward(x, [n, c]), reference(x, n, c, [1, 3, 1], [0, 0, 0]), 'y');
  bn.dispose();
});
