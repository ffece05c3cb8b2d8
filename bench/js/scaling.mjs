// Thread scaling in Node: simdnorm's SIMD128 + threads build (1 thread: the SIMD128 build) against
// onnxruntime-web's wasm backend with the same numThreads, for 1…cores threads, per shape × op.
// Each implementation × thread count runs in its own worker_thread (bench/js/scaling-worker.mjs),
// as compute should in a page; the main thread asks each for one repetition in turn, so a drift
// of the machine's load hits every column alike. Writes JSON for bench/report/threads.mjs.
//
//   node bench/js/scaling.mjs [--quick] [--threads 1,2] [--shapes S1,S3] --out file.json
// --quick: the CI smoke configuration (S3, 1 and 2 threads, one short repetition).

import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { cpuModel } from './cpu-model.mjs';
import { SHAPES, numelOf } from './shapes.mjs';

const args = process.argv.slice(2);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const quick = args.includes('--quick');
const cores = os.availableParallelism();
const threadCounts = value('--threads', quick ? '1,2' : Array.from({ length: cores }, (_, i) => i + 1).join(','))
  .split(',')
  .map(Number);
const shapeIds = value('--shapes', quick ? 'S3' : SHAPES.map((s) => s.id).join(',')).split(',');
const out = value('--out', null);
const repetitions = quick ? 1 : 5;
const minMs = quick ? 1 : 40;
// The ops the table shows: BN's three kernels (fwd+bwd is their sum), e2e and resident.
const OPS = ['infer', 'train_fwd', 'bwd'];

// A worker as a request → reply function.
function startWorker(impl, threads) {
  const worker = new Worker(new URL('./scaling-worker.mjs', import.meta.url), { workerData: { impl, threads } });
  let pending = null;
  worker.on('message', (m) => {
    const p = pending;
    pending = null;
    if (m.error) p.reject(new Error(`${impl} ${threads}T: ${m.error}`));
    else p.resolve(m);
  });
  worker.on('error', (e) => pending?.reject(e));
  const ask = (message) =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
      worker.postMessage(message);
    });
  return { impl, threads, ask, end: () => worker.terminate() };
}

const configs = [];
for (const impl of ['simdnorm', 'onnxruntime-web'])
  for (const threads of threadCounts) configs.push(startWorker(impl, threads));

const results = [];
const loadStart = os.loadavg();
for (const shape of SHAPES.filter((s) => shapeIds.includes(s.id))) {
  const series = []; // { config, op } that this shape has
  for (const config of configs) {
    const { ops } = await config.ask({ shape });
    for (const key of ops) {
      const [op, mode] = key.split(' ');
      if (OPS.includes(op)) series.push({ config, key, op, mode, ms: [] });
    }
  }
  for (let r = 0; r < repetitions; ++r)
    for (let i = 0; i < series.length; ++i) {
      // Each round starts one series later, so no series always follows the same neighbour.
      const s = series[(i + r) % series.length];
      s.ms.push((await s.config.ask({ op: s.key, minMs })).ms);
    }
  for (const s of series) {
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
for (const config of configs) await config.end();

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
