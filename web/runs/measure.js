// Measurements shared by the engine runs: the images measured on, accuracy from logits,
// percentiles of one unit, and the measurement schedule (dense at first, where curves move
// fastest, then evenly spaced).
import { labelsInt32, toTensor } from '../data/idx.js';

// The first `count` images of a split (data.test or data.train), normalized: { x, y }.
export function firstImages(data, split, count) {
  const set = data[split];
  const idx = Int32Array.from({ length: Math.min(count, set.count) }, (_, i) => i);
  return { x: toTensor(set, idx, null, { mean: data.mean, std: data.std }), y: labelsInt32(set, idx) };
}

// Share of rows whose largest logit is the label.
export function accuracy(logits, labels, classes) {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[i * classes + k] > logits[i * classes + best]) best = k;
    if (best === labels[i]) correct++;
  }
  return correct / labels.length;
}

// The q-quantiles (q in [0, 1]) of column `unit` of a row-major [rows, width] array, linearly
// interpolated between order statistics (numpy's default).
export function columnPercentiles(values, width, unit, qs) {
  const rows = values.length / width;
  const column = Float64Array.from({ length: rows }, (_, i) => values[i * width + unit]).sort();
  return qs.map((q) => {
    const at = q * (rows - 1);
    const lo = Math.floor(at);
    const hi = Math.min(rows - 1, lo + 1);
    return column[lo] + (column[hi] - column[lo]) * (at - lo);
  });
}

// The steps after which a run of `steps` measures: 0, then about `points` evenly spaced steps,
// with the first tenth of the run measured twice as densely (always ending at `steps`).
export function measureSteps(steps, points = 60) {
  const out = new Set([0, steps]);
  const every = Math.max(1, Math.round(steps / points));
  for (let s = every; s < steps; s += every) out.add(s);
  for (let s = Math.max(1, Math.round(every / 2)); s < steps / 10; s += Math.max(1, Math.round(every / 2))) out.add(s);
  return [...out].sort((a, b) => a - b);
}
