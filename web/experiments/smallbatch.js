// Experiment 10: small batches. web/runs/smallbatch.js trains no BN, plain BN, batch renorm and
// ghost batches at batch sizes 2…32; the view charts test accuracy and the train/eval gap against
// the batch size, lists them in a table, and says where plain BN fails and which variant recovers.
import { lineChart, twinColors } from '../charts.js';
import { acc3, duration, int, pct, rate, say } from '../format.js';
import { createRunCard } from '../run-card.js';

const $ = (id) => document.getElementById(id);
const BATCHES = [2, 4, 8, 32];
const GHOST = 32; // the ghost variant's batch (web/runs/smallbatch.js)
const VARIANTS = ['plain', 'bn', 'renorm', 'ghost'];
const NAMES = { plain: 'no BN', bn: 'plain BN', renorm: 'batch renorm', ghost: 'ghost batches' };
const COLORS = { plain: twinColors.plain, bn: twinColors.bn, renorm: '#16a34a', ghost: '#9333ea' };
// "Fails": test accuracy this far below the network without BN.
const FAIL_MARGIN = 0.02;

function batchChart(el, yLabel) {
  return lineChart(el, {
    height: 180,
    xLabel: 'batch size',
    yLabel,
    x: { distr: 3, log: 2 },
    series: VARIANTS.map((v) => ({ label: NAMES[v], stroke: COLORS[v], points: true })),
  });
}

export function createSmallBatch(app) {
  const charts = {
    test: batchChart($('smallbatch-chart-test'), 'test accuracy'),
    gap: batchChart($('smallbatch-chart-gap'), 'train − eval mode'),
  };
  let results = {}; // variant → batch → { test, gap }

  say($('explain-smallbatch'), [
    'Run it: the same network without BN, with plain BN, with batch renormalization and with ghost ',
    'batches, at batch sizes 2, 4, 8 and 32; then see at which size plain BN breaks and what fixes it.',
  ]);

  const cell = (v, b) => results[v]?.[b];

  function draw() {
    const series = (f) => VARIANTS.map((v) => BATCHES.map((b) => (cell(v, b) ? f(cell(v, b)) : null)));
    charts.test.setData([BATCHES, ...series((r) => r.test)]);
    charts.gap.setData([BATCHES, ...series((r) => r.gap)]);
    const rows = BATCHES.map((b) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.textContent = String(b);
      tr.append(th);
      for (const v of VARIANTS) {
        const td = document.createElement('td');
        const r = cell(v, b);
        td.textContent = r ? `${pct(r.test, 1)} (${pct(r.gap, 1)})` : '';
        if (r) td.dataset.test = acc3(r.test);
        tr.append(td);
      }
      return tr;
    });
    $('smallbatch-rows').replaceChildren(...rows);
  }

  function explain(done, running) {
    const r = (v, b) => results[v][b];
    const gap = (v, b) => r(v, b).gap;
    const fails = (v, b) => r(v, b).test < r('plain', b).test - FAIL_MARGIN;
    const failing = BATCHES.filter((b) => fails('bn', b));
    const head = [
      `This run (${int(running.steps)} batches of 32 images per network, ${duration(done.seconds)} at `,
      { b: `${rate(done.stepsPerSecond)} steps/s` },
      '): ',
    ];
    if (failing.length === 0) {
      say($('explain-smallbatch'), [
        ...head,
        'plain BN held up at every batch size: at batch 2 its test accuracy was ',
        { b: pct(r('bn', 2).test, 1) },
        ` against ${pct(r('plain', 2).test, 1)} without BN (train/eval gap `,
        { b: pct(gap('bn', 2), 1) },
        '). Try more steps or another seed.',
      ]);
      return;
    }
    const b = Math.min(...failing);
    const best = ['renorm', 'ghost'].reduce((a, v) => (r(v, b).test > r(a, b).test ? v : a));
    const other = best === 'renorm' ? 'ghost' : 'renorm';
    const recovered = !fails(best, b);
    say($('explain-smallbatch'), [
      ...head,
      failing.length === 1 ? 'plain BN fails at batch ' : 'plain BN fails at batches ',
      { b: failing.join(', ') },
      `: at batch ${b} its test accuracy (running statistics) was `,
      { b: pct(r('bn', b).test, 1) },
      ` against ${pct(r('plain', b).test, 1)} without BN; on training images its accuracy in training mode (batch statistics) differs from eval mode by `,
      { b: pct(gap('bn', b), 1) },
      '. ',
      `At batch ${b}, ${NAMES[best]} `,
      recovered ? 'recovers: ' : 'recovers the most, but not all: ',
      { b: pct(r(best, b).test, 1) },
      ` test accuracy, gap ${pct(gap(best, b), 1)}; ${NAMES[other]} reached ${pct(r(other, b).test, 1)}`,
      fails('ghost', b)
        ? ` — ghost batches of ${b} fail with gradients of ${GHOST}: the statistics of ${b} samples are what breaks BN.`
        : '.',
    ]);
  }

  return createRunCard(app, {
    experiment: 'smallbatch',
    id: 'smallbatch',
    title: 'small batches',
    choices: { smallbatchSteps: [50, 100, 300, 1000, 3000], smallbatchLr: [0.005, 0.01, 0.02, 0.05, 0.1] },
    format: { smallbatchSteps: int },
    onRun() {
      results = {};
      draw();
    },
    on: {
      result(m) {
        (results[m.variant] ??= {})[m.batch] = { gap: m.gap, test: m.test };
        draw();
      },
      done: explain,
    },
  });
}
