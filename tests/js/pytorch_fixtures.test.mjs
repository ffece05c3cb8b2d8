// The package against PyTorch 1.13: every fixture in tests/fixtures (torch.nn.BatchNorm1d/2d/3d
// + torch.relu, float32 CPU; format in tests/fixtures/README.md) replayed step by step through the
// public API on both builds — sn.BatchNorm (outputs, dx/dγ/dβ, running statistics,
// numBatchesTracked, train and eval) and sn.batchNorm (outputs and running statistics; it has no
// backward).
//
// Tolerance: |actual − expected| ≤ TORCH_TOL · magnitude, where magnitude is the size of the terms
// that make up the value, computed in float64 from the fixture's own data (never from our output):
//   * float32 unit roundoff u = 2⁻²⁴ ≈ 6e-8. A float32 sum of M terms is off by ≤ M·u·Σ|terms|;
//     the fixtures have M = N·S ≤ 40 values per channel, so ≤ 2.4e-6 of the magnitude per side
//     (PyTorch's CPU kernel accumulates the statistics in double, so it is at least as close).
//   * One normalization adds a few roundings (x − mean, ·invstd·γ, +β): ≤ 4u.
//   * The batch mean is a float32 number, off by ≤ u·mean|x|; x − mean carries that error, scaled
//     by invstd (this is what dominates `large_offset`, data near 1000 with unit spread).
//   TORCH_TOL = 2e-5 is the native suite's bound (2 × kRelTol, tests/native/tolerance.hpp): ~7×
//   the worst case above and still far below any formula, indexing or layout bug (O(1e-2)).
// Non-finite expected values (the `nonfinite` case) must match exactly: NaN where PyTorch has
// NaN, the same infinity where it has ±Infinity.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import init from '../../wasm/index.js';
import { geometry } from './reference.mjs';

const TORCH_TOL = 2e-5;
const ABS_FLOOR = 1e-30; // values exactly 0 in PyTorch that carry subnormal noise here
const MAX_REPORTED = 5;

const FIXTURES = new URL('../fixtures/', import.meta.url);

function readFixture(file) {
  const rec = new Map();
  for (const line of readFileSync(new URL(file, FIXTURES), 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [key, ...tokens] = line.split(' ');
    rec.set(key, tokens);
  }
  const get = (key) => {
    if (!rec.has(key)) throw new Error(`${file}: record ${key} missing`);
    return rec.get(key);
  };
  const text = (key) => get(key)[0];
  const number = (key) => Number(text(key));
  const flag = (key) => text(key) === '1';
  const tensor = (key) => Float32Array.from(get(key), Number);

  const layout = text('layout') === 'channels_last' ? 'channels-last' : 'channels-first';
  const shape = get('dims').map(Number);
  const g = geometry(shape, layout);
  // The package parses `dims` (memory order) into the same N, C, S the generator recorded.
  assert.deepEqual([g.n, g.c, g.s], [number('n'), number('c'), number('s')], `${file}: dims vs n c s`);
  const affine = flag('affine');
  return {
    name: text('case'),
    module: text('module'),
    shape,
    layout,
    g,
    eps: number('eps'),
    momentum: text('momentum') === 'none' ? null : number('momentum'),
    affine,
    track: flag('track_running_stats'),
    relu: flag('relu'),
    steps: number('steps'),
    weight: affine ? tensor('weight') : null,
    bias: affine ? tensor('bias') : null,
    tensor,
    text,
    number,
  };
}

const FILES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.txt'))
  .sort();

// Indices of channel c's N·S values in memory order.
function channelIndices({ n: N, c: C, s: S, channelsLast }, c) {
  const out = [];
  for (let n = 0; n < N; n++)
    for (let s = 0; s < S; s++) out.push(channelsLast ? (n * S + s) * C + c : (n * C + c) * S + s);
  return out;
}

// Per-channel float64 facts about step k's data: batch mean/variance, mean|x|, and the statistics
// the step normalizes with (batch ones, or the running ones PyTorch had before the step).
function stepStats(fx, x, runningMean, runningVar, batchStats) {
  const { g } = fx;
  return Array.from({ length: g.c }, (_, c) => {
    const idx = channelIndices(g, c);
    let mean = 0,
      meanAbs = 0;
    for (const i of idx) {
      mean += x[i];
      meanAbs += Math.abs(x[i]);
    }
    mean /= idx.length;
    meanAbs /= idx.length;
    let variance = 0;
    for (const i of idx) variance += (x[i] - mean) ** 2;
    variance /= idx.length;
    const useMean = batchStats ? mean : runningMean[c];
    const invstd = 1 / Math.sqrt((batchStats ? variance : runningVar[c]) + fx.eps);
    return {
      idx,
      meanAbs,
      mean: useMean,
      invstd,
      gamma: fx.weight ? Math.abs(fx.weight[c]) : 1,
      beta: fx.bias ? Math.abs(fx.bias[c]) : 0,
      // Error of x − mean, relative to invstd⁻¹: 1 for the O(1) x̂ plus the float32 mean's rounding.
      xscale: 1 + meanAbs * invstd,
    };
  });
}

// Magnitudes (see the header) for each record of one step.
function magnitudes(fx, stats, x, dy, expected) {
  const { g } = fx;
  const y = new Float64Array(g.numel),
    dx = new Float64Array(g.numel);
  const dweight = new Float64Array(g.c),
    dbias = new Float64Array(g.c);
  for (const [c, st] of stats.entries()) {
    let sumAbsDy = 0;
    for (const i of st.idx) sumAbsDy += Math.abs(dy[i]);
    const meanAbsDy = sumAbsDy / st.idx.length;
    dbias[c] = sumAbsDy;
    for (const i of st.idx) {
      const xhat = Math.abs((x[i] - st.mean) * st.invstd);
      y[i] = Math.abs(expected.y[i]) + st.gamma * (xhat + st.xscale) + st.beta;
      dx[i] = Math.abs(expected.dx[i]) + st.gamma * st.invstd * (Math.abs(dy[i]) + meanAbsDy * (1 + xhat)) * st.xscale;
      dweight[c] += Math.abs(dy[i]) * (xhat + st.xscale);
    }
  }
  return { y, dx, dweight, dbias };
}

// Misses of actual vs expected under the bound, as readable lines (at most MAX_REPORTED).
function misses(where, actual, expected, magnitude) {
  const out = [];
  let count = 0;
  if (actual === null || actual.length !== expected.length)
    return [`${where}: length ${actual?.length ?? 'null'}, expected ${expected.length}`];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i],
      e = expected[i];
    const bound = TORCH_TOL * magnitude[i] + ABS_FLOOR;
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= bound;
    if (ok) continue;
    if (count++ < MAX_REPORTED)
      out.push(
        `${where} index ${i}: expected ${e}, actual ${a}, ` +
          (Number.isFinite(e)
            ? `|error| ${Math.abs(a - e).toExponential(2)} > ${bound.toExponential(2)}`
            : 'non-finite values must match exactly'),
      );
  }
  if (count > MAX_REPORTED) out.push(`${where}: ... ${count} misses of ${expected.length} in all`);
  return out;
}

const runningMagnitudes = (expectedMean, expectedVar, meanScale) => ({
  mean: Array.from(expectedMean, (e, c) => Math.abs(e) + meanScale[c]),
  variance: Array.from(expectedVar, (e) => Math.abs(e)),
});

// sn.BatchNorm, exactly as a user would drive it. Returns the failure lines.
function replayModule(sn, fx, where) {
  const failures = [];
  const bn = new sn.BatchNorm(fx.g.c, {
    eps: fx.eps,
    momentum: fx.momentum,
    affine: fx.affine,
    trackRunningStats: fx.track,
    layout: fx.layout,
    relu: fx.relu,
  });
  try {
    if (fx.affine) {
      bn.weight = fx.weight;
      bn.bias = fx.bias;
    }
    let runningMean = new Float64Array(fx.g.c),
      runningVar = new Float64Array(fx.g.c).fill(1);
    const meanScale = new Float64Array(fx.g.c); // largest batch mean|x| so far, per channel
    for (let k = 0; k < fx.steps; k++) {
      const at = (record) => `${where} ${record}.${k}`;
      const training = fx.text(`mode.${k}`) === 'train';
      bn.train(training);
      const x = fx.tensor(`x.${k}`),
        dy = fx.tensor(`dy.${k}`);
      const expected = { y: fx.tensor(`y.${k}`), dx: fx.tensor(`dx.${k}`) };
      const stats = stepStats(fx, x, runningMean, runningVar, training || !fx.track);
      const mag = magnitudes(fx, stats, x, dy, expected);

      failures.push(...misses(at('y'), bn.forward(x, fx.shape), expected.y, mag.y));
      failures.push(...misses(at('dx'), bn.backward(dy), expected.dx, mag.dx));
      if (fx.affine) {
        failures.push(...misses(at('dweight'), bn.weightGrad, fx.tensor(`dweight.${k}`), mag.dweight));
        failures.push(...misses(at('dbias'), bn.biasGrad, fx.tensor(`dbias.${k}`), mag.dbias));
      } else if (bn.weightGrad !== null || bn.biasGrad !== null) {
        failures.push(`${at('dweight')}: expected null gradients with affine = false`);
      }
      if (fx.track) {
        for (const [c, st] of stats.entries()) meanScale[c] = Math.max(meanScale[c], st.meanAbs);
        const em = fx.tensor(`running_mean.${k}`),
          ev = fx.tensor(`running_var.${k}`);
        const rm = runningMagnitudes(em, ev, meanScale);
        failures.push(...misses(at('running_mean'), bn.runningMean, em, rm.mean));
        failures.push(...misses(at('running_var'), bn.runningVar, ev, rm.variance));
        const n = fx.number(`num_batches_tracked.${k}`);
        if (bn.numBatchesTracked !== n)
          failures.push(`${at('num_batches_tracked')}: expected ${n}, actual ${bn.numBatchesTracked}`);
        // The next step's eval-mode magnitudes use PyTorch's running statistics, not ours.
        [runningMean, runningVar] = [Float64Array.from(em), Float64Array.from(ev)];
      } else if (bn.runningMean !== null || bn.runningVar !== null) {
        failures.push(`${at('running_mean')}: expected null running statistics with trackRunningStats = false`);
      }
    }
  } finally {
    bn.dispose();
  }
  return failures;
}

// sn.batchNorm, as nn.BatchNorm calls F.batch_norm: batch statistics when training or when there
// are no running statistics; momentum None is the cumulative average, i.e. momentum
// 1/num_batches_tracked for the step (what PyTorch's module passes as exponential_average_factor).
function replayFunctional(sn, fx, where) {
  const failures = [];
  const runningMean = fx.track ? new Float32Array(fx.g.c) : null;
  const runningVar = fx.track ? new Float32Array(fx.g.c).fill(1) : null;
  const meanScale = new Float64Array(fx.g.c);
  let tracked = 0;
  for (let k = 0; k < fx.steps; k++) {
    const at = (record) => `${where} ${record}.${k}`;
    const training = fx.text(`mode.${k}`) === 'train';
    const x = fx.tensor(`x.${k}`),
      dy = fx.tensor(`dy.${k}`);
    const expected = { y: fx.tensor(`y.${k}`), dx: fx.tensor(`dx.${k}`) };
    const batchStats = training || !fx.track;
    const stats = stepStats(fx, x, runningMean, runningVar, batchStats);
    const mag = magnitudes(fx, stats, x, dy, expected);
    if (training && fx.track) tracked++;
    const momentum = fx.momentum ?? 1 / Math.max(tracked, 1);
    const y = sn.batchNorm(x, fx.shape, {
      runningMean,
      runningVar,
      weight: fx.weight,
      bias: fx.bias,
      training: batchStats,
      momentum,
      eps: fx.eps,
      relu: fx.relu,
      layout: fx.layout,
    });
    failures.push(...misses(at('y'), y, expected.y, mag.y));
    if (fx.track) {
      for (const [c, st] of stats.entries()) meanScale[c] = Math.max(meanScale[c], st.meanAbs);
      const em = fx.tensor(`running_mean.${k}`),
        ev = fx.tensor(`running_var.${k}`);
      const rm = runningMagnitudes(em, ev, meanScale);
      failures.push(...misses(at('running_mean'), runningMean, em, rm.mean));
      failures.push(...misses(at('running_var'), runningVar, ev, rm.variance));
      // Like the module replay, the next step starts from PyTorch's statistics, so one step's
      // error cannot hide in (or be blamed on) a later one.
      runningMean.set(em);
      runningVar.set(ev);
    }
  }
  return failures;
}

test('the fixtures are all there', () => {
  // A missing or emptied fixture directory must fail, not pass with zero cases.
  assert.ok(
    FILES.length >= 16,
    `only ${FILES.length} fixtures in tests/fixtures; regenerate with tests/pytorch/make_fixtures.py`,
  );
});

const builds = { simd: await init({ simd: true }), scalar: await init({ simd: false }) };

for (const [buildName, sn] of Object.entries(builds)) {
  describe(`PyTorch 1.13 fixtures (${buildName} build, ${sn.isa})`, () => {
    for (const file of FILES) {
      const fx = readFixture(file);
      const label = `${fx.name} (${fx.module} [${fx.shape}] ${fx.layout})`;
      test(`${label}: sn.BatchNorm, ${fx.steps} steps`, () => {
        const failures = replayModule(sn, fx, `case ${fx.name}, build ${buildName}, BatchNorm,`);
        assert.ok(failures.length === 0, `${failures.length} mismatches with PyTorch:\n  ${failures.join('\n  ')}`);
      });
      test(`${label}: sn.batchNorm, ${fx.steps} steps`, () => {
        const failures = replayFunctional(sn, fx, `case ${fx.name}, build ${buildName}, batchNorm,`);
        assert.ok(failures.length === 0, `${failures.length} mismatches with PyTorch:\n  ${failures.join('\n  ')}`);
      });
    }
  });
}
