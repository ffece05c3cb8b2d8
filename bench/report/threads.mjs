// The threads tables of simdnorm_bench's JSON (bench/native/thread_ops.cpp): scaling of simdnorm
// and oneDNN over 1…cores threads (the same count for both), and the cut-over sweep behind the
// partition's piece size (src/core/partition.cpp).
//
// node bench/report/threads.mjs results/native.json  → writes threads.md beside it.

import { readFileSync, writeFileSync } from 'node:fs';
import { markdownTable } from './markdown.mjs';
import { loadRuns } from './native.mjs';
import { fmt, summarize } from './stats.mjs';

const median = (runs, name) => {
  const r = runs.get(name);
  return r && !r.error && r.times.length ? summarize(r.times).median : NaN;
};

export function threadsReport(json, { command = '' } = {}) {
  const runs = loadRuns(json);
  const names = [...runs.keys()];
  const scaling = names.filter((n) => n.startsWith('scaling/')).map((n) => n.split('/'));
  const threads = [...new Set(scaling.map((p) => Number(p[4].slice(1))))].sort((a, b) => a - b);
  const cases = [...new Set(scaling.map((p) => `${p[3]}/${p[1]}`))].sort();
  const rows = cases.map((key) => {
    const [shape, op] = key.split('/');
    const at = (impl, t) => median(runs, `scaling/${op}/${impl}/${shape}/t${t}`);
    const cells = [shape, op];
    for (const impl of ['simdnorm', 'onednn'])
      for (const t of threads) {
        const us = at(impl, t);
        cells.push(t === 1 ? fmt(us) : `${fmt(us)} (${fmt(at(impl, 1) / us)}×)`);
      }
    const top = threads[threads.length - 1];
    cells.push(`${fmt(at('simdnorm', top) / at('onednn', top))}×`);
    return cells;
  });
  const header = [
    'shape',
    'op',
    ...threads.map((t) => `simdnorm ${t}T µs`),
    ...threads.map((t) => `oneDNN ${t}T µs`),
    `simdnorm ÷ oneDNN at ${threads[threads.length - 1]}T`,
  ];

  const sweep = names.filter((n) => n.startsWith('cutover/') && n.endsWith('/whole')).map((n) => n.split('/'));
  const sweepRows = sweep
    .sort((a, b) => a[1].localeCompare(b[1]) || a[2].localeCompare(b[2]) || parseInt(a[3]) - parseInt(b[3]))
    .map(([, op, layout, size]) => {
      const whole = median(runs, `cutover/${op}/${layout}/${size}/whole`);
      const halves = median(runs, `cutover/${op}/${layout}/${size}/halves_t2`);
      const pieces = median(runs, `cutover/${op}/${layout}/${size}/pieces_t1`);
      return [
        op,
        layout,
        size.replace('KiB', ' KiB'),
        fmt(whole),
        fmt(halves),
        `${fmt(halves / whole)}×`,
        `${fmt(pieces)} (${fmt(pieces / whole)}×)`,
      ];
    });
  const ctx = json.context ?? {};
  const md = [
    `Machine: ${ctx.cpu_model ?? 'CPU model not recorded'}, ${ctx.num_cpus ?? '?'} CPUs; load average at start ${(ctx.load_avg ?? []).map((l) => l.toFixed(2)).join(', ')}.`,
    `Date: ${ctx.date ?? ''}. Command: \`${command}\`.`,
    '',
    '## Scaling',
    '',
    'Median µs per call; in parentheses the speed-up over 1 thread of the same implementation. ' +
      'simdnorm on its best ISA, oneDNN in the layout simdnorm receives, both with the same thread count ' +
      '(`simdnorm::set_num_threads`, `omp_set_num_threads`).',
    '',
    markdownTable(header, rows),
    '',
    '## Cut-over',
    '',
    'NCHW/NHWC n×32×16×16 tensors: the whole tensor on 1 thread (one piece, the single-threaded kernels) against ' +
      'the same tensor cut into two pieces on 2 threads. Where the ratio is below 1 the threads pay; ' +
      'src/core/partition.cpp sets the piece size from it. The last column is the cost of the default partition ' +
      'on one thread (the same bits on any thread count need it there too).',
    '',
    markdownTable(
      ['op', 'layout', 'tensor', 'whole, 1 thread µs', 'halves, 2 threads µs', 'ratio', 'default pieces, 1 thread µs'],
      sweepRows,
    ),
    '',
  ].join('\n');
  return { md };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const { md } = threadsReport(json, { command: process.argv[3] ?? 'npm run bench' });
  writeFileSync(file.replace(/native\.json$/, 'threads.md'), md);
  process.stdout.write(md);
}
