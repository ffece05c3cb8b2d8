// Property tests of the package API, for both wasm builds (SIMD128 and scalar):
//  - random valid shapes, layouts and options: two training steps (forward, backward, running
//    statistics) and an eval forward agree with a plain float64 JavaScript reference written here
//    (independent of the package and of tests/js/reference.mjs), within bounds derived from the
//    float32 arithmetic of the kernels (see tolerance functions below and tests/fuzz/error_bounds.hpp);
//  - random invalid calls throw a TypeError/RangeError/Error with a code from errorCodes, whose
//    message reads "simdnorm: <fn>: <arg>: expected …, got …", and the module keeps working;
//  - none of it leaves bytes allocated on the wasm heap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import init, { errorCodes } from '../../wasm/index.js';

const VALID_CASES = 120;
const INVALID_CASES = 300;
const u = 2 ** -24; // float32 unit roundoff

// mulberry32: fixed seeds, so a failure names a case that reproduces.
function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (list) => list[Math.floor(next() * list.length)],
    bool: () => next() < 0.5,
  };
}

// ---- the float64 reference -------------------------------------------------------------------

function geometry(shape, layout) {
  const last = layout === 'channels-last' && shape.length > 2;
  const c = last ? shape.at(-1) : shape[1];
  const s = (last ? shape.slice(1, -1) : shape.slice(2)).reduce((a, b) => a * b, 1);
  const n = shape[0];
  const index = (i, ch, p) => (last ? (i * s + p) * c + ch : (i * c + ch) * s + p);
  const channel = (ch) => {
    const out = [];
    for (let i = 0; i < n; i++) for (let p = 0; p < s; p++) out.push(index(i, ch, p));
    return out;
  };
  return { n, c, s, m: n * s, numel: n * c * s, channel };
}

// One channel's batch statistics in double (two-pass).
function moments(x, idx) {
  let mean = 0;
  for (const i of idx) mean += x[i];
  mean /= idx.length;
  let v = 0,
    maxAbs = 0;
  for (const i of idx) {
    v += (x[i] - mean) ** 2;
    maxAbs = Math.max(maxAbs, Math.abs(x[i]));
  }
  return { mean, var: v / idx.length, maxAbs };
}

// Worst-case error of the float32 kernels' statistics (tests/fuzz/error_bounds.hpp, moment_bounds):
// block sums of ≤ 2048 floats, K = min(M, 2048) + 8 additions in a chain.
function momentBounds(m, st) {
  const k = Math.min(m, 2048) + 8;
  const e = k * u * st.maxAbs + u * Math.abs(st.mean);
  const shift = 8 * e * st.maxAbs + 5 * e * e;
  return { mean: e, var: (k + 4) * u * (st.var + shift) + shift };
}

// Relative error of 1/sqrt(var + eps) given the variance's error bound (ρ < ½ always holds for
// this test's well-conditioned data: |mean| ≤ 4·scale).
function invstdRelative(variance, varBound, eps) {
  const rho = (varBound + u * (variance + eps)) / (variance + eps);
  return rho / 2 + rho * rho + 3 * u;
}

// ---- one valid case ----------------------------------------------------------------------------

function randomCase(r) {
  const rank = r.int(2, 5);
  const layout = rank > 2 && r.bool() ? 'channels-last' : 'channels-first';
  const c = r.pick([1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65]);
  const spatial = Array.from({ length: rank - 2 }, () => r.int(1, 6));
  let n = r.int(1, 5);
  if (n * spatial.reduce((a, b) => a * b, 1) < 2) n = 2; // training needs N·S > 1
  const shape = layout === 'channels-last' ? [n, ...spatial, c] : [n, c, ...spatial];
  const options = {
    eps: r.pick([1e-5, 1e-3, 0.1]),
    momentum: r.pick([0.1, 0.5, 1, 0, null]),
    affine: r.bool(),
    trackRunningStats: r.bool(),
    relu: r.bool(),
    layout,
  };
  return { shape, options };
}

// x with a per-channel offset of up to 4 scales: |mean| well above std in some channels.
function randomInputs(r, g, affine) {
  const scale = Array.from({ length: g.c }, () => 10 ** (2 * r.next() - 1));
  const offset = Array.from({ length: g.c }, (_, ch) => (8 * r.next() - 4) * scale[ch]);
  const x = new Float32Array(g.numel),
    dy = new Float32Array(g.numel);
  for (let ch = 0; ch < g.c; ch++)
    for (const i of g.channel(ch)) {
      x[i] = offset[ch] + scale[ch] * (2 * r.next() - 1);
      dy[i] = 2 * r.next() - 1;
    }
  const weight = affine ? Float32Array.from({ length: g.c }, () => (r.bool() ? 1 : -1) * (0.5 + 1.5 * r.next())) : null;
  const bias = affine ? Float32Array.from({ length: g.c }, () => 2 * r.next() - 1) : null;
  return { x, dy, weight, bias };
}

function assertClose(name, got, want, tol, where) {
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= tol[i]))
      assert.fail(`${where}: ${name}[${i}] = ${got[i]}, expected ${want[i]} ± ${tol[i]} (off by ${d})`);
  }
}

// Training forward + backward of one batch against the reference; returns the batch statistics.
function checkTrainingStep(bn, g, inp, o, where) {
  const { x, dy, weight, bias } = inp;
  const y = bn.forward(x, where.shape);
  const dx = bn.backward(dy);
  const want = { y: new Float64Array(g.numel), dx: new Float64Array(g.numel) };
  const tol = { y: new Float64Array(g.numel), dx: new Float64Array(g.numel) };
  const dw = new Float64Array(g.c),
    db = new Float64Array(g.c);
  const tolDw = new Float64Array(g.c),
    tolDb = new Float64Array(g.c);
  const stats = [];
  for (let ch = 0; ch < g.c; ch++) {
    const idx = g.channel(ch);
    const st = moments(x, idx);
    const mb = momentBounds(g.m, st);
    const eps = Math.fround(o.eps);
    const inv = 1 / Math.sqrt(st.var + eps);
    const eInv = invstdRelative(st.var, mb.var, eps);
    const gamma = weight ? weight[ch] : 1,
      beta = bias ? bias[ch] : 0;
    stats.push({ ...st, bounds: mb });
    // Forward: y = (x − μ)·inv·γ + β, error terms of error_bounds.hpp normalize_bound.
    const xhat = idx.map((i) => (x[i] - st.mean) * inv);
    idx.forEach((i, k) => {
      const pre = xhat[k] * gamma + beta;
      want.y[i] = o.relu ? Math.max(pre, 0) : pre;
      tol.y[i] =
        Math.abs(gamma) * inv * (1 + eInv) * (mb.mean + u * Math.abs(x[i] - st.mean)) +
        (eInv + 2 * u) * Math.abs(gamma * xhat[k]) +
        2 * u * (Math.abs(pre) + Math.abs(beta)) +
        1e-30;
    });
    // Backward with the statistics the forward used. x̂ as the kernels see it is off by
    // δ_i = inv·(1 + ε)·(e_μ + u·|x − μ|) + ε·|x̂_i|; the ReLU mask may differ where the
    // pre-activation is within |γ|·δ_i + 8u·(|γ·x̂_i| + |β|) of 0.
    const delta = idx.map(
      (i, k) => inv * (1 + eInv) * (mb.mean + u * Math.abs(x[i] - st.mean)) + eInv * Math.abs(xhat[k]),
    );
    const ambiguous = idx.map(
      (i, k) =>
        o.relu &&
        Math.abs(xhat[k] * gamma + beta) <=
          Math.abs(gamma) * delta[k] + 8 * u * (Math.abs(gamma * xhat[k]) + Math.abs(beta)),
    );
    const grad = idx.map((i, k) => (!o.relu || xhat[k] * gamma + beta > 0 ? dy[i] : 0));
    let sg = 0,
      sgx = 0,
      sAbsG = 0,
      sAbsGx = 0,
      sDelta = 0,
      ambG = 0,
      ambGx = 0;
    idx.forEach((i, k) => {
      sg += grad[k];
      sgx += grad[k] * xhat[k];
      sAbsG += Math.abs(grad[k]);
      sAbsGx += Math.abs(grad[k] * xhat[k]);
      sDelta += Math.abs(grad[k]) * delta[k];
      if (ambiguous[k]) {
        ambG += Math.abs(dy[i]);
        ambGx += Math.abs(dy[i]) * (Math.abs(xhat[k]) + delta[k]);
      }
    });
    const m = g.m,
      kChain = Math.min(m, 2048) + 10;
    const errSg = kChain * u * sAbsG + ambG; // Σ g
    const errSgx = kChain * u * sAbsGx + sDelta + ambGx; // Σ g·x̂
    const a = gamma * inv,
      mg = sg / m,
      mgx = sgx / m;
    db[ch] = sg;
    dw[ch] = sgx;
    tolDb[ch] = errSg + u * Math.abs(sg);
    tolDw[ch] = errSgx * (1 + eInv) + eInv * Math.abs(sgx) + 2 * u * Math.abs(sgx);
    idx.forEach((i, k) => {
      const d = a * (grad[k] - mg - xhat[k] * mgx);
      want.dx[i] = d;
      tol.dx[i] =
        eInv * Math.abs(d) +
        Math.abs(a) * (errSg / m + delta[k] * Math.abs(mgx) + (Math.abs(xhat[k]) * errSgx) / m) +
        8 * u * Math.abs(a) * (Math.abs(grad[k]) + Math.abs(mg) + Math.abs(xhat[k] * mgx)) +
        (ambiguous[k] ? Math.abs(a * dy[i]) : 0) +
        1e-30;
    });
  }
  const at = `${where.text} step ${where.step}`;
  assertClose('y', y, want.y, tol.y, at);
  assertClose('dx', dx, want.dx, tol.dx, at);
  if (o.affine) {
    assertClose('weightGrad', bn.weightGrad, dw, tolDw, at);
    assertClose('biasGrad', bn.biasGrad, db, tolDb, at);
  } else {
    assert.equal(bn.weightGrad, null);
  }
  return stats;
}

// PyTorch's running-statistics update, in double, with error bounds carried along.
function updateRunning(run, stats, m, momentum, step) {
  const f = momentum === null ? 1 / step : momentum;
  stats.forEach((st, ch) => {
    run.mean[ch] = (1 - f) * run.mean[ch] + f * st.mean;
    run.var[ch] = (1 - f) * run.var[ch] + (f * st.var * m) / (m - 1);
    run.tolMean[ch] = (1 - f) * run.tolMean[ch] + f * st.bounds.mean + 2 * u * Math.abs(run.mean[ch]);
    run.tolVar[ch] = (1 - f) * run.tolVar[ch] + (f * st.bounds.var * m) / (m - 1) + 2 * u * Math.abs(run.var[ch]);
  });
}

function checkValidCase(sn, seed) {
  const r = random(seed);
  const { shape, options: o } = randomCase(r);
  const g = geometry(shape, o.layout);
  const text = `case ${seed} (${sn.isa}): shape [${shape}] ${JSON.stringify(o)}`;
  const bn = new sn.BatchNorm(g.c, o);
  try {
    const run = {
      mean: new Float64Array(g.c),
      var: new Float64Array(g.c).fill(1),
      tolMean: new Float64Array(g.c),
      tolVar: new Float64Array(g.c),
    };
    for (let step = 1; step <= 2; step++) {
      const inp = randomInputs(r, g, o.affine);
      if (o.affine) {
        bn.weight = inp.weight;
        bn.bias = inp.bias;
      }
      const stats = checkTrainingStep(bn, g, inp, o, { shape, text, step });
      if (o.trackRunningStats) updateRunning(run, stats, g.m, o.momentum, step);
    }
    if (!o.trackRunningStats) {
      assert.equal(bn.runningMean, null, `${text}: runningMean without tracking`);
      return;
    }
    assert.equal(bn.numBatchesTracked, 2, text);
    assertClose('runningMean', bn.runningMean, run.mean, run.tolMean, text);
    assertClose('runningVar', bn.runningVar, run.var, run.tolVar, text);

    // Eval mode normalizes with the running statistics: error from theirs plus 3u in 1/sqrt.
    bn.eval();
    const inp = randomInputs(r, g, o.affine);
    const y = bn.forward(inp.x, shape);
    const weight = bn.weight,
      bias = bn.bias;
    const want = new Float64Array(g.numel),
      tol = new Float64Array(g.numel);
    const eps = Math.fround(o.eps);
    for (let ch = 0; ch < g.c; ch++) {
      const rm = bn.runningMean[ch],
        rv = bn.runningVar[ch]; // the float state it uses
      const inv = 1 / Math.sqrt(rv + eps),
        gamma = weight ? weight[ch] : 1,
        beta = bias ? bias[ch] : 0;
      for (const i of g.channel(ch)) {
        const pre = (inp.x[i] - rm) * inv * gamma + beta;
        want[i] = o.relu ? Math.max(pre, 0) : pre;
        tol[i] = 6 * u * (Math.abs(pre - beta) + Math.abs(pre) + Math.abs(beta)) + 1e-30;
      }
    }
    assertClose('eval y', y, want, tol, text);
  } finally {
    bn.dispose();
  }
}

// ---- invalid calls -----------------------------------------------------------------------------

const MESSAGE = /^simdnorm: [\w.:]+: [\w.[\]]+: expected .+, got .+/s;
// The class each code comes with (wasm/errors.js).
const CLASS = {
  SIMDNORM_TYPE: TypeError,
  SIMDNORM_RANGE: RangeError,
  SIMDNORM_SHAPE: RangeError,
  SIMDNORM_STATE: Error,
};

// Each returns [what, a call that must throw]. `bn` is a live BatchNorm(4) used by some.
function randomInvalidCall(sn, r, bn) {
  const x = new Float32Array(4 * 4 * 3);
  const pick = r.int(0, 13);
  switch (pick) {
    case 0:
      return ['x of the wrong length', () => bn.forward(new Float32Array(4 * 4 * 3 + r.pick([-1, 1, 7])), [4, 4, 3])];
    case 1: {
      const c = r.pick([3, 6, 12]); // numel still 48: only C is wrong
      return ['shape C != numFeatures', () => bn.forward(x, [4, c, 48 / (4 * c)])];
    }
    case 2:
      return [
        'one value per channel in training',
        () =>
          bn.forward(
            new Float32Array(4),
            r.pick([
              [1, 4],
              [1, 4, 1],
              [1, 4, 1, 1],
            ]),
          ),
      ];
    case 3:
      return ['bad eps', () => new sn.BatchNorm(4, { eps: r.pick([0, -1e-5, NaN, Infinity, '1e-5', 1e-50]) })];
    case 4:
      return ['bad momentum', () => new sn.BatchNorm(4, { momentum: r.pick([-0.1, 1.5, NaN, '0.1', Infinity]) })];
    case 5:
      return ['bad numFeatures', () => new sn.BatchNorm(r.pick([0, -1, 1.5, NaN, 2 ** 40, '4']))];
    case 6:
      return [
        'bad shape',
        () => bn.forward(x, r.pick([[48], [1, 4, 3, 1, 1, 4], [4, 4, -3], [4, 4, 1.5], 'NCHW', null])),
      ];
    case 7:
      return ['bad layout', () => new sn.BatchNorm(4, { layout: r.pick(['NHWC', 'channels_last', '', 3]) })];
    case 8:
      return ['unknown option', () => new sn.BatchNorm(4, { momemtum: 0.1 })];
    case 9:
      return [
        'x not a Float32Array',
        () => bn.forward(r.pick([Array.from(x), new Float64Array(48), null, 'x']), [4, 4, 3]),
      ];
    case 10:
      return [
        'backward before forward',
        () => {
          const fresh = new sn.BatchNorm(4);
          try {
            return fresh.backward(x);
          } finally {
            fresh.dispose();
          }
        },
      ];
    case 11:
      return [
        'dy of the wrong length',
        () => {
          bn.forward(x, [4, 4, 3]);
          return bn.backward(new Float32Array(47));
        },
      ];
    case 12:
      return [
        'functional running stats of the wrong length',
        () => sn.batchNorm(x, [4, 4, 3], { runningMean: new Float32Array(3), runningVar: new Float32Array(4) }),
      ];
    default:
      return ['functional bad eps', () => sn.batchNorm(x, [4, 4, 3], { training: true, eps: r.pick([0, -1, NaN]) })];
  }
}

// ---- the tests ---------------------------------------------------------------------------------

for (const simd of [true, false]) {
  const variant = simd ? 'simd' : 'scalar';

  test(`random valid shapes and options agree with a float64 reference (${variant})`, async () => {
    const sn = await init({ simd });
    checkValidCase(sn, 1); // first use may allocate lasting runtime state
    const before = sn.heapInUse();
    for (let seed = 2; seed <= VALID_CASES; seed++) checkValidCase(sn, seed);
    assert.equal(sn.heapInUse(), before, 'bytes in use on the wasm heap after the valid cases');
  });

  test(`random invalid calls throw readable Errors and leak nothing (${variant})`, async () => {
    const sn = await init({ simd });
    const bn = new sn.BatchNorm(4);
    const x = Float32Array.from({ length: 48 }, (_, i) => Math.sin(i));
    bn.forward(x, [4, 4, 3]);
    const before = sn.heapInUse();
    const r = random(12345);
    for (let k = 0; k < INVALID_CASES; k++) {
      const [what, call] = randomInvalidCall(sn, r, bn);
      assert.throws(
        call,
        (e) => {
          assert.ok(e instanceof Error, `${what}: threw ${e}`);
          assert.ok(Object.values(errorCodes).includes(e.code) && e.code in CLASS, `${what}: code ${e.code}`);
          assert.equal(e.constructor, CLASS[e.code], `${what}: ${e.constructor.name} for ${e.code}`);
          assert.match(e.message, MESSAGE, `${what}: message`);
          return true;
        },
        what,
      );
      // Still usable, with the same result as before the failed call.
      const y = bn.forward(x, [4, 4, 3]);
      assert.equal(y.length, 48);
      assert.ok(y.every(Number.isFinite), `${what}: module broken after the error`);
    }
    assert.equal(sn.heapInUse(), before, 'bytes in use on the wasm heap after the invalid calls');
    bn.dispose();
  });
}
