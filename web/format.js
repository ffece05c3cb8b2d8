// How numbers read on the page: accuracies as fractions with 3 decimals in the test hooks,
// percentages and short numbers in the explanatory sentences.

export const acc3 = (v) => (Number.isFinite(v) ? v.toFixed(3) : 'NaN');
export const pct = (v, digits = 0) => (Number.isFinite(v) ? `${(100 * v).toFixed(digits)} %` : '–');
export const num = (v, digits = 3) => {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(1);
  return String(+v.toPrecision(digits));
};
export const int = (v) => Math.round(v).toLocaleString('en-US');
// Steps/s: whole numbers when large, three digits when small.
export const rate = (v) => (v >= 100 ? int(v) : num(v, 3));
// A duration in seconds as people read it: "42 s", "10.4 min".
export const duration = (seconds) => (seconds < 120 ? `${int(seconds)} s` : `${num(seconds / 60, 3)} min`);

// Fills an element with a sentence built from text and <b>measured</b> parts.
export function say(el, parts) {
  el.replaceChildren(
    ...parts.map((p) => {
      if (typeof p === 'string') return document.createTextNode(p);
      const b = document.createElement('b');
      b.textContent = p.b;
      return b;
    }),
  );
}
