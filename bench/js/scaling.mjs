// Thread scaling in Node: simdnorm's SIMD128 + threads build (1 thread: the SIMD128 build) against
// onnxruntime-web's wasm backend with the same numThreads, for 1…cores threads, per shape × op.
// Each implementation × thread count is measured alone, in a process of its own started for one
// round of its repetitions (bench/js/isolated-peer.mjs): idle modules of other configurations
// living beside it cost simdnorm's 2-thread S1 forward 60 % (docs/benchmarks.md#threads). Each
// round visits every configuration once, one configuration later than the round before, so a
// drift of the machine's load hits every column alike. Writes JSON for bench/report/threads.mjs.
//
//   node bench/js/scaling.mjs [--quick] [--threads 1,2] [--shapes S1,S3] --out file.json
// --quick: the CI smoke configuration (S3, 1 and 2 threads, one short repetition).

import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import os from 'node:os';
import { cpuModel } from './cpu-model.mjs';
import { SHAPES, numelOf } from './shapes.mjs';
import { timeIsolated } from './isolated-peer.mjs';

const args = process.argv.slice(2);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const quick = args.includes('--quick');
const cores = os.availableParallelism();
const threadCounts = value('--threads', quick ? '1,2' : Array.from({ length: cores }, (_, i) => i + 1).join(','))
  .split(',')
  .map(Number);
const shapeIds = value('--shapes', quick ? 'S3' : SHAPES.map((s) => s.id).join(',')).split(',');
const out = value('--out', null);
const timing = quick
  ? { rounds: 1, repetitions: 1, minMs: 1, warmMs: 5 }
  : { rounds: 3, repetitions: 2, minMs: 40, warmMs: 50 };
// The ops the table shows: BN's three kernels (fwd+bwd is their sum), e2e and resident.
const OPS = ['infer', 'train_fwd', 'bwd'];

const configs = [];
for (const impl of ['simdnorm', 'onnxruntime-web'])
  for (const threads of threadCounts) configs.push({ impl, threads, spec: { impl, simd: true, threads } });

const results = [];
const loadStart = os.loadavg();
for (const shape of SHAPES.filter((s) => shapeIds.includes(s.id))) {
  const keep = (key) => OPS.includes(key.split(' ')[0]);
  for (const s of await timeIsolated(configs, shape, { ...timing, keep })) {
    results.push({
      shape: shape.id,
      layout: shape.layout,
      numel: numelOf(shape),
      impl: s.config.impl,
      threads: s.config.threads,
      op: s.op,
      mode: s.mode,
      ms: s.ms,
    });
    const sorted = [...s.ms].sort((a, b) => a - b);
    console.log(
      `${shape.id} ${s.op.padEnd(9)} ${s.mode.padEnd(8)} ${s.config.impl.padEnd(16)} ${s.config.threads}T ${sorted[sorted.length >> 1].toFixed(4)} ms`,
    );
  }
}

const json = {
  context: {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpuModel(),
    cpus: cores,
    loadavg_start: loadStart,
    loadavg_end: os.loadavg(),
    command: ['node', relative(process.cwd(), process.argv[1]), ...args].join(' '),
  },
  results,
};
if (out) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(json, null, 1));
}
