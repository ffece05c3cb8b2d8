// The settings form. Each control is named after its state field (so tests and links agree) and
// reports changes through onChange(key, value). Log-scale sliders move in steps of 0.1 decades.
import { fields } from './state.js';

const selects = {
  dataset: { label: 'Dataset' },
  activation: { label: 'Activation' },
  optimizer: { label: 'Optimizer', names: { sgd: 'SGD', momentum: 'SGD + momentum', adam: 'Adam' } },
};
const logSliders = {
  lr: { label: 'Learning rate', min: -4, max: 1 },
  initScale: { label: 'Init scale', min: -2, max: 2 },
  momentum: { label: 'BN momentum', min: -3, max: 0 },
};
const lists = {
  depth: { label: 'Hidden layers', values: [1, 2, 3, 4, 5, 6] },
  width: { label: 'Width', values: [4, 8, 16, 32, 64, 128] },
  batch: { label: 'Batch size', values: [2, 4, 8, 16, 32, 64, 128, 256] },
  noise: { label: 'Label noise', values: [0, 0.05, 0.1, 0.2, 0.3] },
};

const fromLog = (v) => +(10 ** v).toPrecision(2);

function row(label, control, output) {
  const wrap = document.createElement('label');
  wrap.className = 'field';
  const text = document.createElement('span');
  text.textContent = label;
  wrap.append(text, control);
  if (output) wrap.append(output);
  return wrap;
}

function option(value, text) {
  const o = document.createElement('option');
  o.value = String(value);
  o.textContent = text ?? String(value);
  return o;
}

// Builds the controls into `form` and returns set(state) to show a state without firing events.
export function buildControls(form, onChange) {
  const setters = [];
  for (const [key, spec] of Object.entries(selects)) {
    const el = document.createElement('select');
    el.name = key;
    for (const v of fields[key][1].values) el.append(option(v, spec.names?.[v]));
    el.addEventListener('change', () => onChange(key, el.value));
    form.append(row(spec.label, el));
    setters.push((s) => {
      el.value = s[key];
    });
  }
  for (const [key, spec] of Object.entries(lists)) {
    const el = document.createElement('select');
    el.name = key;
    el.addEventListener('change', () => onChange(key, Number(el.value)));
    form.append(row(spec.label, el));
    setters.push((s) => {
      // A value from a link that is not in the list still shows (and stays selected).
      const values = [...new Set([...spec.values, s[key]])].sort((a, b) => a - b);
      el.replaceChildren(...values.map((v) => option(v)));
      el.value = String(s[key]);
    });
  }
  for (const [key, spec] of Object.entries(logSliders)) {
    const el = document.createElement('input');
    Object.assign(el, { type: 'range', name: key, min: spec.min, max: spec.max, step: 0.1 });
    const out = document.createElement('output');
    el.addEventListener('input', () => {
      out.textContent = fromLog(Number(el.value));
    });
    el.addEventListener('change', () => onChange(key, fromLog(Number(el.value))));
    form.append(row(spec.label, el, out));
    setters.push((s) => {
      el.value = String(Math.log10(s[key]));
      out.textContent = s[key];
    });
  }
  const seed = document.createElement('input');
  Object.assign(seed, { type: 'number', name: 'seed', min: 0, step: 1 });
  seed.addEventListener('change', () => {
    const v = fields.seed[1].parse(seed.value);
    if (v !== undefined) onChange('seed', v);
  });
  form.append(row('Seed', seed));
  setters.push((s) => {
    seed.value = String(s.seed);
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  return { set: (state) => setters.forEach((f) => f(state)) };
}
