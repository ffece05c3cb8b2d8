// Markdown table and SVG chart of bench/js/run.mjs results: ms per call (median, min–max for
// simdnorm), and simdnorm wasm-simd128's speed-up over the fastest peer, both e2e.

import { readFileSync, writeFileSync } from 'node:fs';
import { barChartSvg } from './svg-chart.mjs';
import { markdownTable } from './markdown.mjs';
import { fmt, formatWithSpread, summarize } from './stats.mjs';

const OPS = ['infer', 'train_fwd', 'bwd', 'fwd_bwd'];
const OP_LABEL = { infer: 'infer', train_fwd: 'train fwd', bwd: 'bwd', fwd_bwd: 'fwd+bwd' };
const OURS = 'simdnorm wasm-simd128', SCALAR = 'simdnorm wasm-scalar';
const PEERS = ['TF.js wasm', 'TF.js cpu', 'onnxruntime-web wasm', 'plain JS'];
const TARGET = 4; // issue 5: ≥ 4× the best peer on every op × shape

export function jsReport(json) {
  const find = (shape, peer, op, mode) => json.results.find((r) => r.shape === shape && r.peer === peer && r.op === op && r.mode === mode);
  const stat = (...k) => { const r = find(...k); return r ? summarize(r.ms) : null; };
  const shapes = [...new Set(json.results.map((r) => r.shape))];
  const rows = [], groups = [], misses = [];
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
      rows.push([
        `${shape} ${layout}`,
        OP_LABEL[op],
        formatWithSpread(ours),
        resident ? fmt(resident.median) : '—',
        fmt(stat(shape, SCALAR, op, 'e2e')?.median ?? NaN),
        ...peers.map((x) => (x.s ? fmt(x.s.median) : '—')),
        best ? `${fmt(speedup)}× vs ${best.p}${ok}` : '—',
      ]);
      groups.push({
        label: `${shape} ${OP_LABEL[op]}`,
        values: [ours.median, resident?.median ?? null, stat(shape, SCALAR, op, 'e2e')?.median ?? null, ...peers.map((x) => x.s?.median ?? null)],
      });
    }
  }
  const c = json.context;
  const header = ['shape', 'op', 'simdnorm simd128 e2e', 'simd128 resident', 'simdnorm scalar e2e', ...PEERS.map((p) => `${p} e2e`), 'speed-up vs best peer (≥ 4×)'];
  const md = [
    `Machine: ${c.cpu} (${c.cpus} CPUs), Node ${c.node}; load average ${c.loadavg_start.map((l) => l.toFixed(2)).join(', ')} at start, ${c.loadavg_end.map((l) => l.toFixed(2)).join(', ')} at end.`,
    `Date: ${c.date}. Command: \`node ${c.command}\` (part of \`npm run bench\`).`,
    'Milliseconds per call, median of the repetitions (min–max for simdnorm). e2e: Float32Array in → Float32Array out (TF.js: upload, op, download, dispose); resident: tensors already in the library\'s memory. ' +
      'All single-threaded. TF.js has no separate backward (autodiff only: fwd+bwd); onnxruntime-web has no BN backward and no NHWC BN; TF.js cpu runs only on S2 and S3 (seconds per call above). "—": not measured or the peer lacks the op.',
    '',
    markdownTable(header, rows),
    misses.length ? `Below the 4× target in this run: ${misses.join('; ')}.\n` : 'The 4× target is met on every op × shape in this run.\n',
  ].join('\n');
  const svg = barChartSvg({
    title: 'simdnorm wasm vs web peers in Node — ms per call (lower is better)',
    unit: 'ms per call',
    series: [`${OURS} e2e`, `${OURS} resident`, `${SCALAR} e2e`, ...PEERS.map((p) => `${p} e2e`)],
    groups,
  });
  return { md, svg, misses };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  const { md, svg } = jsReport(JSON.parse(readFileSync(file, 'utf8')));
  writeFileSync(file.replace(/\.json$/, '.md'), md);
  writeFileSync(file.replace(/\.json$/, '.svg'), svg);
  process.stdout.write(md);
}
