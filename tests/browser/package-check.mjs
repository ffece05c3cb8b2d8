// Checks a consumer's results (package-project.mjs consumerScript) against the float64 reference.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertClose, backward, forward, geometry } from '../js/reference.mjs';

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
