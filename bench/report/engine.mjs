// The layer engine's benchmark report: whole training steps of issue 11's two benchmark models,
// natively (simdnorm_engine_bench per ISA vs PyTorch, bench/native/torch_train_step.py) and in
// Node (sn.nn wasm vs TF.js layers, bench/js/engine-training.mjs), and the Conv2d algorithms.
//
//   node bench/report/engine.mjs --out bench/results/engine.json --command "…" \
//        --native r1.json r2.json … --pytorch t1.json t2.json … --node node.json
//     merges the raw outputs (the native and PyTorch rounds ran interleaved) into engine.json and
//     writes engine.md and engine.svg beside it;
//   node bench/report/engine.mjs bench/results/engine.json   re-renders md and svg from it.

import { readFileSync, writeFileSync } from 'node:fs';
import { barChartSvg } from './svg-chart.mjs';
import { markdownTable } from './markdown.mjs';
import { writeReport } from './write-report.mjs';
import { fmt, formatWithSpread, summarize } from './stats.mjs';

const MODELS = [
  ['mnist_cnn_batch64', 'MNIST CNN (conv 1→16, 16→32, BN2d), batch 64'],
  ['bn_mlp_784_100x3_10_batch60', 'BN paper MLP (784-100-100-100-10 sigmoid, BN1d), batch 60'],
];
// docs/benchmarks.md: native ≥ 1.0× PyTorch's steps/s, wasm SIMD128 ≥ 20× TF.js's best backend.
const NATIVE_TARGET = 1.0,
  NODE_TARGET = 20;

// name → { stepsPerSecond: [], gflops: [] } over every repetition of every round.
function collect(outputs) {
  const runs = new Map();
  for (const out of outputs)
    for (const b of out.benchmarks) {
      if (b.run_type !== 'iteration' || b.error_occurred) continue;
      const name = b.run_name ?? b.name;
      const r = runs.get(name) ?? { stepsPerSecond: [], gflops: [] };
      if (b['steps/s'] !== undefined) r.stepsPerSecond.push(b['steps/s']);
      if (b['GFLOP/s'] !== undefined) r.gflops.push(b['GFLOP/s']);
      runs.set(name, r);
    }
  return runs;
}

function nativeSection(json) {
  const runs = collect([...json.native, ...json.pytorch]);
  // simdnorm_engine_bench records its ISAs best first; without that context, the known order.
  const isas = json.native[0].context.simdnorm_isas?.split(',') ?? ['avx512', 'avx2', 'sse2', 'neon', 'scalar'];
  const trained = (isa, model) => runs.get(`train_step/${isa}/${model}`);
  const present = isas.filter((isa) => MODELS.some(([m]) => trained(isa, m)?.stepsPerSecond.length));
  const best = present[0];
  const rows = [],
    groups = [],
    misses = [];
  for (const [model, label] of MODELS) {
    const ours = trained(best, model),
      torch = runs.get(`train_step/pytorch/${model}`);
    if (!ours?.stepsPerSecond.length) continue;
    const s = summarize(ours.stepsPerSecond);
    const t = torch?.stepsPerSecond.length ? summarize(torch.stepsPerSecond) : null;
    const ratio = t ? s.median / t.median : NaN;
    const ok = t ? (ratio >= NATIVE_TARGET ? ' ✓' : ' ✗') : '';
    if (ok === ' ✗') misses.push(`native ${model}: ${fmt(ratio)}× PyTorch`);
    rows.push([
      label,
      formatWithSpread(s),
      fmt(summarize(ours.gflops).median),
      t ? formatWithSpread(t) : '—',
      t ? fmt(summarize(torch.gflops).median) : '—',
      t ? `${fmt(ratio)}×${ok}` : '—',
      present
        .slice(1)
        .map((isa) => `${isa} ${fmt(summarize(trained(isa, model).stepsPerSecond).median)}`)
        .join(', '),
    ]);
    groups.push({
      label: `native ${model.split('_')[0] === 'mnist' ? 'CNN' : 'MLP'}`,
      values: [s.median, null, t?.median ?? null, null, null],
    });
  }
  const convShapes = [
    ...new Set([...runs.keys()].filter((n) => n.startsWith('conv2d_fwd/')).map((n) => n.split('/')[2])),
  ];
  const convRank = (impl) => (impl === 'direct' ? 0 : impl === 'im2col_scalar' ? 1 : 2);
  const convImpls = [
    ...new Set([...runs.keys()].filter((n) => n.startsWith('conv2d_fwd/')).map((n) => n.split('/')[1])),
  ].sort((a, b) => convRank(a) - convRank(b));
  const convRows = convShapes.map((shape) => [
    shape,
    ...convImpls.map((impl) => {
      const r = runs.get(`conv2d_fwd/${impl}/${shape}`);
      return r?.gflops.length ? formatWithSpread(summarize(r.gflops)) : '—';
    }),
  ]);
  // The matmul cut-over: µs from GFLOP/s (2·m³ flops a product); its entries time wall time, which
  // Google Benchmark appends to their names.
  const cutSizes = [
    ...new Set([...runs.keys()].filter((n) => n.startsWith('cutover/matmul/')).map((n) => Number(n.split('/')[2]))),
  ].sort((a, b) => a - b);
  const cutRows = cutSizes.map((m) => {
    const us = (split) => {
      const r = runs.get(`cutover/matmul/${m}/${split}/real_time`);
      return r?.gflops.length ? (2 * m ** 3) / (summarize(r.gflops).median * 1e3) : NaN;
    };
    const whole = us('whole'),
      halves = us('halves_t2');
    return [`${m}×${m}×${m}`, String(m ** 3), fmt(whole), fmt(halves), `${fmt(halves / whole)}×`];
  });
  const ctx = json.native[0].context;
  const torchCtx = json.pytorch[0]?.context ?? {};
  const md = [
    '## Native: `simdnorm::nn::Sequential::train_step` vs PyTorch',
    '',
    `Machine: ${ctx.cpu_model ?? 'CPU model not recorded'}, ${ctx.num_cpus ?? '?'} CPUs @ ${ctx.mhz_per_cpu ?? '?'} MHz; load average ${(ctx.load_avg ?? []).map((l) => l.toFixed(2)).join(', ')} at the start of the first round. PyTorch ${torchCtx.torch ?? '?'} (Debian python3-torch, \`torch.set_num_threads(1)\`, BLAS: ${torchCtx.blas ?? '?'}).`,
    '',
    `One SGD step (lr 0.01, momentum 0.9: zero grads, forward, mean cross-entropy, backward, update, the loss returned) on a fixed batch, same models on both sides. Steps per CPU second of the process, median (min–max) of ${json.native.length} rounds in which simdnorm_engine_bench and the PyTorch script ran alternately; GFLOP/s = 3 × 2 × the forward's multiply-adds per sample × batch × steps/s. ✓/✗: simdnorm's best ISA against the target ≥ ${NATIVE_TARGET.toFixed(1)}× PyTorch ([docs/benchmarks.md](/docs/benchmarks.md#targets)).`,
    '',
    markdownTable(
      [
        'model',
        `simdnorm ${best} steps/s`,
        'GFLOP/s',
        'PyTorch steps/s',
        'GFLOP/s',
        `× PyTorch (≥ ${NATIVE_TARGET.toFixed(1)})`,
        'other ISAs steps/s',
      ],
      rows,
    ),
    'Conv2d forward alone (GFLOP/s, batch 64, 3×3, padding 1): the direct loop nest with baseline flags, im2col + the scalar reference matmul, im2col + the best ISA; why the engine uses im2col: [docs/engine.md](/docs/engine.md#conv2d-algorithm-im2col--matmul).',
    '',
    markdownTable(['shape', ...convImpls], convRows),
    ...(cutRows.length
      ? [
          '',
          'Matmul cut-over: C = A·B, all m×m, as one kernel call on one thread against its two halves of rows on two threads (wall time, median µs). Below a ratio of 1 the threads pay; `kMinParallelMacs` in src/nn/parallel_matmul.cpp (2¹⁷ = 131072 multiply-adds) sets where products start to be cut.',
          '',
          markdownTable(['product', 'multiply-adds', 'whole, 1 thread µs', 'halves, 2 threads µs', 'ratio'], cutRows),
        ]
      : []),
  ].join('\n');
  return { md, groups, misses, best };
}

function nodeSection(node) {
  const rows = [],
    groups = [],
    misses = [],
    notes = new Set();
  const rate = (e) => (e && !e.error && e.runs.length ? summarize(e.runs.map((r) => r.steps / r.cpu)) : null);
  const gflops = (e, s) => (s.median * e.batch * e.flopsPerSample) / 1e9;
  const peers = [...new Set(node.engine.map((e) => e.peer))];
  for (const [model, label] of MODELS) {
    const entries = Object.fromEntries(node.engine.filter((e) => e.model === model).map((e) => [e.peer, e]));
    const ours = entries['sn.nn wasm-simd128'];
    const s = rate(ours);
    if (!s) continue;
    const tf = peers
      .filter((p) => p.startsWith('TF.js'))
      .map((p) => ({ p, s: rate(entries[p]) }))
      .filter((x) => x.s)
      .reduce((a, b) => (!a || b.s.median > a.s.median ? b : a), null);
    for (const p of peers)
      if (entries[p]?.error)
        notes.add(`${p} cannot train the ${model.split('_')[0] === 'mnist' ? 'CNN' : 'MLP'}: "${entries[p].error}"`);
    const ratio = tf ? s.median / tf.s.median : NaN;
    const ok = tf ? (ratio >= NODE_TARGET ? ' ✓' : ' ✗') : '';
    if (ok === ' ✗') misses.push(`Node ${model}: ${fmt(ratio)}× ${tf.p}`);
    rows.push([
      label,
      ...peers.map((p) => {
        const e = entries[p],
          r = rate(e);
        return r ? `${formatWithSpread(r)}; ${fmt(gflops(e, r))} GFLOP/s` : e?.error ? 'not supported' : '—';
      }),
      tf ? `${fmt(ratio)}× ${tf.p}${ok}` : '—',
    ]);
    groups.push({
      label: `Node ${model.split('_')[0] === 'mnist' ? 'CNN' : 'MLP'}`,
      values: [
        null,
        s.median,
        null,
        rate(entries['TF.js wasm layers'])?.median ?? null,
        rate(entries['TF.js cpu layers'])?.median ?? null,
      ],
    });
  }
  const c = node.context;
  const md = [
    '## Node: `sn.nn` (wasm) vs TF.js layers',
    '',
    `Machine: ${c.cpu ?? 'CPU model not recorded'}, ${c.cpus} CPUs, Node ${c.node}, TF.js ${c.tfjs}; load average ${c.loadavg_start.map((l) => l.toFixed(2)).join(', ')} at start, ${c.loadavg_end.map((l) => l.toFixed(2)).join(', ')} at end.`,
    `Date: ${c.date}. Command: \`node ${c.command}\`.`,
    '',
    `The same models, batch, optimizer and data as the native table; \`model.trainStep(x, labels, opt)\` (x copied into wasm every step) against TF.js layers \`model.trainOnBatch\` (NHWC, batch uploaded once; wasm backend with 1 thread). Steps per CPU second of the process, median (min–max) of ${node.engine.find((e) => e.runs.length)?.runs.length ?? '?'} interleaved repetitions, and GFLOP/s. ✓/✗: wasm SIMD128 against the target ≥ ${NODE_TARGET}× TF.js's best backend that trains the model.`,
    '',
    markdownTable(
      ['model', ...peers.map((p) => `${p} steps/s`), `sn.nn wasm-simd128 × best TF.js (≥ ${NODE_TARGET}×)`],
      rows,
    ),
    ...[...notes].map((n) => `${n}, so the CNN's TF.js figure is its cpu backend.`),
    '',
  ].join('\n');
  return { md, groups, misses };
}

export function engineReport(json) {
  const native = nativeSection(json);
  const node = json.node ? nodeSection(json.node) : { md: '', groups: [], misses: [] };
  const misses = [...native.misses, ...node.misses];
  const ctx = json.native[0].context;
  const md = [
    `Machine: ${ctx.cpu_model ?? 'CPU model not recorded'}, ${ctx.num_cpus ?? '?'} CPUs.`,
    `Date: ${ctx.date ?? ''}. Command: \`${json.command}\`.`,
    '',
    misses.length ? `Targets missed in this run: ${misses.join('; ')}.` : 'All targets met in this run.',
    '',
    native.md,
    node.md,
  ].join('\n');
  const svg = barChartSvg({
    title: 'Training steps per second (higher is better)',
    unit: 'steps per CPU second',
    series: [
      `simdnorm ${native.best}`,
      'sn.nn wasm-simd128',
      'PyTorch 1 thread',
      'TF.js wasm layers',
      'TF.js cpu layers',
    ],
    groups: [...native.groups, ...node.groups],
  });
  return { md, svg, misses };
}

function render(file, json) {
  process.stdout.write(writeReport(file, engineReport(json)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (!args[0].startsWith('--')) render(args[0], JSON.parse(readFileSync(args[0], 'utf8')));
  else {
    const lists = { native: [], pytorch: [], node: [] };
    let out = null,
      command = '',
      key = null;
    for (let i = 0; i < args.length; ++i) {
      if (args[i] === '--out') out = args[++i];
      else if (args[i] === '--command') command = args[++i];
      else if (args[i].startsWith('--')) key = args[i].slice(2);
      else lists[key].push(JSON.parse(readFileSync(args[i], 'utf8')));
    }
    const json = { command, native: lists.native, pytorch: lists.pytorch, node: lists.node[0] ?? null };
    writeFileSync(out, JSON.stringify(json, null, 1));
    render(out, json);
  }
}
