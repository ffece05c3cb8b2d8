// Experiment 9: fewer hyperparameters to tune. A random search (web/runs/hparam.js) trains the
// same sampled configurations with and without BN; the view lists each configuration's final
// test accuracies, the share of configurations that reach the target, and the distribution of
// final accuracies of both twins (a histogram).
import { lineChart, twinSeries } from '../charts.js';
import { duration, int, num, pct, rate, say } from '../format.js';
import { createRunCard } from '../run-card.js';

const $ = (id) => document.getElementById(id);
const BINS = 10; // accuracy histogram: [0, 0.1), …, [0.9, 1]
const OPTIMIZER_NAMES = { sgd: 'SGD', momentum: 'SGD + momentum', adam: 'Adam' };

export function createHparam(app) {
  const chart = lineChart($('hparam-chart'), {
    height: 180,
    xLabel: 'final test accuracy',
    yLabel: 'configurations',
    x: { range: [0, 1] },
    series: twinSeries({ points: true }),
  });
  let results = [];
  let target = app.state.hparamTarget; // of the run shown

  say($('explain-hparam'), [
    'Run the search: random configurations (learning rate, init scale, optimizer, batch size), each ',
    'trained with and without BN from the same start on the same batches; then count how many reach ',
    'the target test accuracy.',
  ]);

  function draw() {
    const centres = Array.from({ length: BINS }, (_, b) => (b + 0.5) / BINS);
    const histogram = (twin) => {
      const h = new Array(BINS).fill(0);
      for (const r of results) h[Math.min(BINS - 1, Math.floor(r.acc[twin] * BINS))]++;
      return h;
    };
    chart.setData([centres, histogram('bn'), histogram('plain')]);
    const rows = results.map((r) => {
      const tr = document.createElement('tr');
      const cells = [
        int(r.config.index + 1),
        num(r.config.lr, 2),
        num(r.config.initScale, 2),
        OPTIMIZER_NAMES[r.config.optimizer],
        int(r.config.batch),
        pct(r.acc.bn, 1),
        pct(r.acc.plain, 1),
      ];
      for (const [i, c] of cells.entries()) {
        const td = document.createElement('td');
        td.textContent = c;
        if (i === 5 && r.acc.bn >= target) td.className = 'reached';
        if (i === 6 && r.acc.plain >= target) td.className = 'reached';
        tr.append(td);
      }
      return tr;
    });
    $('hparam-rows').replaceChildren(...rows);
  }

  function explain(done, { steps }) {
    const reached = (twin) => results.filter((r) => r.acc[twin] >= target).length;
    const median = (twin) => {
      const a = results.map((r) => r.acc[twin]).sort((x, y) => x - y);
      return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    };
    say($('explain-hparam'), [
      `This search (${results.length} configurations × ${int(steps)} steps, ${duration(done.seconds)} at `,
      { b: `${rate(done.stepsPerSecond)} steps/s` },
      `): ${pct(target)} test accuracy was reached by `,
      { b: `${reached('bn')} of ${results.length}` },
      ' configurations with BN and ',
      { b: `${reached('plain')} of ${results.length}` },
      ' without; the median final accuracy was ',
      { b: pct(median('bn'), 1) },
      ' with BN and ',
      { b: pct(median('plain'), 1) },
      ' plain.',
    ]);
  }

  return createRunCard(app, {
    experiment: 'hparam',
    id: 'hparam',
    title: 'hyperparameter search',
    choices: { hparamCount: [4, 12, 24, 48], hparamSteps: [50, 200, 500, 1000], hparamTarget: [0.8, 0.9, 0.95] },
    format: { hparamTarget: (v) => pct(v) },
    onRun(running) {
      results = [];
      target = running.target;
      draw();
    },
    on: {
      config(m) {
        results.push(m);
        draw();
      },
      done: explain,
    },
  });
}
