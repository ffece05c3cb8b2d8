// Experiment 2: how each hidden layer's input distribution moves during training.
// Per layer: the plain twin's pre-activation z, the BN twin's z before BN and its activation
// input after BN, each as percentile bands over steps; and a drift number for what the
// activation sees: how far its percentiles move per 100 steps, relative to their 5–95 spread.
import { bandChart } from '../charts.js';
import { int, num, say } from '../format.js';

const $ = (id) => document.getElementById(id);
const KEYS = ['p5', 'p25', 'p50', 'p75', 'p95'];
// Drift is net movement over windows of at least WINDOW steps: long enough that mini-batch noise
// between two reports does not add up as if it were movement.
const WINDOW = 100;

const columns = [
  { twin: 'plain', field: 'act', title: 'plain twin: activation input', color: 'rgb(220,38,38)' },
  { twin: 'bn', field: 'dense', title: 'BN twin: dense output, before BN', color: 'rgb(120,120,160)' },
  { twin: 'bn', field: 'act', title: 'BN twin: after BN = activation input', color: 'rgb(37,99,235)' },
];

// Mean percentile movement per 100 steps between snapshot a and b, relative to b's spread.
export function drift(a, b, steps) {
  const spread = b.p95 - b.p5 || 1;
  const moved = KEYS.reduce((s, k) => s + Math.abs(b[k] - a[k]), 0) / KEYS.length;
  return ((moved / spread) * 100 * 100) / steps;
}

export function createShift() {
  let rows = [];
  let h;

  return {
    reset(layers) {
      const grid = $('shift-grid');
      grid.replaceChildren();
      h = { step: [], series: [] };
      rows = [];
      grid.append(document.createElement('div'));
      for (const c of columns) {
        const head = document.createElement('div');
        head.className = 'shift-head';
        head.textContent = c.title;
        grid.append(head);
      }
      for (let l = 0; l < layers; l++) {
        const label = document.createElement('div');
        label.className = 'shift-layer';
        label.textContent = `layer ${l + 1}`;
        grid.append(label);
        const charts = columns.map((c) => {
          const cell = document.createElement('div');
          cell.className = 'shift-cell';
          const caption = document.createElement('div');
          caption.className = 'shift-caption';
          const chartEl = document.createElement('div');
          cell.append(caption, chartEl);
          grid.append(cell);
          const chart = bandChart(chartEl, { color: c.color, height: 110 });
          return { chart, caption, data: [[], [], [], [], [], []] };
        });
        rows.push(charts);
      }
    },
    report(m) {
      h.step.push(m.step);
      h.series.push(m);
      const drifts = rows.map((charts, l) =>
        charts.map(({ chart, caption, data }, c) => {
          const { twin, field } = columns[c];
          const s = m[twin].layers[l][field];
          data[0] = h.step;
          KEYS.forEach((k, i) => data[i + 1].push(s[k]));
          chart.setData(data);
          const d = runDrift(l, twin, field);
          caption.textContent =
            d === null ? 'drift: –' : `drift now ${num(d.now, 2)} %, run mean ${num(d.mean, 2)} % per 100 steps`;
          return d?.mean ?? null;
        }),
      );
      explain(drifts, m.step);
    },
  };

  // Drift over the latest window (now) and averaged over back-to-back windows since the start.
  function runDrift(l, twin, field) {
    const at = (i) => h.series[i][twin].layers[l][field];
    const drifts = [];
    let end = h.step.length - 1;
    while (end > 0) {
      let i = end - 1;
      while (i > 0 && h.step[end] - h.step[i] < WINDOW) i--;
      if (h.step[end] - h.step[i] <= 0) break;
      drifts.push(drift(at(i), at(end), h.step[end] - h.step[i]));
      end = i;
    }
    if (drifts.length === 0) return null;
    return { now: drifts[0], mean: drifts.reduce((a, b) => a + b, 0) / drifts.length };
  }

  function explain(drifts, step) {
    if (drifts.length === 0 || drifts[0][0] === null) {
      say($('explain-shift'), ['Press play: the bands fill in as the networks train.']);
      return;
    }
    // The deepest layer is where shifts of earlier layers compound.
    const l = drifts.length - 1;
    const [plain, , bn] = drifts[l];
    const parts = [
      `Over ${int(step)} steps, the input of layer ${l + 1}'s activation moved on average `,
      { b: `${num(plain, 2)} %` },
      ' of its 5–95 % spread per 100 steps in the plain twin and ',
      { b: `${num(bn, 2)} %` },
      ' in the BN twin',
    ];
    const ratio = plain / bn;
    parts.push(
      Number.isFinite(ratio) && bn > 0 ? [' (', { b: `${ratio.toFixed(1)}×` }, ' as much without BN). '] : '. ',
    );
    const [, before] = drifts[l];
    parts.push(
      'Before its BN, the same layer moved ',
      { b: `${num(before, 2)} %` },
      before > bn
        ? ': here the normalization removed part of the shift the activation would otherwise see.'
        : ': here the normalization did not reduce the shift the activation sees.',
    );
    say($('explain-shift'), parts.flat());
  }
}
