// Summary statistics the benchmark reports quote: medians with their spread.

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// { median, min, max, n } of a non-empty list.
export function summarize(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

// "1.23 (1.10–1.40)": median, then the range of the repetitions.
export function formatWithSpread(s, digits = 3, scale = 1) {
  const f = (x) => fmt(x * scale, digits);
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

// Three significant digits, no exponent for the ranges benchmarks produce.
export function fmt(x, digits = 3) {
  if (!Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - mag);
  return x.toFixed(Math.min(decimals, 6));
}
