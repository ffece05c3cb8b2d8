// Turns simdnorm_bench's Google Benchmark JSON (all repetitions) into the markdown table and SVG
// chart of bench/results/: medians with min–max spread, % of size-matched copy, × oneDNN's best
// layout.
//
// node bench/report/native.mjs results/native.json  → writes native.md and native.svg beside it.

import { readFileSync } from 'node:fs';
import { barChartSvg } from './svg-chart.mjs';
import { markdownTable } from './markdown.mjs';
import { writeReport } from './write-report.mjs';
import { fmt, formatWithSpread, summarize } from './stats.mjs';

const OPS = ['infer', 'train_fwd', 'train_fwd_relu', 'bwd', 'fwd_bwd'];
const OP_LABEL = {
  infer: 'infer',
  train_fwd: 'train fwd',
  train_fwd_relu: 'train fwd+ReLU',
  bwd: 'bwd',
  fwd_bwd: 'fwd+bwd',
};
// The targets of docs/benchmarks.md: % of copy bandwidth (from each op's minimum traffic) and
// ≤ 1.0× oneDNN's best layout.
const PCT_TARGET = { infer: 90, train_fwd: 80, train_fwd_relu: 80, bwd: 70 };
// oneDNN's blocked format is the one its kernels take on the CPU that ran: nChw16c with AVX-512,
// nChw8c below it (bench/native/onednn_ops.cpp); a run has one of them.
const ONEDNN_FORMATS = ['nchw', 'nhwc', 'nChw8c', 'nChw16c'];

export function loadRuns(json) {
  const runs = new Map(); // name → { times: [], pct: [], gbps: [], label, error }
  for (const b of json.benchmarks) {
    if (b.run_type !== 'iteration') continue;
    const name = b.run_name ?? b.name;
    const r = runs.get(name) ?? { times: [], pct: [], gbps: [], label: b.label ?? '', error: null };
    if (b.error_occurred) r.error = b.error_message;
    else {
      const unit = { ns: 1e-3, us: 1, ms: 1e3, s: 1e6 }[b.time_unit ?? 'ns'];
      r.times.push(b.real_time * unit); // µs per call
      if (b.pct_of_copy !== undefined) r.pct.push(b.pct_of_copy);
      if (b.bytes_per_second !== undefined) r.gbps.push(b.bytes_per_second / 1e9);
    }
    runs.set(name, r);
  }
  return runs;
}

// simdnorm's ISAs, best first: simdnorm_bench records them (from src/arch/isa_list.hpp) in the
// "simdnorm_isas" context; older outputs lack it, and then the order of first appearance (the
// registration order, unless the run interleaved) stands in.
function isaOrder(json, runs) {
  const listed = json.context?.simdnorm_isas;
  if (listed) return listed.split(',');
  const notIsas = new Set(['memcpy', 'onednn']);
  return [...new Set([...runs.keys()].map((n) => n.split('/')[1]).filter((impl) => !notIsas.has(impl)))];
}

function stat(runs, name, field = 'times') {
  const r = runs.get(name);
  return r && !r.error && r[field].length ? summarize(r[field]) : null;
}

export function nativeReport(json, { command = '' } = {}) {
  const runs = loadRuns(json);
  // The core suite's names only (op/impl/layout/shape); scaling/ and cutover/ have their report,
  // sweep/ and offset/ their sections below.
  const shapes = [
    ...new Set(
      [...runs.keys()].filter((n) => !/^(scaling|cutover|sweep|offset)\//.test(n)).map((n) => n.split('/')[3]),
    ),
  ].sort();
  const layoutOf = (shape) =>
    [...runs.keys()].find((n) => n.startsWith('copy/') && n.endsWith(`/${shape}`))?.split('/')[2];
  const isas = isaOrder(json, runs);
  const bestIsa = isas.find((isa) => [...runs.keys()].some((n) => n.split('/')[1] === isa && stat(runs, n)));
  const rows = [],
    groups = [],
    misses = [];
  let compared = 0,
    won = 0;
  for (const shape of shapes) {
    const layout = layoutOf(shape);
    const copy = stat(runs, `copy/memcpy/${layout}/${shape}`);
    const copyGbps = stat(runs, `copy/memcpy/${layout}/${shape}`, 'gbps');
    rows.push([
      `**${shape}** ${layout}`,
      'copy',
      copy ? formatWithSpread(copy) : '—',
      copyGbps ? `${fmt(copyGbps.median)} GB/s` : '',
      '',
      '',
      '',
      '',
    ]);
    for (const op of OPS) {
      const ours = stat(runs, `${op}/${bestIsa}/${layout}/${shape}`);
      if (!ours) continue;
      const pct = stat(runs, `${op}/${bestIsa}/${layout}/${shape}`, 'pct');
      const onednn = ONEDNN_FORMATS.map((f) => ({ f, s: stat(runs, `${op}/onednn/${f}/${shape}`) })).filter((o) => o.s);
      const best = onednn.reduce((a, b) => (!a || b.s.median < a.s.median ? b : a), null);
      const plain = onednn.find((o) => o.f === (layout === 'nhwc' ? 'nhwc' : 'nchw'));
      const ratio = best ? ours.median / best.s.median : NaN;
      const target = PCT_TARGET[op];
      const pctOk = target === undefined ? '' : pct && pct.median >= target ? ' ✓' : ' ✗';
      const ratioOk = best ? (ratio <= 1 ? ' ✓' : ' ✗') : '';
      if (best) {
        compared += 1;
        won += ratio <= 1 ? 1 : 0;
      }
      if (pctOk === ' ✗') misses.push(`${op} ${shape}: ${fmt(pct.median)} % of copy (target ${target} %)`);
      if (ratioOk === ' ✗') misses.push(`${op} ${shape}: ${fmt(ratio)}× oneDNN ${best.f}`);
      const others = isas
        .filter((isa) => isa !== bestIsa)
        .map((isa) => `${isa} ${fmt(stat(runs, `${op}/${isa}/${layout}/${shape}`)?.median ?? NaN)}`)
        .join(', ');
      rows.push([
        '',
        OP_LABEL[op],
        formatWithSpread(ours),
        pct ? `${fmt(pct.median)} %${target ? ` (≥ ${target})` : ''}${pctOk}` : '—',
        best ? `${formatWithSpread(best.s)} ${best.f}` : '—',
        best ? `${fmt(ratio)}×${ratioOk}` : '—',
        plain ? fmt(plain.s.median) : '—',
        others,
      ]);
      const gb = (name) => stat(runs, name, 'gbps')?.median ?? null;
      groups.push({
        label: `${shape} ${OP_LABEL[op]}`,
        values: [
          gb(`${op}/${bestIsa}/${layout}/${shape}`),
          gb(`${op}/scalar/${layout}/${shape}`),
          best ? gb(`${op}/onednn/${best.f}/${shape}`) : null,
          plain ? gb(`${op}/onednn/${plain.f}/${shape}`) : null,
          copyGbps?.median ?? null,
        ],
      });
    }
  }
  const header = [
    'shape',
    'op',
    `simdnorm ${bestIsa} µs`,
    '% of copy',
    'oneDNN best µs (layout)',
    '× oneDNN best',
    'oneDNN plain µs',
    'other ISAs µs',
  ];
  const ctx = json.context ?? {};
  const caches = (ctx.caches ?? [])
    .map((c) => `L${c.level}${c.type === 'Data' ? 'd' : ''} ${c.size >> 10} KiB`)
    .join(', ');
  const md = [
    `Machine: ${ctx.cpu_model ?? 'CPU model not recorded'}, ${ctx.num_cpus ?? '?'} CPUs @ ${ctx.mhz_per_cpu ?? '?'} MHz${caches ? ` (${caches})` : ''}, host ${ctx.host_name ?? '?'}; load average at start ${(ctx.load_avg ?? []).map((l) => l.toFixed(2)).join(', ')}.`,
    `Date: ${ctx.date ?? ''}. Command: \`${command}\`.`,
    ...(ctx.simdnorm_tuning ? [`simdnorm's tuning (src/core/tuning.cpp): ${ctx.simdnorm_tuning}.`] : []),
    `Times are µs per call, median of ${runs.values().next().value?.times.length ?? '?'} repetitions (min–max in parentheses), single thread, in random interleaved order. ` +
      '"% of copy" = the op\'s minimum traffic (infer 2, train fwd 3, bwd 5, fwd+bwd 8 tensor streams) per second, relative to memcpy of the same tensor measured inside the same benchmark. ' +
      'oneDNN "best" is its fastest of nchw / nhwc / its blocked format for this CPU (nChw16c with AVX-512, nChw8c below it) with data already in that format; "plain" is the layout simdnorm gets. ' +
      '✓/✗: met/missed the targets in parentheses (≥ % of copy) and ≤ 1.0× oneDNN best, explained in [docs/benchmarks.md](/docs/benchmarks.md#targets).',
    '',
    markdownTable(header, rows),
    `simdnorm ${bestIsa} ≤ 1.0× oneDNN's best layout on **${won} of ${compared}** op × shape cells.\n`,
    misses.length ? `Targets missed in this run: ${misses.join('; ')}.\n` : 'All targets met in this run.\n',
    ...sweepSection(runs),
    ...offsetSection(runs),
  ].join('\n');
  const svg = barChartSvg({
    title: `simdnorm native (${bestIsa}) vs oneDNN and memcpy — effective GB/s`,
    unit: 'GB/s from minimum traffic',
    series: [
      `simdnorm ${bestIsa}`,
      'simdnorm scalar reference',
      'oneDNN best layout',
      'oneDNN plain layout',
      'memcpy (same size)',
    ],
    groups,
  });
  return { md, svg, misses };
}

// The sweep (bench/native/sweep_ops.cpp): sweep/<op>/<impl>/<layout>/C:<C>/HW:<H>x<W>/N:<N>,
// simdnorm against the faster of oneDNN's two formats per cell, and how many op × cell
// combinations simdnorm wins.
const SWEEP_OPS = ['infer', 'train_fwd', 'bwd'];

export function sweepSummary(runs) {
  const cells = new Map(); // "<layout>/C:…/HW:…/N:…" → { op → { ours, best, format } }
  for (const name of runs.keys()) {
    const m = name.match(/^sweep\/([^/]+)\/([^/]+)\/(.+)$/);
    if (!m) continue;
    const [, op, impl, cell] = m;
    const s = stat(runs, name);
    if (!s) continue;
    const entry = cells.get(cell) ?? {};
    const o = (entry[op] ??= { ours: null, best: null, format: null });
    if (impl === 'simdnorm') o.ours = s.median;
    else if (impl.startsWith('onednn_') && (o.best === null || s.median < o.best)) {
      o.best = s.median;
      o.format = impl.slice('onednn_'.length);
    }
    cells.set(cell, entry);
  }
  const order = (cell) => {
    const [layout, c, hw] = cell.split('/');
    return [Number(c.slice(2)), Number(hw.slice(3).split('x')[0]), layout];
  };
  const sorted = [...cells.keys()].sort((a, b) => {
    const [ca, ha, la] = order(a),
      [cb, hb, lb] = order(b);
    return ca - cb || ha - hb || la.localeCompare(lb);
  });
  const compared = [];
  for (const cell of sorted)
    for (const op of SWEEP_OPS) {
      const o = cells.get(cell)[op];
      if (o?.ours != null && o.best != null) compared.push({ cell, op, ratio: o.ours / o.best, ...o });
    }
  return { cells: sorted.map((cell) => ({ cell, ops: cells.get(cell) })), compared };
}

function sweepSection(runs) {
  const { cells, compared } = sweepSummary(runs);
  if (!compared.length) return [];
  const wins = compared.filter((c) => c.ratio <= 1);
  const losses = compared.filter((c) => c.ratio > 1).sort((a, b) => b.ratio - a.ratio);
  const ratios = compared.map((c) => c.ratio).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)];
  const rows = cells.map(({ cell, ops }) => {
    const [layout, c, hw, n] = cell.split('/');
    return [
      layout,
      c.slice(2),
      hw.slice(3),
      n.slice(2),
      ...SWEEP_OPS.map((op) => {
        const o = ops[op];
        if (o?.ours == null || o.best == null) return '—';
        const r = o.ours / o.best;
        return `${fmt(r)}×${r <= 1 ? ' ✓' : ' ✗'} (${fmt(o.ours)} / ${fmt(o.best)} ${o.format})`;
      }),
    ];
  });
  return [
    '## Sweep: channels × spatial size × layout',
    '',
    `simdnorm (best ISA) against oneDNN's faster format (the layout itself or its blocked format, data already in it), single thread, batch N, medians in µs (simdnorm / oneDNN). ` +
      `**simdnorm ≤ 1.0× on ${wins.length} of ${compared.length}** op × cell combinations; median ratio ${fmt(median)}×` +
      (losses.length
        ? `; losses: ${losses
            .slice(0, 8)
            .map((l) => `${l.op} ${l.cell} ${fmt(l.ratio)}×`)
            .join(', ')}${losses.length > 8 ? `, and ${losses.length - 8} more` : ''}.`
        : '.'),
    '',
    markdownTable(['layout', 'C', 'H×W', 'N', 'infer', 'train fwd', 'bwd'], rows),
    '',
  ];
}

// Tensors off a cache line (bench/native/offset_ops.cpp): offset/<op>/<bytes>B/<layout>/<shape>,
// each offset's median as a multiple of the same call's on a line.
const OFFSET_OPS = ['infer', 'train_fwd', 'bwd'];

function offsetSection(runs) {
  const cells = new Map(); // "<layout>/<shape>" → { op → { bytes → median µs } }
  const offsets = new Set();
  for (const name of runs.keys()) {
    const m = name.match(/^offset\/([^/]+)\/(\d+)B\/(.+)$/);
    const s = m && stat(runs, name);
    if (!s) continue;
    const [, op, bytes, cell] = m;
    offsets.add(Number(bytes));
    const entry = cells.get(cell) ?? {};
    (entry[op] ??= {})[bytes] = s.median;
    cells.set(cell, entry);
  }
  const past = [...offsets].filter((b) => b > 0).sort((a, b) => a - b);
  if (!cells.size || !past.length) return [];
  const rows = [];
  for (const [cell, ops] of [...cells].sort(([a], [b]) => a.localeCompare(b)))
    for (const op of OFFSET_OPS) {
      const t = ops[op];
      if (t?.[0] == null) continue;
      const [layout, shape] = cell.split('/');
      rows.push([
        `${shape} ${layout}`,
        OP_LABEL[op],
        fmt(t[0]),
        ...past.map((b) => (t[b] == null ? '—' : `${fmt(t[b])} (${fmt(t[b] / t[0])}×)`)),
      ]);
    }
  if (!rows.length) return [];
  return [
    '## Tensors off a cache line',
    '',
    'simdnorm (best ISA), single thread, every tensor of the call on a 64-byte boundary (as framework tensors are) and 16 or 32 bytes past one (as malloc and std::vector may place them); medians in µs, in parentheses the multiple of the time on a line.',
    '',
    markdownTable(['shape', 'op', 'on a line µs', ...past.map((b) => `${b} B past µs`)], rows),
    '',
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  const json = JSON.parse(readFileSync(file, 'utf8'));
  process.stdout.write(writeReport(file, nativeReport(json, { command: process.argv[3] ?? 'npm run bench' })));
}
