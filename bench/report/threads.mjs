// The threads tables: native scaling of simdnorm and oneDNN over 1…cores threads (the same count
// for both) and the cut-over sweep behind the partition's piece size (src/core/partition.cpp),
// from simdnorm_bench's JSON (bench/native/thread_ops.cpp); wasm scaling of simdnorm's threads
// build and onnxruntime-web with the same numThreads in Node (bench/js/scaling.mjs).
//
// node bench/report/threads.mjs --out results/threads.json [--native native.json --command "…"]
//   [--wasm scaling.json]
// threads.json keeps both parts (the native entries of simdnorm_bench's JSON, the wasm run): a
// part given here replaces the stored one, so one suite can be rerun alone. Writes threads.md.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { markdownTable } from './markdown.mjs';
import { loadRuns } from './native.mjs';
import { fmt, summarize } from './stats.mjs';

const median = (runs, name) => {
  const r = runs.get(name);
  return r && !r.error && r.times.length ? summarize(r.times).median : NaN;
};

function nativeReport(json, command) {
  const runs = loadRuns(json);
  const names = [...runs.keys()];
  const scaling = names.filter((n) => n.startsWith('scaling/')).map((n) => n.split('/'));
  const threads = [...new Set(scaling.map((p) => Number(p[4].slice(1))))].sort((a, b) => a - b);
  const cases = [...new Set(scaling.map((p) => `${p[3]}/${p[1]}`))].sort();
  const rows = cases.map((key) => {
    const [shape, op] = key.split('/');
    const at = (impl, t) => median(runs, `scaling/${op}/${impl}/${shape}/t${t}`);
    const cells = [shape, op];
    for (const impl of ['simdnorm', 'onednn', 'onednn_blocked'])
      for (const t of threads) {
        const us = at(impl, t);
        cells.push(t === 1 ? fmt(us) : `${fmt(us)} (${fmt(at(impl, 1) / us)}×)`);
      }
    const top = threads[threads.length - 1];
    const plain = at('onednn', top),
      blocked = at('onednn_blocked', top);
    // A missing or failed entry (NaN) never counts as the faster format.
    const blockedFaster = blocked < plain || (Number.isNaN(plain) && !Number.isNaN(blocked));
    const best = blockedFaster ? blocked : plain;
    cells.push(`${fmt(at('simdnorm', top) / best)}× (${blockedFaster ? 'blocked' : 'plain'})`);
    return cells;
  });
  const header = [
    'shape',
    'op',
    ...threads.map((t) => `simdnorm ${t}T µs`),
    ...threads.map((t) => `oneDNN plain ${t}T µs`),
    ...threads.map((t) => `oneDNN blocked ${t}T µs`),
    `simdnorm ÷ oneDNN's faster format at ${threads[threads.length - 1]}T`,
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
  return [
    `Machine: ${ctx.cpu_model ?? 'CPU model not recorded'}, ${ctx.num_cpus ?? '?'} CPUs; load average at start ${(ctx.load_avg ?? []).map((l) => l.toFixed(2)).join(', ')}.`,
    `Date: ${ctx.date ?? ''}. Command: \`${command}\`.`,
    sharedNote(ctx.num_cpus, ctx.load_avg),
    '',
    '## Native scaling',
    '',
    'Median µs per call; in parentheses the speed-up over 1 thread of the same implementation. ' +
      'simdnorm on its best ISA; oneDNN in the layout simdnorm receives (plain) and in its blocked format ' +
      '(nChw16c with AVX-512, nChw8c below; the data already in it), all with the same thread count ' +
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
}

// A machine whose load average was near or above its CPU count had no free core for a second
// thread much of the time: the tables then show what threads give on a shared machine.
function sharedNote(cpus, load) {
  if (!cpus || !load?.length || load[0] < cpus / 2) return '';
  return (
    `The load average (${load[0].toFixed(2)} on ${cpus} CPUs) shows other processes sharing the cores during the run: ` +
    'absolute times and speed-ups over 1 thread are lower than on an idle machine; the ratios between implementations ' +
    'at the same thread count come from one interleaved run and are the figures to compare.'
  );
}

const WASM_OPS = ['infer', 'train_fwd', 'bwd'];
const SIMDNORM = 'simdnorm',
  ORT = 'onnxruntime-web';

function wasmReport(json) {
  const c = json.context;
  const stat = (shape, impl, op, mode, t) => {
    const r = json.results.find(
      (x) => x.shape === shape && x.impl === impl && x.op === op && x.mode === mode && x.threads === t,
    );
    return r ? summarize(r.ms).median : NaN;
  };
  const threads = [...new Set(json.results.map((r) => r.threads))].sort((a, b) => a - b);
  const cell = (ms, one) => (Number.isFinite(one) && ms !== one ? `${fmt(ms)} (${fmt(one / ms)}×)` : fmt(ms));
  const rows = [];
  for (const shape of [...new Set(json.results.map((r) => r.shape))]) {
    const layout = json.results.find((r) => r.shape === shape).layout;
    for (const op of WASM_OPS) {
      const series = (impl, mode) => threads.map((t) => stat(shape, impl, op, mode, t));
      const e2e = series(SIMDNORM, 'e2e'),
        resident = series(SIMDNORM, 'resident'),
        ort = series(ORT, 'e2e');
      if (e2e.every((x) => !Number.isFinite(x))) continue;
      rows.push([
        `${shape} ${layout}`,
        op,
        ...e2e.map((ms) => cell(ms, e2e[0])),
        ...resident.map((ms) => cell(ms, resident[0])),
        ...ort.map((ms) => cell(ms, ort[0])),
        ...threads.map((_, i) => (Number.isFinite(ort[i]) ? `${fmt(e2e[i] / ort[i])}×` : '—')),
      ]);
    }
  }
  const header = [
    'shape',
    'op',
    ...threads.map((t) => `simdnorm e2e ${t}T ms`),
    ...threads.map((t) => `simdnorm resident ${t}T ms`),
    ...threads.map((t) => `ORT e2e ${t}T ms`),
    ...threads.map((t) => `simdnorm ÷ ORT e2e ${t}T`),
  ];
  // Checked once by hand (docs/benchmarks.md#threads): the process gains the pool's threads.
  const ortNote =
    threads.length > 1
      ? "onnxruntime-web's Node build starts its pthread pool for numThreads > 1; what it gains from it is in the ORT columns."
      : '';
  return [
    '## WebAssembly scaling (Node)',
    '',
    `Machine: ${c.cpu}, ${c.cpus} CPUs, Node ${c.node}; load average ${c.loadavg_start.map((l) => l.toFixed(2)).join(', ')} at start, ${c.loadavg_end.map((l) => l.toFixed(2)).join(', ')} at end.`,
    `Date: ${c.date}. Command: \`${c.command}\` (part of \`npm run bench\`).`,
    sharedNote(c.cpus, c.loadavg_start),
    '',
    'Milliseconds per call, median of the interleaved repetitions; in parentheses the speed-up over 1 thread. ' +
      "simdnorm: the SIMD128 + threads build with `init({ threads: k })` (1 thread: the SIMD128 build), e2e (Float32Array in → out) and resident (`sn.Tensor`); onnxruntime-web's wasm backend with `env.wasm.numThreads = k`, e2e only (no BN backward, no NHWC). " +
      'Each implementation × thread count runs alone, in a child process started and exited around each round of its repetitions (bench/js/isolated-peer.mjs). ' +
      ortNote,
    '',
    markdownTable(header, rows),
  ].join('\n');
}

export function threadsReport(stored) {
  const parts = [];
  if (stored.native) parts.push(nativeReport(stored.native, stored.native.command));
  if (stored.wasm) parts.push(wasmReport(stored.wasm));
  return { md: parts.join('\n') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const value = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const out = value('--out');
  if (!out) throw new Error('threads.mjs: --out <threads.json> is required');
  const stored = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {};
  if (value('--native')) {
    // Only the threads entries of the native run: the rest is native.json's.
    const json = JSON.parse(readFileSync(value('--native'), 'utf8'));
    const threadsEntry = (b) => /^(scaling|cutover)\//.test(b.run_name ?? b.name);
    stored.native = {
      context: json.context,
      command: value('--command') ?? 'npm run bench',
      benchmarks: json.benchmarks.filter(threadsEntry),
    };
  }
  if (value('--wasm')) stored.wasm = JSON.parse(readFileSync(value('--wasm'), 'utf8'));
  writeFileSync(out, JSON.stringify(stored, null, 1));
  const { md } = threadsReport(stored);
  writeFileSync(out.replace(/\.json$/, '.md'), md);
  process.stdout.write(md);
}
