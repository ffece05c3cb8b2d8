// Checks a consumer's results (package-project.mjs consumerScript) against the float64 reference.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertClose, backward, forward, geometry } from '../js/reference.mjs';

// Same bound as tests/js/parity.test.mjs (float32 block sums; here only 8 values per channel).
const TOL = 1e-4;
// The one version number (CMake generates simdnorm::version from it).
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

export function checkConsumerResults(results, expectedIsas = ['wasm-simd128', 'wasm-scalar']) {
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
  for (const r of results) {
    assert.equal(r.version, version, "sn.version is package.json's version");
    assertClose(assert, r.y, f.y, TOL, `${r.isa} y`);
    assertClose(assert, r.dx, b.dx, TOL, `${r.isa} dx`);
    assertClose(assert, r.weightGrad, b.dweight, TOL, `${r.isa} weightGrad`);
    assertClose(assert, r.runningVar, f.runningVar, TOL, `${r.isa} runningVar`);
  }
}
