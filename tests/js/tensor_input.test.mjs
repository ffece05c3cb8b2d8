// BatchNorm.forward reads a Tensor x in place: backward reads it again, and nothing copies it
// unless it is about to change. Every way to write or free a Tensor between forward and backward
// must leave backward's result that of the x forward saw (float64 reference); once a backward has
// run, a write lets x go and a second backward is refused with a STATE error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import init, { errorCodes } from '../../wasm/index.js';
import { activations, assertClose, backward, floats, forward, geometry, rng } from './reference.mjs';

const TOL = 1e-4;
const builds = {
  simd: await init({ simd: true, threads: 1 }),
  scalar: await init({ simd: false }),
  threads: await init({ threads: 2 }),
};
const SHAPES = [
  { shape: [4, 3, 5, 6], layout: 'channels-first' },
  { shape: [3, 4, 5, 7], layout: 'channels-last' },
  { shape: [8, 16, 32, 32], layout: 'channels-first' }, // cut into pieces on two threads
];

// The float64 dx, dγ, dβ of a training forward on x and a backward of dy.
function expected(x, dy, g, weight, bias) {
  const f = forward({ x, g, weight, bias, eps: 1e-5, training: true });
  return backward({ dy, x, g, weight, f, batchStats: true });
}

function assertGradients(bn, dx, want, what) {
  assertClose(assert, dx, want.dx, TOL, `${what}: dx`);
  assertClose(assert, bn.weightGrad, want.dweight, TOL, `${what}: weightGrad`);
  assertClose(assert, bn.biasGrad, want.dbias, TOL, `${what}: biasGrad`);
}

// Writes that may come between forward(tx) and backward: each changes or frees tx.
const WRITES = {
  'set()': (sn, tx, fresh) => tx.set(fresh),
  'a write through view': (sn, tx, fresh) => tx.view.set(fresh),
  'a write at address': (sn, tx, fresh) => {
    const other = new sn.Tensor(1); // its view covers the heap, tx's memory too
    const buffer = other.view.buffer;
    new Float32Array(buffer, tx.address, tx.length).set(fresh);
    other.dispose();
  },
  'dispose()': (sn, tx) => tx.dispose(),
  "another BatchNorm's out": (sn, tx, fresh, dims, layout) => {
    const other = new sn.BatchNorm(geometry(dims, layout).c, { layout });
    other.forward(fresh, dims, { out: tx, grad: false });
    other.dispose();
  },
  "batchNorm's out": (sn, tx, fresh, dims, layout) => sn.batchNorm(fresh, dims, { out: tx, layout, training: true }),
};

for (const [name, sn] of Object.entries(builds))
  for (const { shape, layout } of SHAPES) {
    const g = geometry(shape, layout);
    const r = rng(7);
    const x = activations(g, r),
      dy = floats(g.numel, r),
      fresh = floats(g.numel, r, -5, 5);
    const weight = floats(g.c, r, 0.5, 1.5),
      bias = floats(g.c, r);
    const want = expected(x, dy, g, weight, bias);
    const module = () => {
      const bn = new sn.BatchNorm(g.c, { layout });
      bn.weight = weight;
      bn.bias = bias;
      return bn;
    };
    const label = `${name} ${shape.join('×')} ${layout}`;

    test(`${label}: backward reads forward's x after any write to the Tensor`, () => {
      for (const [how, write] of Object.entries(WRITES)) {
        const bn = module();
        const tx = new sn.Tensor(x);
        bn.forward(tx, shape);
        write(sn, tx, fresh, shape, layout);
        assertGradients(bn, bn.backward(dy), want, `${label}, after ${how}`);
        bn.dispose();
        tx.dispose();
      }
    });

    test(`${label}: y written over the Tensor x through a view as out`, () => {
      const bn = module();
      const tx = new sn.Tensor(x);
      bn.forward(tx, shape, tx.view);
      assertGradients(bn, bn.backward(dy), want, `${label}, out = x.view`);
      for (const t of [bn, tx]) t.dispose();
    });

    test(`${label}: dx written over the Tensor x, in place or as out`, () => {
      const bn = module();
      const tx = new sn.Tensor(x),
        tdy = new sn.Tensor(dy);
      bn.forward(tx, shape);
      assertGradients(bn, bn.backward(tdy, tx).toFloat32Array(), want, `${label}, dx into x`);
      tx.set(x);
      bn.forward(tx, shape);
      bn.backward(dy); // a second backward writing dx over x still reads x first
      assertGradients(bn, bn.backward(tdy, tx).toFloat32Array(), want, `${label}, dx into x again`);
      tx.set(x);
      bn.forward(tx, shape, { out: tx }); // y over x: the module copies x
      tx.set(fresh);
      assertGradients(bn, bn.backward(dy), want, `${label}, y over x`);
      for (const t of [bn, tx, tdy]) t.dispose();
    });

    test(`${label}: two modules read one Tensor; a write copies it for both`, () => {
      const a = module(),
        b = module();
      const tx = new sn.Tensor(x);
      a.forward(tx, shape);
      b.forward(tx, shape);
      tx.set(fresh);
      assertGradients(a, a.backward(dy), want, `${label}, first module`);
      assertGradients(b, b.backward(dy), want, `${label}, second module`);
      for (const t of [a, b, tx]) t.dispose();
    });

    test(`${label}: after backward, a write lets x go and a second backward says so`, () => {
      const bn = module();
      const tx = new sn.Tensor(x);
      bn.forward(tx, shape);
      assertGradients(bn, bn.backward(dy), want, `${label}, first backward`);
      assertGradients(bn, bn.backward(dy), want, `${label}, backward again, x unchanged`);
      tx.set(fresh);
      assert.throws(
        () => bn.backward(dy),
        (e) =>
          e.code === errorCodes.STATE &&
          e.message.startsWith('simdnorm: BatchNorm.backward: dy: ') &&
          /written or freed after a backward\(\)/.test(e.message),
      );
      tx.set(x);
      bn.forward(tx, shape);
      assertGradients(bn, bn.backward(dy), want, `${label}, after a new forward`);
      // A module disposed while it reads the Tensor no longer hears of its writes.
      bn.forward(tx, shape);
      bn.dispose();
      tx.set(fresh);
      tx.dispose();
    });
  }

// The module's copy may grow the heap, which detaches every view of it: set() from a view of
// another Tensor must still copy that Tensor's values.
test('set() from a heap view when the copy it causes grows the heap', () => {
  const sn = builds.simd;
  const n = 8 << 20; // 32 MiB: the copy does not fit what the heap has left
  const shape = [n / 128, 8, 16];
  const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 2 + (i % 8));
  const dy = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.11));
  const copied = new sn.BatchNorm(8);
  copied.forward(x, shape, new Float32Array(n));
  const want = copied.backward(dy);

  const src = new sn.Tensor(n),
    tx = new sn.Tensor(x),
    ty = new sn.Tensor(n);
  src.view.fill(1.5);
  const bn = new sn.BatchNorm(8);
  bn.forward(tx, shape, ty);
  const view = src.view;
  const bytes = view.buffer.byteLength;
  tx.set(view);
  assert.ok(src.view.buffer.byteLength > bytes, 'the copy grew the heap (else this test shows nothing)');
  assert.equal(tx.view[12345], 1.5);
  assert.deepEqual(bn.backward(dy), want);
  for (const t of [copied, bn, src, tx, ty]) t.dispose();
});
