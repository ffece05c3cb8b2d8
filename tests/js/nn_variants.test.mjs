// sn.nn's batchNorm1d/2d with the small-batch variants (renorm, virtualBatchSize), on both builds:
// the same outputs and statistics as the package's sn.BatchNorm with the same options over
// training steps and in eval mode; the nested renorm options reach the layer; typed errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import init from '../../wasm/index.js';

function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
const data = (n, seed, scale, shift) => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => shift + scale * (2 * r() - 1));
};

function throwsCoded(fn, type, code, pattern) {
  assert.throws(fn, (e) => e instanceof type && e.code === code && pattern.test(e.message));
}

for (const simd of [true, false]) {
  describe(`sn.nn BatchNorm variants (${simd ? 'simd' : 'scalar'})`, async () => {
    const sn = await init({ simd });

    const cases = [
      ['renorm', { renorm: { rmax: 1.5, dmax: 0.5, momentum: 0.2 } }],
      ['ghost batches', { virtualBatchSize: 2, momentum: null }],
      ['renorm with ghost batches', { virtualBatchSize: 4, renorm: {} }],
    ];
    for (const [name, options] of cases) {
      test(`${name}: the layer equals sn.BatchNorm with the same options`, () => {
        const [n, c, h, w] = [8, 3, 2, 3];
        const model = new sn.nn.Sequential([{ type: 'batchNorm2d', numFeatures: c, ...options }], {
          inputShape: [c, h, w],
        });
        const bn = new sn.BatchNorm(c, options);
        try {
          for (let step = 0; step < 4; step++) {
            const x = data(n * c * h * w, 10 + step, 1 + step, 0.5 * step);
            assert.deepEqual(model.forward(x), bn.forward(x, [n, c, h, w]), `step ${step}`);
          }
          const sd = model.stateDict();
          assert.deepEqual(sd['0.running_mean'], bn.runningMean);
          assert.deepEqual(sd['0.running_var'], bn.runningVar);
          assert.equal(sd['0.num_batches_tracked'][0], bn.numBatchesTracked);
          if (options.renorm) {
            assert.deepEqual(sd['0.renorm_mean'], bn.renormMean);
            assert.deepEqual(sd['0.renorm_std'], bn.renormStd);
            assert.ok(
              bn.renormMean.some((v) => v !== 0),
              'renorm statistics moved',
            );
          } else {
            assert.equal(sd['0.renorm_mean'], undefined);
          }
          model.eval();
          bn.eval();
          const x = data(5 * c * h * w, 30, 2, 1); // 5: any batch in eval mode
          assert.deepEqual(model.forward(x), bn.forward(x, [5, c, h, w]));
        } finally {
          model.dispose();
          bn.dispose();
        }
      });
    }

    test('renorm state round-trips through loadStateDict and trainStep learns with it', () => {
      const layers = [
        { type: 'linear', inFeatures: 4, outFeatures: 8, bias: false },
        { type: 'batchNorm1d', numFeatures: 8, renorm: { rmax: 3, dmax: 5 }, virtualBatchSize: 2 },
        { type: 'relu' },
        { type: 'linear', inFeatures: 8, outFeatures: 2 },
      ];
      const model = new sn.nn.Sequential(layers, { inputShape: [4], seed: 2 });
      const opt = new sn.nn.SGD(model, { lr: 0.1 });
      try {
        const x = data(16 * 4, 7, 1, 0);
        const labels = Int32Array.from({ length: 16 }, (_, i) => (x[i * 4] > 0 ? 1 : 0));
        const first = model.trainStep(x, labels, opt).loss;
        let last = first;
        for (let i = 0; i < 60; i++) last = model.trainStep(x, labels, opt).loss;
        assert.ok(last < first * 0.7, `loss ${first} → ${last}`);
        const sd = model.stateDict();
        assert.deepEqual(model.stateDictShapes()['1.renorm_std'], [8]);
        sd['1.renorm_std'] = new Float32Array(8).fill(2);
        model.loadStateDict(sd);
        assert.deepEqual(model.stateDict()['1.renorm_std'], new Float32Array(8).fill(2));
      } finally {
        opt.dispose();
        model.dispose();
      }
    });

    test('typed errors: renorm limits, nested option types, unknown options, ghost batch sizes', () => {
      const make = (extra, inputShape = [2]) =>
        new sn.nn.Sequential([{ type: 'batchNorm1d', numFeatures: 2, ...extra }], { inputShape }).dispose();
      throwsCoded(
        () => make({ renorm: { rmax: 0.5 } }),
        RangeError,
        'SIMDNORM_RANGE',
        /layer 0 \(batchNorm1d\): renorm\.rmax: expected a number in \[1, .*given 0\.5/,
      );
      throwsCoded(() => make({ renorm: { dmax: -1 } }), RangeError, 'SIMDNORM_RANGE', /renorm\.dmax: expected/);
      // JS checks the JS types; which arguments take a string is the C++'s to say.
      throwsCoded(
        () => make({ renorm: { rmax: [3] } }),
        TypeError,
        'SIMDNORM_TYPE',
        /layers\[0\]\.renorm\.rmax: expected null, a boolean, a number or a string, got/,
      );
      throwsCoded(
        () => make({ renorm: { rmax: '3' } }),
        TypeError,
        'SIMDNORM_TYPE',
        /layer 0 \(batchNorm1d\): renorm\.rmax: expected a number in \[1, .*given '3'/,
      );
      throwsCoded(
        () => make({ renorm: { rmin: 0.5 } }),
        TypeError,
        'SIMDNORM_TYPE',
        /renorm\.rmin: expected one of the arguments of batchNorm1d/,
      );
      throwsCoded(() => make({ virtualBatchSize: 1.5 }), TypeError, 'SIMDNORM_TYPE', /virtualBatchSize/);
      const model = new sn.nn.Sequential([{ type: 'batchNorm1d', numFeatures: 2, virtualBatchSize: 4 }], {
        inputShape: [2],
      });
      try {
        throwsCoded(
          () => model.forward(new Float32Array(12)),
          RangeError,
          'SIMDNORM_SHAPE',
          /layer 0 \(BatchNorm1d\): x: expected a batch that is a multiple of virtualBatchSize = 4, given 6 samples/,
        );
        assert.equal(model.stateDict()['0.num_batches_tracked'][0], 0, 'nothing changed');
        model.forward(data(16, 1, 1, 0));
        assert.equal(model.stateDict()['0.num_batches_tracked'][0], 2, 'one update per ghost batch');
      } finally {
        model.dispose();
      }
    });
  });
}
