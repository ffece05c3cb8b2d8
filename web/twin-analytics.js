// What the page measures on a pair of twin trainers, outside their training loop: metrics in
// eval mode, per-layer statistics, a probe point in both inference modes, running against true
// BN statistics, decision grids. The measurements themselves run in wasm (src/nn/model_analytics.hpp
// behind sn.Trainer); this module picks them and reduces them to what the charts draw.

// Train and test metrics in eval mode (running statistics), so the curves never mix modes.
export function twinReport(t, minibatch) {
  return {
    test: t.evaluate({ split: 'test', mode: 'eval' }),
    train: t.evaluate({ split: 'train', mode: 'eval' }),
    minibatch,
    layers: t.layerStats(),
  };
}

// The probe point predicted alone (a batch of 1) with running and with batch statistics; leaves
// the trainer in `evalMode`.
export function predictBoth(t, p, evalMode) {
  const out = {};
  for (const mode of ['running', 'batch']) {
    t.setBnInference(mode);
    const r = t.predict(p.x, p.y);
    out[mode] = { label: r.label, p: r.probs[r.label] };
  }
  t.setBnInference(evalMode);
  return out;
}

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const meanAbsDiff = (a, b) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;
// Scale for mean errors: the typical magnitude of a unit's activations, sqrt(mean² + var).
const rms = (m, v) => Math.sqrt(m.reduce((s, x, i) => s + x * x + v[i], 0) / m.length) || 1;

// Per BN layer: unit 0's running and true statistics and the relative errors over all units.
export function runningStatsSummary(t) {
  return t.runningStats().map((l) => ({
    mean0: l.mean[0],
    var0: l.var[0],
    trueMean0: l.trueMean[0],
    trueVar0: l.trueVar[0],
    meanErr: meanAbsDiff(l.mean, l.trueMean) / rms(l.trueMean, l.trueVar),
    varErr: meanAbsDiff(l.var, l.trueVar) / mean(l.trueVar),
    batches: l.batches,
  }));
}

// Both twins' class probabilities on a size × size grid over `bounds`.
export function decisionGrids({ bn, plain }, size, bounds) {
  return {
    w: size,
    h: size,
    bounds,
    bn: bn.decisionGrid(size, size, bounds),
    plain: plain.decisionGrid(size, size, bounds),
  };
}
