// BatchNorm.forward borrows a Tensor x until backward rather than copying it (PyTorch keeps a
// reference to x the same way). Unchanged, backward gives the bits of the Float32Array path, in
// every mode; changed (one float is enough) or disposed in between, backward refuses with
// SIMDNORM_STATE and leaves dx and the gradients as they were; a Tensor normalized in place is
// copied, so it may change.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import init from '../../wasm/index.js';
import { floats, rng } from './reference.mjs';

const builds = { simd: await init({ simd: true }), scalar: await init({ simd: false }) };

const CASES = [
  { name: 'NCHW training', shape: [4, 6, 5, 7], options: {} },
  { name: 'NHWC training', shape: [3, 5, 4, 9], options: { layout: 'channels-last' } },
  { name: 'NCHW eval', shape: [4, 6, 35], options: {}, eval: true },
  { name: 'ghost batches', shape: [6, 5, 12], options: { virtualBatchSize: 2 } },
  { name: 'renorm', shape: [4, 5, 12], options: { renorm: { rmax: 1.5, dmax: 0.5 } } },
  { name: 'relu', shape: [4, 5, 12], options: { relu: true } },
  // Several pieces of 64 Ki floats: the fingerprint is summed over them; NCHW 16×512×9 runs piece
  // by piece over runs of whole channels.
  { name: 'several pieces', shape: [4, 16, 3000], options: {} },
  { name: 'whole-channel pieces', shape: [16, 512, 9], options: {} },
];

const numel = (shape) => shape.reduce((a, b) => a * b, 1);

function makeModule(sn, c, options, evalMode) {
  const bn = new sn.BatchNorm(c, options);
  const r = rng(7);
  bn.weight = floats(c, r, 0.5, 1.5);
  bn.bias = floats(c, r, -0.5, 0.5);
  if (evalMode) {
    bn.runningMean = floats(c, r, -0.2, 0.2);
    bn.runningVar = floats(c, r, 0.5, 2);
    bn.eval();
  }
  return bn;
}

// y, dx, weightGrad and biasGrad through Float32Arrays.
function copiedPath(sn, { shape, options, eval: evalMode }, x, dy) {
  const bn = makeModule(sn, shape[options.layout === 'channels-last' ? shape.length - 1 : 1], options, evalMode);
  try {
    const y = bn.forward(x, shape);
    const dx = bn.backward(dy);
    return { y, dx, weightGrad: bn.weightGrad.slice(), biasGrad: bn.biasGrad.slice() };
  } finally {
    bn.dispose();
  }
}

for (const [buildName, sn] of Object.entries(builds)) {
  describe(`BatchNorm borrows a Tensor x (${buildName} build)`, () => {
    for (const c of CASES) {
      test(`${c.name}: unchanged gives the Float32Array path's bits; one changed float is refused`, () => {
        const n = numel(c.shape);
        const r = rng(3);
        const x = floats(n, r, -2, 2),
          dy = floats(n, r, -1, 1);
        const expected = copiedPath(sn, c, x, dy);
        const channels = c.shape[c.options.layout === 'channels-last' ? c.shape.length - 1 : 1];
        const bn = makeModule(sn, channels, c.options, c.eval);
        const tx = new sn.Tensor(x),
          ty = new sn.Tensor(n),
          tdy = new sn.Tensor(dy),
          tdx = new sn.Tensor(n);
        try {
          bn.forward(tx, c.shape, ty);
          assert.deepEqual(ty.toFloat32Array(), expected.y);
          bn.backward(tdy, tdx);
          assert.deepEqual(tdx.toFloat32Array(), expected.dx);
          assert.deepEqual(bn.weightGrad, expected.weightGrad);
          assert.deepEqual(bn.biasGrad, expected.biasGrad);

          for (const at of [0, n >> 1, n - 1]) {
            const kept = tx.view[at];
            tx.view[at] = kept + 2 ** -10; // a change far below the values' spread
            tdx.view.fill(5);
            bn.weightGrad.fill(9); // the module's array: a refused call pulls nothing into it
            assert.throws(
              () => bn.backward(tdy, tdx),
              {
                name: 'Error',
                code: 'SIMDNORM_STATE',
                message:
                  "simdnorm: BatchNorm.backward: x: expected the last forward()'s Tensor x unchanged until backward() (it is borrowed, not copied), got one that changed since",
              },
              `x[${at}] changed`,
            );
            assert.ok(
              tdx.view.every((v) => v === 5),
              'dx untouched',
            );
            assert.ok(
              bn.weightGrad.every((v) => v === 9),
              'weightGrad untouched',
            );
            tx.view[at] = kept; // as it was: accepted again, with the same bits
            bn.backward(tdy, tdx);
            assert.deepEqual(tdx.toFloat32Array(), expected.dx);
            assert.deepEqual(bn.weightGrad, expected.weightGrad);
          }
        } finally {
          for (const t of [tx, ty, tdy, tdx]) t.dispose();
          bn.dispose();
        }
      });
    }

    test('a Tensor x disposed before backward is refused', () => {
      const bn = new sn.BatchNorm(3);
      const tx = new sn.Tensor(floats(24, rng(1), -1, 1));
      try {
        bn.forward(tx, [2, 3, 4]);
        tx.dispose();
        assert.throws(() => bn.backward(new Float32Array(24)), {
          name: 'Error',
          code: 'SIMDNORM_STATE',
          message:
            "simdnorm: BatchNorm.backward: x: expected the last forward()'s Tensor x, not disposed before backward(), got a disposed Tensor",
        });
        // A new forward takes a new x: the disposed one is forgotten.
        bn.forward(
          new Float32Array(24).map((_, i) => i % 5),
          [2, 3, 4],
        );
        assert.equal(bn.backward(new Float32Array(24)).length, 24);
      } finally {
        bn.dispose();
      }
    });

    test('forwardAddRelu and { grad: false } forget the borrowed Tensor x', () => {
      const shape = [2, 3, 4];
      const r = rng(13);
      const bn = new sn.BatchNorm(3);
      const tx = new sn.Tensor(floats(24, r, -1, 1));
      const z = floats(24, r, -1, 1);
      try {
        bn.forward(tx, shape);
        bn.forwardAddRelu(floats(24, r, -1, 1), z, shape);
        tx.dispose(); // no longer borrowed: backward names the add + ReLU block, not x
        assert.throws(
          () => bn.backward(new Float32Array(24)),
          (e) => {
            assert.equal(e.code, 'SIMDNORM_STATE');
            assert.match(e.message, /backward_add_relu\(\) after forward_add_relu\(\)/);
            return true;
          },
        );
        assert.equal(bn.backwardAddRelu(floats(24, r, -1, 1)).dx.length, 24);
        const ty = new sn.Tensor(floats(24, r, -1, 1));
        bn.forward(ty, shape);
        bn.forward(ty, shape, { grad: false });
        ty.dispose();
        assert.throws(() => bn.backward(new Float32Array(24)), {
          code: 'SIMDNORM_STATE',
          message:
            'simdnorm: BatchNorm.backward: dy: expected a forward() without { grad: false } before backward(), got a forward() with { grad: false }, which keeps no x',
        });
      } finally {
        bn.dispose();
      }
    });

    test('a Tensor normalized in place is copied: backward does not need it unchanged', () => {
      const shape = [3, 4, 10];
      const n = numel(shape);
      const r = rng(11);
      const x = floats(n, r, -2, 2),
        dy = floats(n, r, -1, 1);
      const expected = copiedPath(sn, { shape, options: {} }, x, dy);
      const bn = makeModule(sn, 4, {}, false);
      const tx = new sn.Tensor(x);
      try {
        bn.forward(tx, shape, tx);
        assert.deepEqual(tx.toFloat32Array(), expected.y);
        tx.view.fill(0);
        assert.deepEqual(bn.backward(dy), expected.dx);
      } finally {
        tx.dispose();
        bn.dispose();
      }
    });

    test('a Float32Array x is copied: changing it after forward changes nothing', () => {
      const shape = [3, 4, 10];
      const n = numel(shape);
      const r = rng(12);
      const x = floats(n, r, -2, 2),
        dy = floats(n, r, -1, 1);
      const expected = copiedPath(sn, { shape, options: {} }, x, dy);
      const bn = makeModule(sn, 4, {}, false);
      try {
        bn.forward(x, shape);
        x.fill(3);
        assert.deepEqual(bn.backward(dy), expected.dx);
      } finally {
        bn.dispose();
      }
    });
  });
}
