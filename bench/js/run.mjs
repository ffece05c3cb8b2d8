// Node benchmarks: simdnorm (wasm-simd128, wasm-scalar) against TF.js (wasm, cpu),
// onnxruntime-web (wasm, 1 thread) and plain JavaScript, per shape × op × mode (e2e: Float32Array
// in → out; resident: data already in the library's memory; floor: copy in + resident + copy out,
// bench/js/e2e-floor.mjs). Writes results JSON (+ .md, .svg). Each implementation is timed alone,
// in a process of its own started for one round of its repetitions (bench/js/isolated-peer.mjs);
// 3 rounds, each starting one implementation later; the report takes the medians.
//
//   node bench/js/run.mjs [--quick] [--shapes S1,S3] [--no-training] [--out bench/results/js.json]
// --quick: the CI smoke configuration (S3 only, short timings, a few training steps, no result
// files unless --out). --shapes none: only the training throughput (bench/js/training.mjs).

import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import os from 'node:os';
import { cpuModel } from './cpu-model.mjs';
import { SHAPES, numelOf } from './shapes.mjs';
import { timeIsolated } from './isolated-peer.mjs';
import { runTraining } from './training.mjs';
import { jsReport } from '../report/js.mjs';
import { writeReport } from '../report/write-report.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const quick = flag('--quick');
const shapeIds = value('--shapes', quick ? 'S3' : SHAPES.map((s) => s.id).join(',')).split(',');
const out = value('--out', quick ? null : 'bench/results/js.json');
const timing = quick
  ? { rounds: 1, repetitions: 1, minMs: 1, warmMs: 1 }
  : { rounds: 3, repetitions: 2, minMs: 40, warmMs: 50 };

// Each in a process of its own (bench/js/isolated-peer.mjs); plain JS first: the reference output.
// `modes`: the modes timed, those the report shows (all when absent).
const PEERS = [
  { impl: 'plain JS', modes: ['e2e'] },
  { impl: 'onnxruntime-web', modes: ['e2e'] },
  // TF.js's cpu backend takes seconds per call from 8 MiB up (S1 train fwd ≈ 3 s): measured on
  // the shapes of at most 1 MiB only, so that `npm run bench` stays within its time.
  { impl: 'tfjs', backend: 'cpu', maxNumel: 1 << 18, modes: ['e2e'] },
  { impl: 'tfjs', backend: 'wasm', modes: ['e2e'] },
  { impl: 'simdnorm', simd: false, modes: ['e2e'] },
  // Resident and the floor (bench/js/e2e-floor.mjs) in the same process as the e2e calls.
  { impl: 'simdnorm', simd: true, floor: true },
];
const keep = (key, { spec }) => !spec.modes || spec.modes.includes(key.split(' ')[1]);

const results = [];
const loadStart = os.loadavg();
for (const shape of SHAPES.filter((s) => shapeIds.includes(s.id))) {
  // Max |Δ| of each peer's inference output against plain JS (double accumulation), so a wrong
  // setup cannot pass as a fast one. Tolerance: float32 rounding of |y| ≲ 10 values, ~1e-5.
  let reference = null;
  const maxDiffs = new Map();
  const first = async (config, peer) => {
    const { y } = await peer.ask({ output: true });
    if (!reference) reference = y;
    let maxDiff = 0;
    for (let i = 0; i < y.length; ++i) maxDiff = Math.max(maxDiff, Math.abs(y[i] - reference[i]));
    if (!(maxDiff < 1e-3)) console.warn(`${peer.name} ${shape.id}: inference differs from plain JS by ${maxDiff}`);
    maxDiffs.set(config, maxDiff);
  };
  const configs = PEERS.filter((spec) => numelOf(shape) <= (spec.maxNumel ?? Infinity)).map((spec) => ({ spec }));
  for (const s of await timeIsolated(configs, shape, { ...timing, keep, first })) {
    results.push({
      shape: shape.id,
      layout: shape.layout,
      numel: numelOf(shape),
      peer: s.name,
      op: s.op,
      mode: s.mode,
      ms: s.ms,
      maxDiff: maxDiffs.get(s.config),
    });
    const sorted = [...s.ms].sort((a, b) => a - b);
    console.log(
      `${shape.id} ${s.op.padEnd(9)} ${s.mode.padEnd(8)} ${s.name.padEnd(22)} ${sorted[sorted.length >> 1].toFixed(4)} ms`,
    );
  }
}

// Training throughput of the page's MLP with BN: sn.Trainer vs TF.js layers.
const training = flag('--no-training') ? [] : await runTraining({ quick });

const json = {
  context: {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpuModel(),
    cpus: os.cpus().length,
    loadavg_start: loadStart,
    loadavg_end: os.loadavg(),
    // Relative to the working directory (the repository root under npm run bench), so the command
    // printed in the results runs on any checkout.
    command: [relative(process.cwd(), process.argv[1]), ...args].join(' '),
  },
  results,
  training,
};
if (out) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(json, null, 1));
  process.stdout.write(writeReport(out, jsReport(json)));
}
