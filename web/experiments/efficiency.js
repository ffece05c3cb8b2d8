// Experiment 6: training speed. Live: each twin's steps/s, timed in the worker around
// trainSteps() only (no evaluation or drawing). On demand: fresh twins of the current settings
// timed on both wasm builds in a separate worker, for the SIMD128 speed-up and BN's cost.
import { lineChart, twinColors } from '../charts.js';
import { int, num, rate, say } from '../format.js';
import { createJobCard } from '../job-card.js';

const $ = (id) => document.getElementById(id);
const KEEP = 15; // reports averaged for the headline rate (about a second of training)

export function createEfficiency({ onKernels, worker }) {
  const chart = lineChart($('chart-speed'), {
    series: [
      { label: 'BN twin', stroke: twinColors.bn },
      { label: 'plain twin', stroke: twinColors.plain },
    ],
    height: 160,
    yLabel: 'steps / s',
    y: { range: (u, min, max) => [0, max * 1.1] },
  });
  const select = $('isa-select');
  select.replaceChildren(new Option('SIMD128 build', 'simd'), new Option('scalar build (no SIMD)', 'scalar'));
  select.addEventListener('change', () => onKernels(select.value));
  let h = [[], [], []];
  let isa = null;
  const rates = new Map(); // isa → { bn: [...], plain: [...] }

  const bench = new Map(); // kernels → { isa, bn, plain }
  const card = createJobCard(worker, 'bench', {
    result(m) {
      bench.set(m.kernels, m);
      $(`bench-${m.kernels}-plain`).textContent = Number.isNaN(m.plain) ? 'diverged' : int(m.plain);
      $(`bench-${m.kernels}-bn`).textContent = Number.isNaN(m.bn) ? 'diverged' : int(m.bn);
    },
    done: explain,
  });

  function explainBench() {
    const simd = bench.get('simd'),
      scalar = bench.get('scalar');
    return [
      'Measured on fresh twins (',
      { b: `${int(simd.plain)} / ${int(simd.bn)}` },
      ' steps/s plain / BN on SIMD128, ',
      { b: `${int(scalar.plain)} / ${int(scalar.bn)}` },
      ' on the scalar build): SIMD128 is ',
      { b: `${num(simd.bn / scalar.bn, 2)}×` },
      ' faster with BN and ',
      { b: `${num(simd.plain / scalar.plain, 2)}×` },
      ' without; a BN step costs ',
      { b: `${num(simd.plain / simd.bn, 2)}×` },
      ' a plain one on SIMD128.',
    ];
  }

  function explain() {
    if (bench.size === 2) {
      say($('explain-efficiency'), explainBench());
      return;
    }
    const parts = [];
    for (const [name, r] of rates) {
      if (!r.bn.length) continue;
      const bn = avg(r.bn),
        plain = avg(r.plain);
      parts.push(
        parts.length ? ' On ' : 'On ',
        { b: name },
        ' the BN twin trains at ',
        { b: `${int(bn)} steps/s` },
        ' and the plain twin at ',
        { b: `${int(plain)}` },
        ' (a BN step takes ',
        { b: `${num(plain / bn, 2)}×` },
        ' the time of a plain one).',
      );
    }
    parts.push(' Measure both builds for the SIMD128 speed-up.');
    say($('explain-efficiency'), parts);
  }
  const avg = (a) => a.reduce((s, v) => s + v, 0) / a.length;

  return {
    runBench(state) {
      bench.clear();
      for (const k of ['simd', 'scalar']) {
        for (const v of ['plain', 'bn']) $(`bench-${k}-${v}`).textContent = '…';
      }
      card.start(state);
    },
    module({ isa: name, kernels, threads }) {
      isa = name;
      $('threads').textContent = threads;
      select.value = kernels;
      select.disabled = false;
      $('isa').textContent = name;
      if (!rates.has(name)) rates.set(name, { bn: [], plain: [] });
    },
    reset() {
      h = [[], [], []];
      chart.setData(h);
    },
    report(m) {
      if (!m.speed) return;
      h[0].push(m.step);
      h[1].push(m.speed.bn);
      h[2].push(m.speed.plain);
      chart.setData(h);
      $('sps').textContent = int(m.speed.pair);
      for (const el of document.querySelectorAll('.live-sps')) el.textContent = rate(m.speed.pair);
      const r = rates.get(isa);
      r.bn = [...r.bn, m.speed.bn].slice(-KEEP);
      r.plain = [...r.plain, m.speed.plain].slice(-KEEP);
      if (bench.size < 2) explain();
    },
  };
}
