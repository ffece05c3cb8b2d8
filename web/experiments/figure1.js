// Experiment 7: the BN paper's Figure 1 (Ioffe & Szegedy 2015, §4.1), trained live in the engine
// worker (web/runs/figure1.js): (a) test accuracy of both twins over steps, (b, c) the 15/50/85th
// percentiles of one last-hidden-layer sigmoid's input in each twin. The sentence compares this
// run's numbers with the paper's observation.
import { lineChart, twinColors, twinSeries } from '../charts.js';
import { acc3, duration, int, num, pct, rate, say } from '../format.js';
import { createRunCard } from '../run-card.js';

const $ = (id) => document.getElementById(id);
const FULL = 50000;
const STEP_CHOICES = [200, 1000, 3000, 10000, FULL];
const LR_CHOICES = [0.05, 0.1, 0.2, 0.5, 1, 2];

function percentileChart(el, color) {
  return lineChart(el, {
    height: 170,
    yLabel: 'sigmoid input',
    series: [
      { label: '15th', stroke: color, dash: [4, 3], width: 1.2 },
      { label: '50th', stroke: color, width: 1.8 },
      { label: '85th', stroke: color, dash: [4, 3], width: 1.2 },
    ],
  });
}

// The step at which `acc` first reached `target`, or null.
const firstReach = (points, twin, target) => points.find((p) => p.acc[twin] >= target)?.step ?? null;

export function createFigure1(app) {
  const { change } = app;
  const charts = {
    acc: lineChart($('fig1-chart-acc'), {
      height: 170,
      yLabel: 'test accuracy',
      series: twinSeries(),
    }),
    plain: percentileChart($('fig1-chart-plain'), twinColors.plain),
    bn: percentileChart($('fig1-chart-bn'), twinColors.bn),
  };
  let points = [];
  let frame = 0;

  say($('paper-fig1'), [
    'The paper (§4.1, Figure 1): on MNIST, a network of three fully connected hidden layers of 100 ',
    'sigmoids, batch 60, trained for 50 000 steps. The BN network reaches the higher test accuracy, ',
    'and while the plain network’s sigmoid inputs change significantly over training, in mean and ',
    'in variance, the BN network’s stay much more stable.',
  ]);
  say($('explain-fig1'), [
    'Run it: both twins start from the same weights and see the same batches of 60 MNIST digits; ',
    'test accuracy is measured on the first test images, the percentiles over those images.',
  ]);

  function draw() {
    frame = 0;
    const steps = points.map((p) => p.step);
    charts.acc.setData([steps, points.map((p) => p.acc.bn), points.map((p) => p.acc.plain)]);
    for (const twin of ['plain', 'bn']) {
      charts[twin].setData([steps, ...[0, 1, 2].map((i) => points.map((p) => p.percentiles[twin][i]))]);
    }
  }
  const redraw = () => {
    frame ||= requestAnimationFrame(draw);
  };

  function explain(done, { steps, lr }) {
    const last = points.at(-1);
    // How far the median moved after the first tenth of the run (largest − smallest), per twin.
    const late = points.filter((p) => p.step >= steps / 10);
    const drift = (twin) => {
      const m = late.map((p) => p.percentiles[twin][1]);
      return Math.max(...m) - Math.min(...m);
    };
    const band = (p, twin) => `[${num(p.percentiles[twin][0], 2)}, ${num(p.percentiles[twin][2], 2)}]`;
    const reach = (twin) => firstReach(points, twin, 0.9);
    const reachText = (twin) => (reach(twin) === null ? 'not within the run' : `at step ${int(reach(twin))}`);
    say($('explain-fig1'), [
      `This run (${int(steps)} steps, SGD at lr ${lr}, ${duration(done.seconds)} in this browser at `,
      { b: `${rate(done.stepsPerSecond)} steps/s` },
      steps === FULL
        ? ', the paper’s full length'
        : `; the paper’s ${int(FULL)} steps would take about ${duration((done.seconds * FULL) / steps)}`,
      '): the BN twin reached ',
      { b: pct(last.acc.bn, 1) },
      ' test accuracy, the plain twin ',
      { b: pct(last.acc.plain, 1) },
      ` (90 % ${reachText('bn')} with BN, ${reachText('plain')} plain). After the first tenth of the run the median `,
      'sigmoid input moved within a range of ',
      { b: num(drift('plain'), 2) },
      ' in the plain twin and ',
      { b: num(drift('bn'), 2) },
      ' in the BN twin; the 15–85th percentile band went from ',
      { b: `${band(points[0], 'plain')} to ${band(last, 'plain')}` },
      ' (plain) and from ',
      { b: `${band(points[0], 'bn')} to ${band(last, 'bn')}` },
      ' (BN).',
    ]);
  }

  function show(point) {
    $('fig1-step').textContent = String(point.step);
    $('fig1-acc-bn').textContent = acc3(point.acc.bn);
    $('fig1-acc-plain').textContent = acc3(point.acc.plain);
    ['fig1-p15', 'fig1-p50', 'fig1-p85'].forEach((id, i) => {
      $(id).textContent = point.percentiles.bn[i].toFixed(3);
    });
  }

  const card = createRunCard(app, {
    experiment: 'figure1',
    id: 'fig1',
    title: 'figure 1',
    choices: { fig1Steps: STEP_CHOICES, fig1Lr: LR_CHOICES },
    format: { fig1Steps: int },
    onRun() {
      points = [];
      draw();
    },
    on: {
      point(m) {
        points.push(m);
        show(m);
        redraw();
      },
      done(m, running) {
        draw();
        explain(m, running);
      },
    },
  });
  $('fig1-full').addEventListener('click', () => {
    change('fig1Steps', FULL);
    $('fig1-settings').elements.fig1Steps.value = String(FULL);
    card.run();
  });
  return card;
}
