// sn.batchNorm (torch.nn.functional.batch_norm semantics), sn.foldIntoLinear, stateDict
// round trips and the zero-copy Tensor path, against the float64 reference.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import init from '../../wasm/index.js';
import { activations, assertClose, backward, floats, forward, geometry, rng } from './reference.mjs';

// Same bounds as parity.test.mjs (float32 block sums, M ≤ 512 values per channel).
const FORWARD_TOL = 3e-5;
const BACKWARD_TOL = 1e-4;

// The three builds: single-thread SIMD128, scalar, SIMD128 + threads (its memory is shared).
for (const options of [{ threads: 1 }, { simd: false }, { threads: 2 }]) {
  const sn = await init(options);
  const build = sn.threads > 1 ? `${sn.isa} + threads` : sn.isa;

  describe(`batchNorm (functional, ${build})`, () => {
    for (const layout of ['channels-first', 'channels-last']) {
      const shape = layout === 'channels-first' ? [4, 6, 3, 5] : [4, 3, 5, 6];
      const g = geometry(shape, layout);

      test(`${layout}: training updates running stats in place, eval uses them`, () => {
        const r = rng(7);
        const x = activations(g, r);
        const weight = floats(g.c, r, 0.5, 1.5),
          bias = floats(g.c, r);
        const runningMean = floats(g.c, r),
          runningVar = floats(g.c, r, 0.5, 2);
        const [m0, v0] = [Float64Array.from(runningMean), Float64Array.from(runningVar)];
        const f = forward({
          x,
          g,
          weight,
          bias,
          eps: 1e-3,
          training: true,
          runningMean: m0,
          runningVar: v0,
          momentum: 0.3,
        });
        const y = sn.batchNorm(x, shape, {
          runningMean,
          runningVar,
          weight,
          bias,
          training: true,
          momentum: 0.3,
          eps: 1e-3,
          layout,
        });
        assertClose(assert, y, f.y, FORWARD_TOL, 'train y');
        assertClose(assert, runningMean, f.runningMean, FORWARD_TOL, 'runningMean updated in place');
        assertClose(assert, runningVar, f.runningVar, FORWARD_TOL, 'runningVar updated in place (unbiased)');

        const e = forward({ x, g, weight, bias, eps: 1e-3, training: false, runningMean, runningVar });
        const before = Float32Array.from(runningMean);
        const out = new Float32Array(g.numel);
        const ye = sn.batchNorm(x, shape, { runningMean, runningVar, weight, bias, eps: 1e-3, layout, out });
        assert.equal(ye, out, 'returns out');
        assertClose(assert, out, e.y, FORWARD_TOL, 'eval y');
        assert.deepEqual(runningMean, before, 'eval does not touch runningMean');
      });

      test(`${layout}: training without running stats, relu, in place (out = x)`, () => {
        const r = rng(8);
        const x = activations(g, r);
        const f = forward({ x, g, eps: 1e-5, training: true, relu: true });
        const y = sn.batchNorm(x, shape, { training: true, relu: true, layout, out: x });
        assert.equal(y, x);
        assertClose(assert, x, f.y, FORWARD_TOL, 'relu y in place');
        assert.ok(x.every((v) => v >= 0));
      });
    }
  });

  describe(`foldIntoLinear (${build})`, () => {
    test('a folded dense layer equals dense → eval BatchNorm', () => {
      const r = rng(9);
      const [out, fanIn, batch] = [5, 7, 6];
      const W = floats(out * fanIn, r),
        b = floats(out, r);
      const bn = new sn.BatchNorm(out, { eps: 1e-3 });
      try {
        bn.weight = floats(out, r, 0.5, 1.5);
        bn.bias = floats(out, r);
        bn.runningMean = floats(out, r);
        bn.runningVar = floats(out, r, 0.5, 2);
        bn.eval();
        const input = floats(batch * fanIn, r);
        const dense = (Wm, bm) =>
          Float64Array.from({ length: batch * out }, (_, k) => {
            const [n, o] = [Math.floor(k / out), k % out];
            let acc = bm ? bm[o] : 0;
            for (let i = 0; i < fanIn; i++) acc += Wm[o * fanIn + i] * input[n * fanIn + i];
            return acc;
          });
        const g = geometry([batch, out]);
        const expected = forward({
          x: dense(W, b),
          g,
          weight: bn.weight,
          bias: bn.bias,
          eps: 1e-3,
          training: false,
          runningMean: bn.runningMean,
          runningVar: bn.runningVar,
        }).y;
        for (const state of [bn, { ...bn.stateDict(), eps: 1e-3 }]) {
          const folded = sn.foldIntoLinear(W, b, state);
          assert.ok(folded.weight instanceof Float32Array && folded.weight.length === W.length);
          // Folding rounds W' once to float32: the dot products then differ by ~fanIn·2⁻²⁴.
          assertClose(assert, dense(folded.weight, folded.bias), expected, 1e-5, 'folded layer');
        }
        const noBias = sn.foldIntoLinear(W, null, bn);
        const expectedNoBias = forward({
          x: dense(W, null),
          g,
          weight: bn.weight,
          bias: bn.bias,
          eps: 1e-3,
          training: false,
          runningMean: bn.runningMean,
          runningVar: bn.runningVar,
        }).y;
        assertClose(assert, dense(noBias.weight, noBias.bias), expectedNoBias, 1e-5, 'folded layer without bias');
      } finally {
        bn.dispose();
      }
    });
  });

  describe(`state (${build})`, () => {
    test('stateDict has PyTorch keys and round-trips through loadStateDict', () => {
      const a = new sn.BatchNorm(4),
        b = new sn.BatchNorm(4);
      try {
        const r = rng(10);
        a.forward(activations(geometry([8, 4]), r), [8, 4]);
        a.weight = floats(4, r);
        const sd = a.stateDict();
        assert.deepEqual(Object.keys(sd), ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
        b.loadStateDict({ ...sd, num_batches_tracked: 1n });
        assert.deepEqual(b.stateDict(), sd);
        // The arrays are the module's own: a write lands, stateDict() copies.
        const w = b.weight;
        w[0] = 1234;
        assert.equal(b.weight[0], 1234);
        assert.equal(b.stateDict().weight[0], 1234);
        assert.notEqual(sd.weight[0], 1234);
      } finally {
        a.dispose();
        b.dispose();
      }
      const bare = new sn.BatchNorm(3, { affine: false, trackRunningStats: false });
      assert.deepEqual(bare.stateDict(), {});
      assert.equal(bare.weight, null);
      bare.dispose();
    });

    test('train() / eval() switch modes and chain', () => {
      const bn = new sn.BatchNorm(2);
      assert.equal(bn.training, true);
      assert.equal(bn.eval(), bn);
      assert.equal(bn.training, false);
      assert.equal(bn.train(), bn);
      assert.equal(bn.training, true);
      bn.train(false);
      assert.equal(bn.training, false);
      bn[Symbol.dispose]();
      assert.throws(() => bn.training, /disposed/);
    });
  });

  describe(`zero-copy Tensor (${build})`, () => {
    test('forward/backward on Tensors: same numbers as the copying API, views survive memory growth', () => {
      const shape = [16, 8, 4, 4];
      const g = geometry(shape);
      const r = rng(11);
      const x = activations(g, r),
        dy = floats(g.numel, r);
      const f = forward({
        x,
        g,
        eps: 1e-5,
        training: true,
        runningMean: new Float64Array(8),
        runningVar: new Float64Array(8).fill(1),
        momentum: 0.1,
      });
      const b = backward({ dy, x, g, f, batchStats: true });

      const bn = new sn.BatchNorm(8);
      const tx = new sn.Tensor(x),
        ty = new sn.Tensor(g.numel),
        tdy = new sn.Tensor(dy),
        tdx = new sn.Tensor(g.numel);
      try {
        const stale = ty.view;
        // Grow the heap by 64 MiB: every view taken before is detached; one of the threaded
        // build's shared memory cannot be, and keeps its old length.
        const big = new sn.Tensor(16 << 20);
        assert.equal(stale.length, sn.threads === 1 ? 0 : g.numel, 'memory growth and old views');
        big.dispose();
        assert.equal(bn.forward(tx, shape, ty), ty);
        assertClose(assert, ty.view, f.y, FORWARD_TOL, 'Tensor forward');
        assert.equal(bn.backward(tdy, tdx), tdx);
        assertClose(assert, tdx.toFloat32Array(), b.dx, BACKWARD_TOL, 'Tensor backward');
        // Mixed: Tensor in, Float32Array out, and the functional form.
        assertClose(assert, bn.forward(tx, shape), f.y, FORWARD_TOL, 'Tensor in, copy out');
        const tz = new sn.Tensor(g.numel);
        sn.batchNorm(tx, shape, { training: true, out: tz });
        assertClose(assert, tz.view, f.y, FORWARD_TOL, 'functional with Tensors');
        tz.view.fill(2);
        tz.set(x);
        assert.deepEqual(tz.toFloat32Array(), x);
        tz.dispose();
        assert.throws(() => tz.view, /Tensor\.view: this: expected a Tensor that is not disposed/);
      } finally {
        for (const t of [tx, ty, tdy, tdx]) t.dispose();
        bn.dispose();
      }
    });

    test('Tensors of a page or more start on a page', () => {
      // Two tensors allocated one after the other then share their offset in a page: the
      // kernels' stores to one never fall just above their next loads of the other (heap.js).
      const small = new sn.Tensor(3),
        x = new sn.Tensor(1024),
        y = new sn.Tensor(5000);
      try {
        assert.equal(x.view.byteOffset % 4096, 0, 'x');
        assert.equal(y.view.byteOffset % 4096, 0, 'y');
        assert.deepEqual(y.view, new Float32Array(5000), 'zero-filled');
      } finally {
        for (const t of [small, x, y]) t.dispose();
      }
    });

    test('a Tensor of another init() instance is rejected', async () => {
      const other = await init(options);
      const t = new other.Tensor(4);
      const bn = new sn.BatchNorm(2);
      assert.throws(
        () => bn.forward(t, [2, 2]),
        /x: expected a Tensor of this init\(\) instance, got a Tensor of another one/,
      );
      bn.dispose();
      t.dispose();
    });
  });
}
