// Experiment 4: the train − test accuracy gap of both twins across batch sizes (same number of
// steps each, with label noise so that memorizing the training set is possible and visible).
import { lineChart, twinColors } from '../charts.js';
import { int, num, pct, rate, say } from '../format.js';
import { createJobCard } from '../job-card.js';
import { gapBatchSizes } from '../trainer-config.js';

const $ = (id) => document.getElementById(id);

export function createGeneralization({ worker }) {
  const chart = lineChart($('chart-gap'), {
    series: [
      { label: 'BN: train − test', stroke: twinColors.bn, points: true, width: 2, scale: 'y2' },
      { label: 'plain: train − test', stroke: twinColors.plain, points: true, width: 2, scale: 'y2' },
      { label: 'BN: test acc', stroke: twinColors.bn, dash: [4, 3], points: true },
      { label: 'plain: test acc', stroke: twinColors.plain, dash: [4, 3], points: true },
    ],
    height: 190,
    xLabel: 'batch size',
    yLabel: 'test accuracy (dashed)',
    y2Label: 'train − test gap (solid)',
    y: { range: [0, 1] },
    x: { distr: 3, log: 2 },
  });
  let points = [];
  let settings = null;

  function draw() {
    chart.setData([
      points.map((p) => p.batch),
      points.map((p) => p.bn.train - p.bn.test),
      points.map((p) => p.plain.train - p.plain.test),
      points.map((p) => p.bn.test),
      points.map((p) => p.plain.test),
    ]);
  }

  const card = createJobCard(worker, 'gap', {
    point(m) {
      points.push(m);
      $('gap-progress').value = m.done / m.total;
      $('gap-status').textContent = `running ${m.done}/${m.total}`;
      $('gap-sps').textContent = rate(m.stepsPerSecond);
      draw();
    },
    done: explain,
  });

  function explain() {
    const gap = (p, v) => p[v].train - p[v].test;
    const smaller = points.filter((p) => gap(p, 'bn') < gap(p, 'plain')).length;
    const first = points[0],
      last = points[points.length - 1];
    say($('explain-gap'), [
      `Each run: ${int(settings.gapSteps)} steps, ${pct(settings.gapNoise)} label noise, at `,
      { b: `${rate(points.at(-1).stepsPerSecond)} steps/s` },
      '. ',
      'At batch size ',
      { b: String(first.batch) },
      ' the train − test gap was ',
      { b: num(gap(first, 'bn'), 2) },
      ' with BN and ',
      { b: num(gap(first, 'plain'), 2) },
      ' without; at ',
      { b: String(last.batch) },
      ' it was ',
      { b: num(gap(last, 'bn'), 2) },
      ' and ',
      { b: num(gap(last, 'plain'), 2) },
      '. BN had the smaller gap at ',
      { b: `${smaller} of ${points.length}` },
      ' batch sizes; best test accuracy: ',
      { b: pct(Math.max(...points.map((p) => p.bn.test)), 1) },
      ' with BN, ',
      { b: pct(Math.max(...points.map((p) => p.plain.test)), 1) },
      ' without.',
    ]);
  }

  return {
    show(state) {
      if (points.length) return;
      say($('explain-gap'), [
        `Run the comparison: both twins trained for ${int(state.gapSteps)} steps at batch sizes `,
        `${gapBatchSizes.join(', ')}, with ${pct(state.gapNoise)} of the labels randomized so there `,
        'is something to memorize; the gap between train and test accuracy is plotted.',
      ]);
    },
    run(state) {
      points = [];
      $('chart-gap').hidden = false;
      settings = state;
      draw();
      $('gap-progress').value = 0;
      say($('explain-gap'), ['Comparison running…']);
      card.start(state);
    },
  };
}
