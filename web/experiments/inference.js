// Experiment 5: what BN does at inference. Running vs batch statistics on the test set and on a
// single point (a batch of one has variance 0), the running mean/var approaching the statistics
// of the whole training set, and BN folded into the dense layers.
import { lineChart } from '../charts.js';
import { acc3, int, num, pct, say } from '../format.js';

const $ = (id) => document.getElementById(id);

export function createInference({ onMode, onFold }) {
  const chart = lineChart($('chart-running'), {
    series: [
      { label: 'running mean', stroke: '#2563eb', width: 2 },
      { label: 'train-set mean', stroke: '#2563eb', dash: [4, 3] },
      { label: 'running var', stroke: '#9333ea', width: 2, scale: 'y2' },
      { label: 'train-set var', stroke: '#9333ea', dash: [4, 3], scale: 'y2' },
    ],
    height: 190,
    yLabel: 'mean (layer 1, unit 1)',
    y2Label: 'variance',
  });
  let h;
  let last = null;
  let folded = null;

  for (const input of document.querySelectorAll('input[name="eval-mode"]')) {
    input.addEventListener('change', () => input.checked && onMode(input.value));
  }
  $('fold').addEventListener('click', onFold);

  function clear() {
    h = [[], [], [], [], []];
    folded = null;
    chart.setData(h);
    $('fold-result').textContent = '';
  }
  clear();

  const predicted = (r) => `class ${r.label + 1} (p = ${num(r.p, 2)})`;

  function explain() {
    const { inference: inf } = last;
    const parts = [
      'On the test set the BN twin scores ',
      { b: pct(inf.running.accuracy, 1) },
      ' with its running statistics and ',
      { b: pct(inf.batch.accuracy, 1) },
      ' when the whole test set is normalized as one batch. ',
    ];
    const one = inf.probe.bn;
    parts.push(
      `The point (${num(inf.probe.x, 2)}, ${num(inf.probe.y, 2)}) predicted alone gets `,
      { b: predicted(one.running) },
      ' with running statistics and ',
      { b: predicted(one.batch) },
      ' with batch statistics, where a batch of one has zero variance and normalizes to β. ',
    );
    const rs = inf.runningStats;
    if (rs.length) {
      const avg = (k) => rs.reduce((s, l) => s + l[k], 0) / rs.length;
      parts.push(
        'After ',
        { b: int(rs[0].batches) },
        ' batches the running means are off by ',
        { b: pct(avg('meanErr'), 1) },
        " of the activations' scale and the running variances by ",
        { b: pct(avg('varErr'), 1) },
        ' (mean over units and layers, against the current train set).',
      );
    }
    if (folded) {
      const f = folded.result;
      parts.push(
        ' Folded at step ',
        { b: int(folded.step) },
        ': predictions over ',
        { b: int(f.points) },
        ' test points differ by at most ',
        { b: num(f.maxAbsDiff, 2) },
        ' in probability, and ',
        { b: pct(f.agreement, 1) },
        ' of the predicted classes agree.',
      );
    }
    say($('explain-inference'), parts);
  }

  return {
    reset() {
      clear();
    },
    report(m) {
      last = m;
      const inf = m.inference;
      $('inf-acc-running').textContent = acc3(inf.running.accuracy);
      $('inf-acc-batch').textContent = acc3(inf.batch.accuracy);
      const cell = (r) => `class ${r.label + 1}, p ${num(r.p, 2)}`;
      $('inf-one-running').textContent = cell(inf.probe.bn.running);
      $('inf-one-batch').textContent = cell(inf.probe.bn.batch);
      const l0 = inf.runningStats[0];
      if (l0) {
        h[0].push(m.step);
        h[1].push(l0.mean0);
        h[2].push(l0.trueMean0);
        h[3].push(l0.var0);
        h[4].push(l0.trueVar0);
        chart.setData(h);
      }
      explain();
    },
    fold(m) {
      folded = m;
      const f = m.result;
      $('fold-result').textContent = f.folded
        ? `max |Δp| = ${num(f.maxAbsDiff, 2)}, max |Δlogit| = ${num(f.maxLogitDiff, 2)}, ` +
          `argmax agreement ${pct(f.agreement, 1)} over ${f.points} points (step ${m.step})`
        : 'nothing to fold: this network has no BN';
      if (last) explain();
    },
  };
}
