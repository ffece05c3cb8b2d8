// Experiment 1: loss and accuracy of both twins over steps, their decision regions, and the
// first measured step at which each reached 90 % test accuracy.
import { lineChart, twinColors } from '../charts.js';
import { acc3, int, num, pct, say } from '../format.js';
import { drawBoundary, drawProbe } from '../heatmap.js';

const $ = (id) => document.getElementById(id);
const TARGET = 0.9;

export function createConvergence({ onProbe }) {
  const series = () => [
    { label: 'BN train ╌', stroke: twinColors.bn, dash: [4, 3] },
    { label: 'BN test', stroke: twinColors.bn },
    { label: 'plain train ╌', stroke: twinColors.plain, dash: [4, 3] },
    { label: 'plain test', stroke: twinColors.plain },
  ];
  const lossChart = lineChart($('chart-loss'), {
    series: series(),
    yLabel: 'cross-entropy',
    height: 160,
    y: { distr: 3 },
    legend: false,
  });
  const accChart = lineChart($('chart-acc'), {
    series: series(),
    yLabel: 'accuracy',
    height: 170,
    y: { range: [0, 1] },
  });
  let h, data, reached, lastGrid;
  let probe = null;

  function clear() {
    h = { step: [], loss: [[], [], [], []], acc: [[], [], [], []] };
    reached = { bn: null, plain: null };
    lastGrid = null;
    lossChart.setData([[], [], [], [], []]);
    accChart.setData([[], [], [], [], []]);
  }
  clear();

  for (const twin of ['bn', 'plain']) {
    $(`boundary-${twin}`).addEventListener('click', (e) => {
      if (!lastGrid) return;
      const r = e.currentTarget.getBoundingClientRect();
      const b = lastGrid.bounds;
      onProbe({
        x: b.xMin + ((e.clientX - r.left) / r.width) * (b.xMax - b.xMin),
        y: b.yMax - ((e.clientY - r.top) / r.height) * (b.yMax - b.yMin),
      });
    });
  }

  function points(split) {
    const x = new Float32Array(split.labels.length);
    const y = new Float32Array(split.labels.length);
    for (let i = 0; i < x.length; i++) {
      x[i] = split.x[2 * i];
      y[i] = split.x[2 * i + 1];
    }
    return { x, y, label: split.labels };
  }

  function drawGrids() {
    if (!lastGrid || !data) return;
    for (const twin of ['bn', 'plain']) {
      const canvas = $(`boundary-${twin}`);
      drawBoundary(
        canvas,
        {
          probs: lastGrid[twin],
          gridW: lastGrid.w,
          gridH: lastGrid.h,
          classes: data.classes,
          extent: lastGrid.bounds,
        },
        data.points,
      );
      if (twin === 'bn') drawProbe(canvas, lastGrid.bounds, probe);
    }
  }
  // The decision regions are canvases redrawn whole: once per frame at most.
  let frame = 0;
  const redrawGrids = () => {
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      drawGrids();
    });
  };
  new ResizeObserver(redrawGrids).observe($('boundary-bn'));

  return {
    reset(dataset) {
      clear();
      // Train points drawn; the test points are held out and would only clutter the regions.
      data = { classes: dataset.classes, points: points(dataset.train) };
    },
    report(m) {
      const { bn, plain, step } = m;
      h.step.push(step);
      [bn.train.loss, bn.test.loss, plain.train.loss, plain.test.loss].forEach((v, i) =>
        h.loss[i].push(Number.isFinite(v) ? v : null),
      );
      [bn.train.accuracy, bn.test.accuracy, plain.train.accuracy, plain.test.accuracy].forEach((v, i) =>
        h.acc[i].push(v),
      );
      for (const [twin, r] of [
        ['bn', bn],
        ['plain', plain],
      ]) {
        if (reached[twin] === null && r.test.accuracy >= TARGET) reached[twin] = step;
      }
      lossChart.setData([h.step, ...h.loss]);
      accChart.setData([h.step, ...h.acc]);
      $('step').textContent = String(step);
      $('acc-bn').textContent = acc3(m.bnSelected.accuracy);
      $('acc-plain').textContent = acc3(plain.test.accuracy);
      $('loss-bn').textContent = num(m.bnSelected.loss);
      $('loss-plain').textContent = num(plain.test.loss);
      $('acc-bn-mode').textContent = m.evalMode === 'running' ? 'running stats' : 'batch stats';
      $('t90-bn').textContent = reached.bn === null ? 'not yet' : `step ${int(reached.bn)}`;
      $('t90-plain').textContent = reached.plain === null ? 'not yet' : `step ${int(reached.plain)}`;
      const lastProbe = probe;
      probe = m.inference.probe;
      explain(step, bn, plain);
      if (probe?.x !== lastProbe?.x || probe?.y !== lastProbe?.y) redrawGrids();
    },
    grid(g) {
      lastGrid = g;
      redrawGrids();
    },
  };

  function explain(step, bn, plain) {
    const parts = [
      'After ',
      { b: int(step) },
      ' steps the BN twin classifies ',
      { b: pct(bn.test.accuracy, 1) },
      ' of the held-out points (loss ',
      { b: num(bn.test.loss) },
      '), the plain twin ',
      { b: pct(plain.test.accuracy, 1) },
      ' (loss ',
      { b: num(plain.test.loss) },
      '). ',
    ];
    const at = (s) => (s === null ? { b: 'not yet' } : { b: `at step ${int(s)}` });
    parts.push('90 % test accuracy: BN ', at(reached.bn), ', plain ', at(reached.plain));
    if (reached.bn !== null && reached.plain !== null && reached.bn > 0) {
      parts.push(' — ', { b: `${num(reached.plain / reached.bn, 2)}×` }, ' the steps without BN.');
    } else {
      parts.push('.');
    }
    say($('explain-convergence'), parts);
  }
}
