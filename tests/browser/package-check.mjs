// Checks a consumer's results (package-project.mjs consumerScript) against the float64 reference.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertClose, backward, forward, geometry } from '../js/reference.mjs';
import { values } from '../js/threads-workload.mjs';

// Same bound as tests/js/parity.test.mjs (float32 block sums; here only 8 values per channel).
const TOL = 1e-4;
// The one version number (CMake generates simdnorm::version from it).
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

// threaded: whether the consumer also ran the threaded build (where threadsSupported());
// defaultThreads: the count init() chooses there without options.
export function checkConsumerResults(results, threaded, defaultThreads) {
  const expectedIsas = ['wasm-simd128', 'wasm-simd128', 'wasm-scalar', ...(threaded ? ['wasm-simd128'] : [])];
  const g = geometry([2, 3, 4]);
  const x = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 2 + (i % 3));
  const dy = Float32Array.from({ length: 24 }, (_, i) => Math.cos(i * 0.7));
  const f = forward({
    x,
    g,
    eps: 1e-5,
    training: true,
    runningMean: new Float64Array(3),
    runningVar: new Float64Array(3).fill(1),
    momentum: 0.1,
  });
  const b = backward({ dy, x, g, f, batchStats: true });
  assert.deepEqual(
    results.map((r) => r.isa),
    expectedIsas,
  );
  assert.deepEqual(
    results.map((r) => r.threads),
    [defaultThreads, 1, 1, ...(threaded ? [2] : [])],
  );
  for (const r of results) {
    assert.equal(r.version, version, "sn.version is package.json's version");
    assertClose(assert, r.y, f.y, TOL, `${r.isa} y`);
    assertClose(assert, r.dx, b.dx, TOL, `${r.isa} dx`);
    assertClose(assert, r.weightGrad, b.dweight, TOL, `${r.isa} weightGrad`);
    assertClose(assert, r.runningVar, f.runningVar, TOL, `${r.isa} runningVar`);
    // The small BN CNN (sn.nn) learned its 4 classes: chance is 25 % and ln 4 ≈ 1.39.
    const { firstLoss, lastLoss, accuracy, keys } = r.cnn;
    assert.ok(Math.abs(firstLoss - Math.log(4)) < 0.5, `${r.isa} cnn first loss ${firstLoss}`);
    assert.ok(lastLoss < 0.3 * firstLoss, `${r.isa} cnn loss ${firstLoss} → ${lastLoss}`);
    assert.ok(accuracy >= 0.9, `${r.isa} cnn eval accuracy ${accuracy}`);
    assert.deepEqual(keys, [
      '0.weight',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
      '5.weight',
      '5.bias',
    ]);
  }
}

// The channels-first BatchNorm of tests/js/threads-workload.mjs's result (a tensor cut into pieces
// that the threads share) against the float64 reference: its first outputs, the weight and bias
// gradients, and the running statistics after its two training steps (every channel's reduction
// merged over all the pieces).
export function checkWorkloadBatchNorm(nchw, what) {
  const g = geometry([16, 32, 32, 32]);
  const weight = values(g.c, 7).map((v) => 1 + v / 4);
  const step = { g, weight, bias: values(g.c, 8), eps: 1e-5, training: true, momentum: 0.1 };
  const x = values(g.numel, 1);
  const f = forward({ ...step, x, runningMean: new Float64Array(g.c), runningVar: new Float64Array(g.c).fill(1) });
  const b = backward({ dy: values(g.numel, 2), x, g, weight, f, batchStats: true });
  const f2 = forward({ ...step, x: values(g.numel, 3), runningMean: f.runningMean, runningVar: f.runningVar });
  const floats = (bits) => new Float32Array(Uint32Array.from(bits).buffer);
  assertClose(assert, floats(nchw.y.head), f.y.subarray(0, nchw.y.head.length), TOL, `${what} y`);
  assertClose(assert, floats(nchw.weightGrad), b.dweight, TOL, `${what} weightGrad`);
  assertClose(assert, floats(nchw.biasGrad), b.dbias, TOL, `${what} biasGrad`);
  assertClose(assert, floats(nchw.runningMean), f2.runningMean, TOL, `${what} runningMean`);
  assertClose(assert, floats(nchw.runningVar), f2.runningVar, TOL, `${what} runningVar`);
}
