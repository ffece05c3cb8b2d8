// Experiment 11: BN in a recurrent network. web/runs/rnn.js trains LSTMs on sequential MNIST
// without BN, with per-step recurrent BN and with statistics shared across steps; the view charts
// their test accuracy over steps and, at the end, the running mean and variance of the BN'd
// hidden-to-hidden term per time step (per-step network) against the one shared set.
import { lineChart, twinColors } from '../charts.js';
import { acc3, duration, int, num, pct, rate, say } from '../format.js';
import { createRunCard } from '../run-card.js';

const $ = (id) => document.getElementById(id);
const NAMES = { perstep: 'per-step BN', shared: 'shared BN', plain: 'no BN' };
const COLORS = { perstep: twinColors.bn, shared: '#d97706', plain: twinColors.plain };
const ORDER = ['perstep', 'shared', 'plain'];

export function createRnn(app) {
  const charts = {
    acc: lineChart($('rnn-chart-acc'), {
      height: 180,
      yLabel: 'test accuracy',
      series: ORDER.map((v) => ({ label: NAMES[v], stroke: COLORS[v] })),
    }),
    stats: lineChart($('rnn-chart-stats'), {
      height: 180,
      xLabel: 'time step t',
      yLabel: 'running variance',
      y2Label: 'running mean',
      series: [
        { label: 'per-step var', stroke: COLORS.perstep, points: true },
        { label: 'shared var', stroke: COLORS.shared },
        { label: 'per-step mean', stroke: COLORS.perstep, dash: [4, 3], scale: 'y2' },
        { label: 'shared mean', stroke: COLORS.shared, dash: [4, 3], scale: 'y2' },
      ],
    }),
  };
  let points = [];

  say($('explain-rnn'), [
    'Run it: three LSTMs read MNIST digits one row per time step (28 steps of 28 pixels), from the ',
    'same weights on the same batches: without BN, with BN statistics per time step, and with one set ',
    'of statistics shared by all steps.',
  ]);

  function drawAcc() {
    charts.acc.setData([points.map((p) => p.step), ...ORDER.map((v) => points.map((p) => p.acc[v]))]);
    const last = points.at(-1);
    for (const v of ORDER) $(`rnn-acc-${v}`).textContent = last ? acc3(last.acc[v]) : '–';
  }

  function drawStats(done) {
    const slots = done.perstep.var.length;
    const t = Array.from({ length: slots }, (_, i) => i);
    const flat = (v) => t.map(() => v);
    charts.stats.setData([t, done.perstep.var, flat(done.shared.var[0]), done.perstep.mean, flat(done.shared.mean[0])]);
  }

  function explain(done, running) {
    const last = points.at(-1);
    const v = done.perstep.var;
    const T = v.length;
    say($('explain-rnn'), [
      `This run (${int(running.steps)} steps of 32, hidden size ${running.hidden}, ${duration(done.seconds)} at `,
      { b: `${rate(done.stepsPerSecond)} steps/s` },
      ' for the three): test accuracy ',
      { b: pct(last.acc.perstep, 1) },
      ' with per-step BN, ',
      { b: pct(last.acc.shared, 1) },
      ' with shared statistics and ',
      { b: pct(last.acc.plain, 1) },
      ' without BN. The hidden-to-hidden term W_hh·h(t−1) has running variance ',
      { b: num(v[0], 2) },
      ' at step 0 (h(−1) = 0, and the blank top rows of every digit keep it nearly constant for a few steps), ',
      { b: num(v[1], 2) },
      ' at step 1 and ',
      { b: num(v[T - 1], 2) },
      ` at step ${T - 1}; the shared set averages them to `,
      { b: num(done.shared.var[0], 2) },
      ', which fits none of the early steps: that is why Cooijmans et al. keep one set per step.',
    ]);
  }

  return createRunCard(app, {
    experiment: 'rnn',
    id: 'rnn',
    title: 'recurrent BN',
    choices: { rnnSteps: [50, 100, 300, 1000, 3000], rnnLr: [0.001, 0.002, 0.005, 0.01], rnnHidden: [32, 64, 100] },
    format: { rnnSteps: int },
    onRun() {
      points = [];
      drawAcc();
    },
    on: {
      point(m) {
        points.push(m);
        drawAcc();
      },
      done(m, running) {
        drawStats(m);
        explain(m, running);
      },
    },
  });
}
