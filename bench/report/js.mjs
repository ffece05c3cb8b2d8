// Markdown table and SVG chart of bench/js/run.mjs results: ms per call (median, min–max for
// simdnorm), and simdnorm wasm-simd128's speed-up over the fastest peer, both e2e; then the
// training-throughput table (steps/s) when the run has one.

import { readFileSync } from 'node:fs';
import { barChartSvg } from './svg-chart.mjs';
import { markdownTable } from './markdown.mjs';
import { writeReport } from './write-report.mjs';
import { floorReport } from './e2e-floor.mjs';
import { fmt, formatWithSpread, summarize } from './stats.mjs';

const OPS = ['infer', 'train_fwd', 'bwd', 'fwd_bwd'];
const OP_LABEL = { infer: 'infer', train_fwd: 'train fwd', bwd: 'bwd', fwd_bwd: 'fwd+bwd' };
const OURS = 'simdnorm wasm-simd128',
  SCALAR = 'simdnorm wasm-scalar';
const PEERS = ['TF.js wasm', 'TF.js cpu', 'onnxruntime-web wasm', 'plain JS'];
const TARGET = 4; // docs/benchmarks.md: ≥ 4× the best peer on every op × shape
const TRAINING_TARGET = 20; // docs/benchmarks.md: training steps/s ≥ 20× TF.js layers

// Steps per second of bench/js/training.mjs: simdnorm's trainers and TF.js layers, the speed-up
// of wasm-simd128 over the faster TF.js backend.
function trainingReport(training) {
  if (!training?.length) return { md: '', misses: [] };
  const c = training[0].config;
  const rows = training.map((r) => {
    const s = summarize(r.stepsPerSecond);
    return [r.peer, formatWithSpread(s, 3), String(r.steps), fmt(r.lossLast), fmt(r.testAccuracy, 2)];
  });
  const rate = (prefix) =>
    training.filter((r) => r.peer.startsWith(prefix)).map((r) => ({ r, m: summarize(r.stepsPerSecond).median }));
  const ours = rate('simdnorm wasm-simd128')[0];
  const best = rate('TF.js').reduce((a, b) => (!a || b.m > a.m ? b : a), null);
  const misses = [];
  let verdict = '';
  if (ours && best) {
    const x = ours.m / best.m;
    verdict = `simdnorm wasm-simd128: ${fmt(x)}× the steps/s of ${best.r.peer} (target ≥ ${TRAINING_TARGET}×) ${x >= TRAINING_TARGET ? '✓' : '✗'}`;
    if (x < TRAINING_TARGET) misses.push(`training ${fmt(x)}× vs ${best.r.peer}`);
  }
  const md = [
    '',
    `Training throughput: optimizer steps per second, MLP 2 → [dense → BN → ReLU] × ${c.hidden.length} (${c.hidden.join(', ')} units) → dense → softmax on the spiral set, ` +
      `SGD lr ${c.lr}, batch ${c.batchSize}, BN momentum ${c.bnMomentum}; sn.Trainer (whole step in wasm) vs TF.js layers (\`model.trainOnBatch\`, batches gathered from tensors uploaded once). ` +
      'Median (min–max) of the repetitions; loss and test accuracy after the timed steps show both sides train.',
    '',
    markdownTable(['trainer', 'steps/s', 'steps run', 'last loss', 'test accuracy'], rows),
    verdict ? `${verdict}.\n` : '',
  ].join('\n');
  return { md, misses };
}

export function jsReport(json) {
  const find = (shape, peer, op, mode) =>
    json.results.find((r) => r.shape === shape && r.peer === peer && r.op === op && r.mode === mode);
  const stat = (...k) => {
    const r = find(...k);
    return r ? summarize(r.ms) : null;
  };
  const shapes = [...new Set(json.results.map((r) => r.shape))];
  const rows = [],
    groups = [],
    misses = [],
    residentMisses = [];
  for (const shape of shapes) {
    const layout = json.results.find((r) => r.shape === shape).layout;
    for (const op of OPS) {
      const ours = stat(shape, OURS, op, 'e2e');
      if (!ours) continue;
      const resident = stat(shape, OURS, op, 'resident');
      const peers = PEERS.map((p) => ({ p, s: stat(shape, p, op, 'e2e') }));
      const best = peers.filter((x) => x.s).reduce((a, b) => (!a || b.s.median < a.s.median ? b : a), null);
      const speedup = best ? best.s.median / ours.median : NaN;
      const ok = best ? (speedup >= TARGET ? ' ✓' : ' ✗') : '';
      if (ok === ' ✗') misses.push(`${shape} ${OP_LABEL[op]} ${fmt(speedup)}× vs ${best.p}`);
      const residentSpeedup = best && resident ? best.s.median / resident.median : NaN;
      const residentOk = Number.isFinite(residentSpeedup) ? (residentSpeedup >= TARGET ? ' ✓' : ' ✗') : '';
      if (residentOk === ' ✗') residentMisses.push(`${shape} ${OP_LABEL[op]} ${fmt(residentSpeedup)}× vs ${best.p}`);
      rows.push([
        `${shape} ${layout}`,
        OP_LABEL[op],
        formatWithSpread(ours),
        resident ? fmt(resident.median) : '—',
        fmt(stat(shape, SCALAR, op, 'e2e')?.median ?? NaN),
        ...peers.map((x) => (x.s ? fmt(x.s.median) : '—')),
        best ? `${fmt(speedup)}× vs ${best.p}${ok}` : '—',
        Number.isFinite(residentSpeedup) ? `${fmt(residentSpeedup)}×${residentOk}` : '—',
      ]);
      groups.push({
        label: `${shape} ${OP_LABEL[op]}`,
        values: [
          ours.median,
          resident?.median ?? null,
          stat(shape, SCALAR, op, 'e2e')?.median ?? null,
          ...peers.map((x) => x.s?.median ?? null),
        ],
      });
    }
  }
  const train = trainingReport(json.training);
  const floor = floorReport(json);
  const c = json.context;
  const header = [
    'shape',
    'op',
    'simdnorm simd128 e2e',
    'simd128 resident',
    'simdnorm scalar e2e',
    ...PEERS.map((p) => `${p} e2e`),
    'speed-up vs best peer (≥ 4×)',
    'resident vs best peer e2e (≥ 4×)',
  ];
  const md = [
    `Machine: ${c.cpu ?? 'CPU model not recorded'}, ${c.cpus} CPUs, Node ${c.node}; load average ${c.loadavg_start.map((l) => l.toFixed(2)).join(', ')} at start, ${c.loadavg_end.map((l) => l.toFixed(2)).join(', ')} at end.`,
    `Date: ${c.date}. Command: \`node ${c.command}\` (part of \`npm run bench\`).`,
    "Milliseconds per call, median of the repetitions (min–max for simdnorm). e2e: Float32Array in → Float32Array out (TF.js: upload, op, download, dispose); resident: tensors already in the library's memory. simdnorm's inference calls pass `{ grad: false }` (no backward follows: the module keeps no copy of x). " +
      'All single-threaded. TF.js has no separate backward (autodiff only: fwd+bwd); onnxruntime-web has no BN backward and no NHWC BN; TF.js cpu runs only on S2 and S3 (seconds per call above). "—": not measured or the peer lacks the op. ' +
      '✓/✗: met/missed the targets (≥ 4× the best peer; training ≥ 20× TF.js layers), explained in [docs/benchmarks.md](/docs/benchmarks.md#targets).',
    '',
    ...(rows.length
      ? [
          markdownTable(header, rows),
          misses.length
            ? `Below the 4× target in this run: ${misses.join('; ')}.\n`
            : 'The 4× target is met on every op × shape in this run.\n',
          residentMisses.length
            ? `Resident below 4× the best peer's e2e in this run: ${residentMisses.join('; ')}.\n`
            : "Resident (`sn.Tensor`) calls are ≥ 4× the best peer's e2e on every op × shape in this run.\n",
        ]
      : []),
    floor.md,
    train.md,
  ].join('\n');
  const svg = barChartSvg({
    title: 'simdnorm wasm vs web peers in Node — ms per call (lower is better)',
    unit: 'ms per call',
    series: [`${OURS} e2e`, `${OURS} resident`, `${SCALAR} e2e`, ...PEERS.map((p) => `${p} e2e`)],
    groups,
  });
  return {
    md,
    svg,
    misses: [
      ...misses,
      ...residentMisses.map((m) => `resident ${m}`),
      ...floor.misses.map((m) => `e2e ${m} the floor`),
      ...train.misses,
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  process.stdout.write(writeReport(file, jsReport(JSON.parse(readFileSync(file, 'utf8')))));
}
