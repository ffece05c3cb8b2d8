// The BN variants through the package on both builds: the PyTorch fixtures of
// tests/fixtures/variants replayed (ghost batches as BatchNorm2d on x.split(k), timeSteps as T
// BatchNorm1d modules with tied γ/β, sync primitives over unequal shards with an empty one as BN
// over the whole batch, add + ReLU as relu(bn(x) + z) with autograd's dz), renorm's r = 1, d = 0
// case equal to plain BN, property checks on random shapes, and the bad arguments of each entry.
//
// Tolerance: 2e-5·(1 + |expected|). The fixtures hold ≤ 72 values per channel of magnitude ≤ ~5;
// both float32 sides are within a few 1e-7 of the truth (tests/fixtures/README.md), so this is
// loose for rounding and far below any formula or layout error (O(1e-2)).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import init from '../../wasm/index.js';

const TOL = 2e-5;
const DIR = new URL('../fixtures/variants/', import.meta.url);
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort();

function readFixture(file) {
  const rec = new Map();
  for (const line of readFileSync(new URL(file, DIR), 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [key, ...tokens] = line.split(' ');
    rec.set(key, tokens);
  }
  const get = (key) => {
    if (!rec.has(key)) throw new Error(`${file}: record ${key} missing`);
    return rec.get(key);
  };
  const text = (key) => get(key)[0];
  return {
    has: (key) => rec.has(key),
    get,
    text,
    number: (key) => Number(text(key)),
    tensor: (key) => Float32Array.from(get(key), Number),
    kind: text('kind'),
    name: text('case'),
    shape: get('dims').map(Number),
    layout: text('layout') === 'channels_last' ? 'channels-last' : 'channels-first',
    eps: Number(text('eps')),
    momentum: text('momentum') === 'none' ? null : Number(text('momentum')),
    affine: text('affine') === '1',
    track: text('track_running_stats') === '1',
    steps: Number(text('steps')),
    c: Number(text('c')),
    s: Number(text('s')),
  };
}

function close(failures, what, actual, expected) {
  if (actual === null || actual.length !== expected.length) {
    failures.push(`${what}: length ${actual?.length} vs ${expected.length}`);
    return;
  }
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i],
      a = actual[i];
    if (Number.isNaN(e) ? Number.isNaN(a) : Math.abs(a - e) <= TOL * (1 + Math.abs(e))) continue;
    failures.push(`${what}[${i}]: expected ${e}, got ${a}`);
    return;
  }
}

function moduleOptions(fx, extra) {
  return {
    eps: fx.eps,
    momentum: fx.momentum,
    affine: fx.affine,
    trackRunningStats: fx.track,
    layout: fx.layout,
    ...extra,
  };
}

function loadAffine(bn, fx) {
  if (!fx.affine) return;
  bn.weight = fx.tensor('weight');
  bn.bias = fx.tensor('bias');
}

function checkGradsAndStats(failures, at, fx, k, bn, { stats = true } = {}) {
  if (fx.affine) {
    close(failures, `${at} dweight`, bn.weightGrad, fx.tensor(`dweight.${k}`));
    close(failures, `${at} dbias`, bn.biasGrad, fx.tensor(`dbias.${k}`));
  }
  if (fx.track && stats) {
    close(failures, `${at} running_mean`, bn.runningMean, fx.tensor(`running_mean.${k}`));
    close(failures, `${at} running_var`, bn.runningVar, fx.tensor(`running_var.${k}`));
    const counts = fx.get(`num_batches_tracked.${k}`).map(Number);
    assert.deepEqual([bn.numBatchesTracked].flat(), counts, `${at} num_batches_tracked`);
  }
}

const REPLAY = {
  ghost(sn, fx, failures) {
    const bn = new sn.BatchNorm(fx.c, moduleOptions(fx, { virtualBatchSize: fx.number('virtual_batch_size') }));
    loadAffine(bn, fx);
    for (let k = 0; k < fx.steps; k++) {
      bn.train(fx.text(`mode.${k}`) === 'train');
      close(failures, `step ${k} y`, bn.forward(fx.tensor(`x.${k}`), fx.shape), fx.tensor(`y.${k}`));
      close(failures, `step ${k} dx`, bn.backward(fx.tensor(`dy.${k}`)), fx.tensor(`dx.${k}`));
      checkGradsAndStats(failures, `step ${k}`, fx, k, bn);
    }
    bn.dispose();
  },
  step(sn, fx, failures) {
    const bn = new sn.BatchNorm(fx.c, moduleOptions(fx, { timeSteps: fx.number('time_steps') }));
    loadAffine(bn, fx);
    for (let k = 0; k < fx.steps; k++) {
      const timeStep = fx.number(`step.${k}`);
      bn.train(fx.text(`mode.${k}`) === 'train');
      close(failures, `call ${k} y`, bn.forward(fx.tensor(`x.${k}`), fx.shape, { timeStep }), fx.tensor(`y.${k}`));
      close(failures, `call ${k} dx`, bn.backward(fx.tensor(`dy.${k}`), { timeStep }), fx.tensor(`dx.${k}`));
      checkGradsAndStats(failures, `call ${k}`, fx, k, bn);
    }
    bn.dispose();
  },
  sync(sn, fx, failures) {
    const shards = fx.get('shards').map(Number);
    const perSample = fx.c * fx.s;
    const weight = fx.affine ? fx.tensor('weight') : null,
      bias = fx.affine ? fx.tensor('bias') : null;
    const runningMean = new Float32Array(fx.c),
      runningVar = new Float32Array(fx.c).fill(1);
    for (let k = 0; k < fx.steps; k++) {
      const x = fx.tensor(`x.${k}`),
        dy = fx.tensor(`dy.${k}`);
      let offset = 0;
      const parts = shards.map((n) => {
        const part = { shape: [n, ...fx.shape.slice(1)], from: offset, to: offset + n * perSample };
        offset = part.to;
        return part;
      });
      const opts = { layout: fx.layout };
      const moments = parts.map((p) => sn.sync.partialMoments(x.subarray(p.from, p.to), p.shape, opts));
      const merged = sn.sync.mergeMoments(moments);
      assert.equal(merged.count, fx.shape[0] * fx.s);
      const y = new Float32Array(x.length),
        dx = new Float32Array(x.length);
      const fwd = parts.map((p) =>
        sn.sync.forwardWithStats(x.subarray(p.from, p.to), p.shape, {
          mean: merged.mean,
          var: merged.var,
          weight,
          bias,
          eps: fx.eps,
          layout: fx.layout,
        }),
      );
      parts.forEach((p, i) => y.set(fwd[i].y, p.from));
      close(failures, `step ${k} y`, y, fx.tensor(`y.${k}`));
      // The running update with the merged count: batchNorm's own rule, checked through it.
      const unbias = merged.count / (merged.count - 1);
      for (let c = 0; c < fx.c; c++) {
        runningMean[c] = (1 - fx.momentum) * runningMean[c] + fx.momentum * merged.mean[c];
        runningVar[c] = (1 - fx.momentum) * runningVar[c] + fx.momentum * merged.var[c] * unbias;
      }
      close(failures, `step ${k} running_mean`, runningMean, fx.tensor(`running_mean.${k}`));
      close(failures, `step ${k} running_var`, runningVar, fx.tensor(`running_var.${k}`));
      const sums = parts.map((p) =>
        sn.sync.partialGradSums(dy.subarray(p.from, p.to), x.subarray(p.from, p.to), p.shape, merged.mean, opts),
      );
      const total = sn.sync.mergeGradSums(sums);
      let grads;
      parts.forEach((p, i) => {
        grads = sn.sync.backwardFromSums(dy.subarray(p.from, p.to), x.subarray(p.from, p.to), p.shape, {
          mean: merged.mean,
          invstd: fwd[i].invstd,
          sumDy: total.sumDy,
          sumDyXmu: total.sumDyXmu,
          count: merged.count,
          weight,
          layout: fx.layout,
        });
        dx.set(grads.dx, p.from);
      });
      close(failures, `step ${k} dx`, dx, fx.tensor(`dx.${k}`));
      if (fx.affine) {
        close(failures, `step ${k} dweight`, grads.dweight, fx.tensor(`dweight.${k}`));
        close(failures, `step ${k} dbias`, grads.dbias, fx.tensor(`dbias.${k}`));
      }
    }
  },
  add_relu(sn, fx, failures) {
    const bn = new sn.BatchNorm(fx.c, moduleOptions(fx));
    loadAffine(bn, fx);
    const runningMean = new Float32Array(fx.c),
      runningVar = new Float32Array(fx.c).fill(1);
    const weight = fx.affine ? fx.tensor('weight') : null,
      bias = fx.affine ? fx.tensor('bias') : null;
    for (let k = 0; k < fx.steps; k++) {
      const training = fx.text(`mode.${k}`) === 'train';
      bn.train(training);
      const x = fx.tensor(`x.${k}`),
        z = fx.tensor(`z.${k}`);
      close(failures, `step ${k} y`, bn.forwardAddRelu(x, z, fx.shape), fx.tensor(`y.${k}`));
      const { dx, dz } = bn.backwardAddRelu(fx.tensor(`dy.${k}`));
      close(failures, `step ${k} dx`, dx, fx.tensor(`dx.${k}`));
      close(failures, `step ${k} dz`, dz, fx.tensor(`dz.${k}`));
      checkGradsAndStats(failures, `step ${k}`, fx, k, bn);
      const { y } = sn.batchNormAddRelu(x, z, fx.shape, {
        runningMean,
        runningVar,
        weight,
        bias,
        training,
        momentum: fx.momentum,
        eps: fx.eps,
        layout: fx.layout,
      });
      close(failures, `step ${k} batchNormAddRelu y`, y, fx.tensor(`y.${k}`));
      close(failures, `step ${k} batchNormAddRelu running_mean`, runningMean, fx.tensor(`running_mean.${k}`));
    }
    bn.dispose();
  },
};

test('the variant fixtures are all there', () => {
  assert.ok(
    FILES.length >= 10,
    `only ${FILES.length} fixtures in tests/fixtures/variants; regenerate with tests/pytorch/make_fixtures.py`,
  );
});

const builds = { simd: await init({ simd: true }), scalar: await init({ simd: false }) };

// Deterministic data: a small LCG, values in [-2, 2].
function random(seed) {
  let s = seed >>> 0;
  return (n, lo = -2, hi = 2) =>
    Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return lo + (hi - lo) * (s / 2 ** 32);
    });
}

for (const [buildName, sn] of Object.entries(builds)) {
  describe(`BN variants (${buildName} build, ${sn.isa})`, () => {
    for (const file of FILES) {
      const fx = readFixture(file);
      test(`PyTorch fixture ${fx.name} (${fx.kind}, [${fx.shape}] ${fx.layout})`, () => {
        const failures = [];
        REPLAY[fx.kind](sn, fx, failures);
        assert.ok(failures.length === 0, `mismatches with PyTorch (${buildName}):\n  ${failures.join('\n  ')}`);
      });
    }

    test('renorm with rmax 1, dmax 0 equals plain BN on random shapes, both layouts', () => {
      const rnd = random(7);
      for (const [shape, layout] of [
        [[6, 5, 3, 2], 'channels-first'],
        [[4, 3, 2, 7], 'channels-last'],
        [[9, 13], 'channels-first'],
      ]) {
        const c = layout === 'channels-last' ? shape.at(-1) : shape[1];
        const plain = new sn.BatchNorm(c, { layout });
        const renorm = new sn.BatchNorm(c, { layout, renorm: { rmax: 1, dmax: 0, momentum: 0.3 } });
        const weight = rnd(c, 0.5, 1.5),
          bias = rnd(c);
        for (const bn of [plain, renorm]) {
          bn.weight = weight;
          bn.bias = bias;
        }
        for (let step = 0; step < 3; step++) {
          const n = shape.reduce((a, b) => a * b, 1);
          const x = rnd(n),
            dy = rnd(n);
          assert.deepEqual(renorm.forward(x, shape), plain.forward(x, shape));
          assert.deepEqual(renorm.backward(dy), plain.backward(dy));
          assert.deepEqual(renorm.weightGrad, plain.weightGrad);
          assert.deepEqual(renorm.runningVar, plain.runningVar);
        }
        // The moving σ moved toward the batch's σ_B: it is state, in the state dict.
        const sd = renorm.stateDict();
        assert.deepEqual(Object.keys(sd).sort(), [
          'bias',
          'num_batches_tracked',
          'renorm_mean',
          'renorm_std',
          'running_mean',
          'running_var',
          'weight',
        ]);
        assert.ok(sd.renorm_std.some((v) => v !== 1));
        const copy = new sn.BatchNorm(c, { layout, renorm: { rmax: 1, dmax: 0, momentum: 0.3 } });
        copy.loadStateDict(sd);
        assert.deepEqual(copy.renormStd, sd.renorm_std);
        for (const bn of [plain, renorm, copy]) bn.dispose();
      }
    });

    test('renorm limits follow the paper warm-up', () => {
      assert.deepEqual(sn.renormLimits(0), { rmax: 1, dmax: 0 });
      assert.deepEqual(sn.renormLimits(40000), { rmax: 3, dmax: 5 });
      const mid = sn.renormLimits(15000);
      assert.ok(Math.abs(mid.dmax - 2.5) < 1e-6 && Math.abs(mid.rmax - (1 + (2 * 10000) / 35000)) < 1e-6);
    });

    test('ghost batches of k = N equal plain BN; of k < N, chunked calls', () => {
      const rnd = random(11);
      const shape = [8, 3, 5],
        n = 8 * 3 * 5;
      const x = rnd(n),
        dy = rnd(n);
      const whole = new sn.BatchNorm(3, { virtualBatchSize: 8 }),
        plain = new sn.BatchNorm(3);
      assert.deepEqual(whole.forward(x, shape), plain.forward(x, shape));
      assert.deepEqual(whole.backward(dy), plain.backward(dy));
      const ghost = new sn.BatchNorm(3, { virtualBatchSize: 2 }),
        chunked = new sn.BatchNorm(3);
      const y = ghost.forward(x, shape),
        dx = ghost.backward(dy);
      const dgamma = new Float64Array(3);
      for (let g = 0; g < 4; g++) {
        const part = [2, 3, 5],
          m = 30;
        const yc = chunked.forward(x.subarray(g * m, (g + 1) * m), part);
        const dxc = chunked.backward(dy.subarray(g * m, (g + 1) * m));
        yc.forEach((v, i) => assert.ok(Math.abs(v - y[g * m + i]) <= 1e-6 * (1 + Math.abs(v))));
        dxc.forEach((v, i) => assert.ok(Math.abs(v - dx[g * m + i]) <= 1e-5 * (1 + Math.abs(v))));
        chunked.weightGrad.forEach((v, c) => {
          dgamma[c] += v;
        });
      }
      ghost.weightGrad.forEach((v, c) => assert.ok(Math.abs(v - dgamma[c]) <= 1e-5 * (1 + Math.abs(v))));
      assert.equal(ghost.numBatchesTracked, 4);
      for (const bn of [whole, plain, ghost, chunked]) bn.dispose();
    });

    test('forward with { grad: false }: the bits and state of forward() with ghost batches and renorm', () => {
      const rnd = random(17);
      const shape = [8, 3, 5];
      const options = { virtualBatchSize: 2, renorm: { rmax: 1.5, dmax: 0.5, momentum: 0.3 } };
      const kept = new sn.BatchNorm(3, options),
        none = new sn.BatchNorm(3, options);
      for (let step = 0; step < 3; step++) {
        const x = rnd(8 * 3 * 5);
        if (step === 2) for (const bn of [kept, none]) bn.eval();
        assert.deepEqual(none.forward(x, shape, { grad: false }), kept.forward(x, shape), `step ${step}`);
        assert.deepEqual(none.stateDict(), kept.stateDict(), `step ${step} state`);
      }
      for (const bn of [kept, none]) bn.dispose();
    });

    test('timeSteps: eval past the last trained step uses its statistics; state dict per step', () => {
      const rnd = random(5);
      const bn = new sn.BatchNorm(2, { timeSteps: 4 });
      for (let t = 0; t < 2; t++) bn.forward(rnd(12), [6, 2], { timeStep: t });
      assert.deepEqual(bn.numBatchesTracked, [1, 1, 0, 0]);
      bn.eval();
      const x = rnd(12);
      assert.deepEqual(bn.forward(x, [6, 2], { timeStep: 9 }), bn.forward(x, [6, 2], { timeStep: 1 }));
      const sd = bn.stateDict();
      assert.equal(sd.running_mean.length, 8);
      const copy = new sn.BatchNorm(2, { timeSteps: 4 });
      copy.loadStateDict(sd);
      assert.deepEqual(copy.numBatchesTracked, [1, 1, 0, 0]);
      assert.deepEqual(copy.runningVar, sd.running_var);
      bn.dispose();
      copy.dispose();
    });

    test('sync: one shard equals batchNorm, any split of the same batch agrees', () => {
      const rnd = random(3);
      const shape = [7, 4, 6],
        x = rnd(7 * 24);
      const ref = sn.batchNorm(x, shape, { training: true });
      for (const split of [[7], [0, 7], [2, 0, 5], [1, 1, 1, 4]]) {
        let from = 0;
        const parts = split.map((n) => {
          const p = { shape: [n, 4, 6], x: x.subarray(from, from + n * 24), from };
          from += n * 24;
          return p;
        });
        const merged = sn.sync.mergeMoments(parts.map((p) => sn.sync.partialMoments(p.x, p.shape)));
        assert.equal(merged.count, 42);
        for (const p of parts) {
          const { y } = sn.sync.forwardWithStats(p.x, p.shape, { mean: merged.mean, var: merged.var });
          y.forEach((v, i) => assert.ok(Math.abs(v - ref[p.from + i]) <= 1e-5 * (1 + Math.abs(v)), `split ${split}`));
        }
      }
    });

    test('bad arguments throw errors naming the argument, expected and given value', () => {
      const x = new Float32Array(12);
      const cases = [
        [() => new sn.BatchNorm(2, { renorm: { rmax: 0.5 } }), /renorm\.rmax: expected a value ≥ 1, got 0\.5/, 'RANGE'],
        [() => new sn.BatchNorm(2, { renorm: { dmax: -1 } }), /renorm\.dmax: expected a value ≥ 0, got -1/, 'RANGE'],
        [
          () => new sn.BatchNorm(2, { renorm: { rmax: '3' } }),
          /options\.renorm\.rmax: expected a number, got "3"/,
          'TYPE',
        ],
        [
          () => new sn.BatchNorm(2, { renorm: { rmx: 3 } }),
          /options\.renorm\.rmx: expected one of rmax, dmax, momentum/,
          'TYPE',
        ],
        [
          () => new sn.BatchNorm(2, { renorm: { momentum: 2 } }),
          /options\.renorm\.momentum: expected a number in \[0, 1\], got 2/,
          'RANGE',
        ],
        [
          () => new sn.BatchNorm(2, { virtualBatchSize: 4 }).forward(x, [6, 2]),
          /^simdnorm: BatchNorm\.forward: shape: expected a batch of a multiple of options\.virtualBatchSize = 4 samples \(whole ghost batches\), got 6 samples in \[6, 2\] channels-first$/,
          'SHAPE',
        ],
        [
          () => new sn.BatchNorm(2, { virtualBatchSize: -1 }),
          /options\.virtualBatchSize: expected an integer/,
          'RANGE',
        ],
        [
          () => new sn.BatchNorm(2, { timeSteps: 2, renorm: {} }),
          /options\.renorm: expected none with timeSteps/,
          'RANGE',
        ],
        [
          () => new sn.BatchNorm(2, { timeSteps: 2, virtualBatchSize: 2 }),
          /options\.virtualBatchSize: expected 0 with timeSteps/,
          'RANGE',
        ],
        [
          () => new sn.BatchNorm(2, { timeSteps: 2 }).forward(x, [6, 2], { timeStep: 2 }),
          /^simdnorm: BatchNorm\.forward: options\.timeStep: expected a time step in \[0, 2\) in training mode, got 2$/,
          'RANGE',
        ],
        [
          () => new sn.BatchNorm(2, { timeSteps: 2 }).forward(x, [6, 2]),
          /options\.timeStep: expected a time step/,
          'TYPE',
        ],
        [
          () => new sn.BatchNorm(2, { timeSteps: 2 }).forward(x, [6, 2], { timeStep: -1 }),
          /options\.timeStep: expected an integer in \[0/,
          'RANGE',
        ],
        [() => new sn.BatchNorm(2).forward(x, [6, 2], { timeStep: 0 }), /options\.timeStep: expected none/, 'STATE'],
        [
          () => new sn.BatchNorm(2, { timeSteps: 2 }).backward(x, { timeStep: 1 }),
          /options\.timeStep: expected a step whose forward\(\) came before, got 1/,
          'STATE',
        ],
        [
          () => new sn.BatchNorm(2, { relu: true }).forwardAddRelu(x, x, [6, 2]),
          /options\.relu: expected false/,
          'STATE',
        ],
        [
          () => new sn.BatchNorm(2).forwardAddRelu(x, new Float32Array(3), [6, 2]),
          /z: expected a Float32Array or Tensor of 12 floats/,
          'SHAPE',
        ],
        [
          () => new sn.BatchNorm(2).backwardAddRelu(x),
          /dy: expected a forwardAddRelu\(\) before backwardAddRelu\(\)/,
          'STATE',
        ],
        [
          () => new sn.BatchNorm(2).setRenormLimits(2, 1),
          /this: expected a BatchNorm built with options\.renorm/,
          'STATE',
        ],
        [() => sn.batchNormAddRelu(x, x, [6, 2], { relu: true }), /options\.relu: expected one of/, 'TYPE'],
        [
          () => sn.batchNormAddRelu(x, x, [6, 2]),
          /options\.runningMean: expected a Float32Array when training is false/,
          'TYPE',
        ],
        [() => sn.sync.mergeMoments([]), /parts: expected a non-empty array/, 'RANGE'],
        [
          () => sn.sync.mergeMoments([{ count: 2, mean: new Float32Array(2), m2: new Float32Array(3) }]),
          /parts\[0\]\.m2: expected a Float32Array of 2 floats/,
          'SHAPE',
        ],
        [
          () => sn.sync.mergeMoments([{ count: -1, mean: new Float32Array(2), m2: new Float32Array(2) }]),
          /parts\[0\]\.count: expected a non-negative integer, got -1/,
          'RANGE',
        ],
        [
          () => sn.sync.partialGradSums(x, x, [6, 2], new Float32Array(3)),
          /mean: expected a Float32Array or Tensor of 2 floats/,
          'SHAPE',
        ],
        [
          () =>
            sn.sync.backwardFromSums(x, x, [6, 2], {
              mean: new Float32Array(2),
              invstd: new Float32Array(2),
              sumDy: new Float32Array(2),
              sumDyXmu: new Float32Array(2),
              count: 3,
            }),
          /count: expected at least this shard's N·S = 6, got 3/,
          'SHAPE',
        ],
        [() => sn.renormLimits(-1), /renormLimits: step: expected a non-negative integer, got -1/, 'RANGE'],
      ];
      // Each error is typed (TypeError for a wrong JS type, RangeError for a value or size, Error for
      // a call the state does not allow) and carries its code (wasm/errors.js).
      const classes = { TYPE: TypeError, RANGE: RangeError, SHAPE: RangeError, STATE: Error };
      for (const [f, message, code] of cases)
        assert.throws(
          f,
          (e) => e instanceof classes[code] && e.code === sn.errorCodes[code] && message.test(e.message),
          `${message} (${code})`,
        );
    });
  });
}
