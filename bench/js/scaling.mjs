// Thread scaling in Node: simdnorm's SIMD128 + threads build (1 thread: the SIMD128 build) against
// onnxruntime-web's wasm backend with the same numThreads, for 1…cores threads, per shape × op.
// Each implementation × thread count is measured alone: a worker_thread (bench/js/scaling-worker.mjs)
// is started for one round of its repetitions and terminated, with its pool, before the next
// configuration starts. Idle modules of other configurations living beside it cost simdnorm's
// 2-thread S1 forward 60 % (docs/benchmarks.md#threads). Each round visits every configuration
// once, one configuration later than the round before, so a drift of the machine's load hits every
// column alike. Writes JSON for bench/report/threads.mjs.
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
const warmMs = quick ? 5 : 50;
// The ops the table shows: BN's three kernels (fwd+bwd is their sum), e2e and resident.
const OPS = ['infer', 'train_fwd', 'bwd'];

// A worker for one implementation × thread count on one shape, as a request → reply function;
// its first message is the list of the shape's ops.
function startWorker(impl, threads, shape) {
  const worker = new Worker(new URL('./scaling-worker.mjs', import.meta.url), { workerData: { impl, threads, shape } });
  const replies = [];
  let waiting = null;
  const deliver = (reply) => (waiting ? (waiting(reply), (waiting = null)) : replies.push(reply));
  worker.on('message', deliver);
  worker.on('error', (e) => deliver({ error: String(e?.stack ?? e) }));
  const next = async () => {
    const m = replies.length ? replies.shift() : await new Promise((resolve) => (waiting = resolve));
    if (m.error) throw new Error(`${impl} ${threads}T ${shape.id}: ${m.error}`);
    return m;
  };
  const ask = (message) => (worker.postMessage(message), next());
  // Disposed first (ORT releases its sessions), then terminated: the thread and the pool's
  // workers it started end with it.
  const end = async () => (await ask({ dispose: true }), await worker.terminate());
  return { next, ask, end };
}

const configs = [];
for (const impl of ['simdnorm', 'onnxruntime-web']) for (const threads of threadCounts) configs.push({ impl, threads });

const results = [];
const loadStart = os.loadavg();
for (const shape of SHAPES.filter((s) => shapeIds.includes(s.id))) {
  const series = new Map(); // `${impl} ${threads}T ${op key}` → { config, op, mode, calls, ms }
  for (let r = 0; r < repetitions; ++r)
    for (let i = 0; i < configs.length; ++i) {
      const config = configs[(i + r) % configs.length];
      const worker = startWorker(config.impl, config.threads, shape);
      const keys = (await worker.next()).ops.filter((key) => OPS.includes(key.split(' ')[0]));
      for (let j = 0; j < keys.length; ++j) {
        const key = keys[(j + r) % keys.length];
        const id = `${config.impl} ${config.threads}T ${key}`;
        if (!series.has(id)) {
          const [op, mode] = key.split(' ');
          series.set(id, { config, op, mode, calls: undefined, ms: [] });
        }
        const s = series.get(id);
        // The first round fixes the calls per repetition; the later ones repeat it.
        const { ms, calls } = await worker.ask({ op: key, minMs, warmMs, calls: s.calls });
        s.calls = calls;
        s.ms.push(ms);
      }
      await worker.end();
    }
  const order = (s) => configs.indexOf(s.config);
  for (const s of [...series.values()].sort((a, b) => order(a) - order(b))) {
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
