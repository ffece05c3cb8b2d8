// An independent float64 batch-norm reference in plain JavaScript (PyTorch's definitions), the
// seeded data the JS suites use, and comparison helpers. Not a test file itself.

// Tensor geometry: { n, c, s, channelsLast } as the package parses shapes.
export function geometry(shape, layout = 'channels-first') {
  const channelsLast = layout === 'channels-last' && shape.length > 2;
  const c = channelsLast ? shape.at(-1) : shape[1];
  const s = (channelsLast ? shape.slice(1, -1) : shape.slice(2)).reduce((a, b) => a * b, 1);
  return { n: shape[0], c, s, channelsLast, numel: shape[0] * c * s };
}

function index({ c: C, s: S, channelsLast }, n, c, s) {
  return channelsLast ? (n * S + s) * C + c : (n * C + c) * S + s;
}

// Indices of channel c's N·S values.
function channel(g, c) {
  const out = [];
  for (let n = 0; n < g.n; n++) for (let s = 0; s < g.s; s++) out.push(index(g, n, c, s));
  return out;
}

// Forward in double. Returns y, the statistics used (mean, invstd), the batch variance and the
// running statistics after the update (training with running stats).
export function forward({ x, g, weight, bias, eps, training, runningMean, runningVar, momentum, relu }) {
  const y = new Float64Array(x.length);
  const mean = new Float64Array(g.c),
    invstd = new Float64Array(g.c),
    batchVar = new Float64Array(g.c);
  const newMean = runningMean && Float64Array.from(runningMean);
  const newVar = runningVar && Float64Array.from(runningVar);
  const useBatch = training || !runningMean;
  for (let c = 0; c < g.c; c++) {
    const idx = channel(g, c);
    const m = idx.length;
    let mu = 0;
    for (const i of idx) mu += x[i];
    mu /= m;
    let v = 0;
    for (const i of idx) v += (x[i] - mu) ** 2;
    v /= m;
    batchVar[c] = v;
    mean[c] = useBatch ? mu : runningMean[c];
    invstd[c] = 1 / Math.sqrt((useBatch ? v : runningVar[c]) + eps);
    const gamma = weight ? weight[c] : 1,
      beta = bias ? bias[c] : 0;
    for (const i of idx) {
      const yi = (x[i] - mean[c]) * invstd[c] * gamma + beta;
      y[i] = relu ? Math.max(yi, 0) : yi;
    }
    if (training && runningMean && m > 1) {
      newMean[c] = (1 - momentum) * runningMean[c] + momentum * mu;
      newVar[c] = (1 - momentum) * runningVar[c] + (momentum * v * m) / (m - 1);
    }
  }
  return { y, mean, invstd, batchVar, runningMean: newMean, runningVar: newVar };
}

// Backward in double, given the forward's result `f`. batchStats: the forward normalized with the
// batch statistics (then mean and invstd depend on x too).
export function backward({ dy, x, g, weight, f, batchStats, relu }) {
  const dx = new Float64Array(x.length);
  const dweight = new Float64Array(g.c),
    dbias = new Float64Array(g.c);
  for (let c = 0; c < g.c; c++) {
    const idx = channel(g, c);
    const m = idx.length;
    const gamma = weight ? weight[c] : 1;
    const g_ = (i) => (relu && !(f.y[i] > 0) ? 0 : dy[i]);
    let sdy = 0,
      sdyx = 0;
    for (const i of idx) {
      const xhat = (x[i] - f.mean[c]) * f.invstd[c];
      sdy += g_(i);
      sdyx += g_(i) * xhat;
    }
    dbias[c] = sdy;
    dweight[c] = sdyx;
    for (const i of idx) {
      const xhat = (x[i] - f.mean[c]) * f.invstd[c];
      dx[i] = batchStats ? gamma * f.invstd[c] * (g_(i) - sdy / m - (xhat * sdyx) / m) : gamma * f.invstd[c] * g_(i);
    }
  }
  return { dx, dweight, dbias };
}

// Seeded uniform [0, 1) (mulberry32) and standard normals (Box–Muller).
export function rng(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

// x with a per-channel offset in [-3, 3] and scale in [0.5, 2]: realistic activations whose
// statistics differ per channel, so a channel mix-up cannot pass.
export function activations(g, r) {
  const offset = Array.from({ length: g.c }, () => 6 * r.uniform() - 3);
  const scale = Array.from({ length: g.c }, () => 0.5 + 1.5 * r.uniform());
  const x = new Float32Array(g.numel);
  for (let c = 0; c < g.c; c++) for (const i of channel(g, c)) x[i] = offset[c] + scale[c] * r.normal();
  return x;
}

export function floats(length, r, lo = -1, hi = 1) {
  return Float32Array.from({ length }, () => lo + (hi - lo) * r.uniform());
}

// Largest |actual − expected| / (1 + |expected|) (absolute near 0, relative for large values),
// with where it happened, for failure messages.
export function worst(actual, expected) {
  let err = 0,
    at = -1;
  if (actual.length !== expected.length)
    return { err: Infinity, at: -1, msg: `length ${actual.length} ≠ ${expected.length}` };
  for (let i = 0; i < actual.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
    if (!(e <= err)) {
      err = e;
      at = i;
    }
  }
  return { err, at, msg: at < 0 ? 'equal' : `index ${at}: got ${actual[at]}, expected ${expected[at]}` };
}

export function assertClose(assert, actual, expected, tol, what) {
  const w = worst(actual, expected);
  assert.ok(w.err <= tol, `${what}: error ${w.err.toExponential(2)} > ${tol} at ${w.msg}`);
}
