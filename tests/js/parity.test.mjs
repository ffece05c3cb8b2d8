// BatchNorm through the package vs the float64 reference (tests/js/reference.mjs), on both
// builds, every layout, train/eval, momentum = null, affine/trackRunningStats off, fused ReLU.
//
// Tolerances: the kernels sum in float32 within blocks (≤ 2048 values, merged in double), so
// batch statistics carry a relative error ≤ M·2⁻²⁴ for M values per channel; M ≤ 512 here gives
// 3e-5 as a worst case (typically ~100× less). y adds a few roundings; dx additionally
// subtracts two such sums, hence its looser bound, measured against max(1, |expected|).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import init from '../../wasm/index.js';
import { activations, assertClose, backward, floats, forward, geometry, rng } from './reference.mjs';

const FORWARD_TOL = 3e-5;
const BACKWARD_TOL = 1e-4;

const builds = { simd: await init({ simd: true }), scalar: await init({ simd: false }) };

const SHAPES = [
  { shape: [8, 5], layout: 'channels-first' }, // NC
  { shape: [3, 4, 7], layout: 'channels-first' }, // NCL
  { shape: [2, 3, 5, 4], layout: 'channels-first' }, // NCHW
  { shape: [2, 3, 2, 3, 3], layout: 'channels-first' }, // NCDHW
  { shape: [3, 7, 4], layout: 'channels-last' }, // NLC
  { shape: [2, 5, 4, 3], layout: 'channels-last' }, // NHWC
  { shape: [2, 2, 3, 3, 3], layout: 'channels-last' }, // NDHWC
  // Around the 4-lane vector width and the channel blocking: tails on every axis.
  { shape: [2, 1, 3], layout: 'channels-first' },
  { shape: [3, 17, 5], layout: 'channels-first' },
  { shape: [5, 9, 1, 1], layout: 'channels-first' },
  { shape: [4, 3, 33], layout: 'channels-first' },
  { shape: [3, 5, 4, 17], layout: 'channels-last' },
  { shape: [2, 8, 33], layout: 'channels-last' },
  { shape: [64, 8, 8], layout: 'channels-first' }, // M = 512 per channel
];

const VARIANTS = [
  { name: 'default' },
  { name: 'momentum=null', options: { momentum: null } },
  { name: 'relu', options: { relu: true } },
  { name: 'affine=false', options: { affine: false } },
  { name: 'trackRunningStats=false', options: { trackRunningStats: false } },
];

// Seeded inputs whose pre-ReLU outputs stay away from 0 (float32 and float64 must agree on the
// ReLU mask for the comparison to be meaningful).
function inputs(g, seed, options) {
  for (let k = 0; ; k++) {
    const r = rng(seed * 1000 + k);
    const x = activations(g, r);
    const weight = options.affine === false ? null : floats(g.c, r, 0.5, 1.5);
    const bias = options.affine === false ? null : floats(g.c, r, -0.5, 0.5);
    const dy = floats(g.numel, r);
    const f = forward({ x, g, weight, bias, eps: 1e-5, training: true });
    if (!options.relu || f.y.every((v) => Math.abs(v) > 1e-3)) return { x, weight, bias, dy };
  }
}

for (const [buildName, sn] of Object.entries(builds)) {
  describe(`BatchNorm vs float64 reference (${buildName} build)`, () => {
    test('reports its ISA', () => {
      assert.equal(sn.isa, buildName === 'simd' ? 'wasm-simd128' : 'wasm-scalar');
      assert.equal(sn.simd, buildName === 'simd');
      assert.match(sn.version, /^\d+\.\d+\.\d+$/);
    });

    for (const [si, { shape, layout }] of SHAPES.entries()) {
      for (const variant of VARIANTS) {
        const options = { ...variant.options, layout };
        test(`[${shape}] ${layout} ${variant.name}: two training steps, eval, backward`, () => {
          const g = geometry(shape, layout);
          const eps = 1e-5;
          const momentum = options.momentum === undefined ? 0.1 : options.momentum;
          const track = options.trackRunningStats !== false;
          const relu = options.relu === true;
          const bn = new sn.BatchNorm(g.c, options);
          try {
            const { x, weight, bias, dy } = inputs(g, si + 1, options);
            if (weight) {
              bn.weight = weight;
              bn.bias = bias;
            }
            let runningMean = track ? new Float64Array(g.c) : null;
            let runningVar = track ? new Float64Array(g.c).fill(1) : null;

            // Two steps (the second with shifted data) so the running-stat recursion is tested.
            for (let step = 1; step <= 2; step++) {
              const xs = step === 1 ? x : x.map((v, i) => v * 1.5 + (i % 3));
              const m = momentum === null ? 1 / step : momentum;
              const f = forward({
                x: xs,
                g,
                weight,
                bias,
                eps,
                training: true,
                runningMean,
                runningVar,
                momentum: m,
                relu,
              });
              const y = bn.forward(xs, shape);
              assert.ok(y instanceof Float32Array);
              assertClose(assert, y, f.y, FORWARD_TOL, `step ${step} y`);
              if (track) {
                runningMean = f.runningMean;
                runningVar = f.runningVar;
                assertClose(assert, bn.runningMean, runningMean, FORWARD_TOL, `step ${step} runningMean`);
                assertClose(assert, bn.runningVar, runningVar, FORWARD_TOL, `step ${step} runningVar`);
                assert.equal(bn.numBatchesTracked, step);
              } else {
                assert.equal(bn.runningMean, null);
              }
              const dx = bn.backward(dy);
              const b = backward({ dy, x: xs, g, weight, f, batchStats: true, relu });
              assertClose(assert, dx, b.dx, BACKWARD_TOL, `step ${step} dx`);
              if (weight) {
                assertClose(assert, bn.weightGrad, b.dweight, BACKWARD_TOL, `step ${step} weightGrad`);
                assertClose(assert, bn.biasGrad, b.dbias, BACKWARD_TOL, `step ${step} biasGrad`);
              } else {
                assert.equal(bn.weightGrad, null);
              }
            }

            // Eval: running statistics (or batch statistics without them); nothing is updated.
            // The reference takes the module's float32 running statistics, as PyTorch would.
            bn.eval();
            assert.equal(bn.training, false);
            // Snapshots: bn.runningMean is the module's own array, updated in place.
            const [meanBefore, varBefore] = [bn.runningMean?.slice() ?? null, bn.runningVar?.slice() ?? null];
            const f = forward({
              x,
              g,
              weight,
              bias,
              eps,
              training: false,
              runningMean: meanBefore,
              runningVar: varBefore,
              relu,
            });
            assertClose(assert, bn.forward(x, shape), f.y, FORWARD_TOL, 'eval y');
            assert.deepEqual(bn.runningMean, meanBefore, 'eval leaves runningMean');
            assert.deepEqual(bn.runningVar, varBefore, 'eval leaves runningVar');
            const b = backward({ dy, x, g, weight, f, batchStats: !track, relu });
            assertClose(assert, bn.backward(dy), b.dx, BACKWARD_TOL, 'eval dx');
            if (weight) assertClose(assert, bn.weightGrad, b.dweight, BACKWARD_TOL, 'eval weightGrad');
          } finally {
            bn.dispose();
          }
        });
      }
    }
  });
}

// forward(x, shape, { out, grad: false }) keeps nothing for backward: the same normalization and
// running-statistics update for every pairing of Float32Array and Tensor x and out (in place too),
// and with a fused ReLU or without running statistics.
const NO_GRAD_KINDS = [
  'Float32Array',
  'Float32Array out',
  'Float32Array in place',
  'Tensor',
  'Tensor in place',
  'Tensor x, Float32Array out',
  'Float32Array x, Tensor out',
];
const NO_GRAD_VARIANTS = VARIANTS.filter((v) => v.name === 'relu' || v.name === 'trackRunningStats=false');
assert.equal(NO_GRAD_VARIANTS.length, 2);
const NO_GRAD_CASES = [
  ...NO_GRAD_KINDS.map((kind) => ({ kind, variant: VARIANTS[0] })),
  ...NO_GRAD_VARIANTS.flatMap((variant) => ['Float32Array', 'Tensor in place'].map((kind) => ({ kind, variant }))),
];

for (const [buildName, sn] of Object.entries(builds)) {
  describe(`BatchNorm.forward with { grad: false } vs float64 reference (${buildName} build)`, () => {
    const cases = [SHAPES[0], SHAPES[2], SHAPES[5], SHAPES[SHAPES.length - 1]];
    for (const [si, { shape, layout }] of cases.entries()) {
      for (const { kind, variant } of NO_GRAD_CASES) {
        test(`[${shape}] ${layout} ${variant.name}, ${kind}: two training steps, eval`, () => {
          const g = geometry(shape, layout);
          const options = { ...variant.options, layout };
          const track = options.trackRunningStats !== false;
          const relu = options.relu === true;
          const bn = new sn.BatchNorm(g.c, options);
          const tx = new sn.Tensor(g.numel),
            ty = kind === 'Tensor' || kind.endsWith('Tensor out') ? new sn.Tensor(g.numel) : tx;
          const run = (xs) => {
            if (kind === 'Float32Array') return bn.forward(xs, shape, { grad: false });
            if (kind.startsWith('Float32Array') && !kind.endsWith('Tensor out')) {
              const out = kind === 'Float32Array in place' ? xs.slice() : new Float32Array(g.numel);
              const x = kind === 'Float32Array in place' ? out : xs;
              assert.equal(bn.forward(x, shape, { out, grad: false }), out);
              return out;
            }
            if (kind === 'Tensor x, Float32Array out') {
              tx.set(xs);
              const out = new Float32Array(g.numel);
              assert.equal(bn.forward(tx, shape, { out, grad: false }), out);
              return out;
            }
            const x = kind.startsWith('Float32Array') ? xs : tx;
            if (x === tx) tx.set(xs);
            assert.equal(bn.forward(x, shape, { out: ty, grad: false }), ty);
            return ty.toFloat32Array();
          };
          try {
            const { x, weight, bias } = inputs(g, si + 20, options);
            bn.weight = weight;
            bn.bias = bias;
            let runningMean = track ? new Float64Array(g.c) : null,
              runningVar = track ? new Float64Array(g.c).fill(1) : null;
            for (let step = 1; step <= 2; step++) {
              const xs = step === 1 ? x : x.map((v, i) => v * 1.5 + (i % 3));
              const f = forward({
                x: xs,
                g,
                weight,
                bias,
                eps: 1e-5,
                training: true,
                runningMean,
                runningVar,
                momentum: 0.1,
                relu,
              });
              assertClose(assert, run(xs), f.y, FORWARD_TOL, `step ${step} y`);
              if (track) {
                ({ runningMean, runningVar } = f);
                assertClose(assert, bn.runningMean, runningMean, FORWARD_TOL, `step ${step} runningMean`);
                assertClose(assert, bn.runningVar, runningVar, FORWARD_TOL, `step ${step} runningVar`);
                assert.equal(bn.numBatchesTracked, step);
              } else {
                assert.equal(bn.runningMean, null);
              }
            }
            bn.eval();
            const [m, v] = [bn.runningMean?.slice() ?? null, bn.runningVar?.slice() ?? null];
            const f = forward({ x, g, weight, bias, eps: 1e-5, training: false, runningMean: m, runningVar: v, relu });
            assertClose(assert, run(x), f.y, FORWARD_TOL, 'eval y');
            assert.throws(() => bn.backward(x), { code: 'SIMDNORM_STATE' });
          } finally {
            for (const t of new Set([tx, ty])) t.dispose();
            bn.dispose();
          }
        });
      }
    }
  });
}

describe('SIMD and scalar builds agree', () => {
  for (const { shape, layout } of SHAPES) {
    test(`[${shape}] ${layout}`, () => {
      const g = geometry(shape, layout);
      const { x, weight, bias, dy } = inputs(g, 99, {});
      const results = Object.values(builds).map((sn) => {
        const bn = new sn.BatchNorm(g.c, { layout });
        bn.weight = weight;
        bn.bias = bias;
        const y = bn.forward(x, shape);
        const dx = bn.backward(dy);
        const state = bn.stateDict();
        bn.dispose();
        return { y, dx, ...state };
      });
      const [simd, scalar] = results;
      // Both sit within FORWARD_TOL/BACKWARD_TOL of float64, so within twice that of each other.
      assertClose(assert, simd.y, scalar.y, 2 * FORWARD_TOL, 'y');
      assertClose(assert, simd.running_var, scalar.running_var, 2 * FORWARD_TOL, 'running_var');
      assertClose(assert, simd.dx, scalar.dx, 2 * BACKWARD_TOL, 'dx');
    });
  }
});
