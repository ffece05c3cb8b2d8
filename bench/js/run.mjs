// Node benchmarks: simdnorm (wasm-simd128, wasm-scalar) against TF.js (wasm, cpu),
// onnxruntime-web (wasm, 1 thread) and plain JavaScript, per shape × op × mode (e2e: Float32Array
// in → out; resident: data already in the library's memory; floor: copy in + resident + copy out,
// bench/js/e2e-floor.mjs). Writes results JSON (+ .md, .svg).
//
//   node bench/js/run.mjs [--quick] [--shapes S1,S3] [--no-training] [--out bench/results/js.json]
// --quick: the CI smoke configuration (S3 only, short timings, a few training steps, no result
// files unless --out). --shapes none: only the training throughput (bench/js/training.mjs).

import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import os from 'node:os';
import { cpuModel } from './cpu-model.mjs';
import { SHAPES, makeInputs, numelOf } from './shapes.mjs';
import { allocatingCalls, timeInterleaved } from './timing.mjs';
import { simdnormPeer } from './peers/simdnorm.mjs';
import { withFloor } from './e2e-floor.mjs';
import { plainJsPeer } from './peers/plain-js.mjs';
import { tfjsPeer } from './peers/tfjs.mjs';
import { onnxRuntimePeer } from './peers/onnxruntime.mjs';
import { runTraining } from './training.mjs';
import { jsReport } from '../report/js.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const quick = flag('--quick');
const shapeIds = value('--shapes', quick ? 'S3' : SHAPES.map((s) => s.id).join(',')).split(',');
const out = value('--out', quick ? null : 'bench/results/js.json');
const timing = quick
  ? { repetitions: 1, minMs: 1, maxMs: 200, warmMs: 1 }
  : { repetitions: 7, minMs: 40, maxMs: 2500, warmMs: 50 };

const PEERS = [
  async (s, i) => withFloor(await simdnormPeer(s, i, { simd: true }), s, i, { simd: true }),
  (s, i) => simdnormPeer(s, i, { simd: false }),
  (s, i) => tfjsPeer(s, i, { backend: 'wasm' }),
  // TF.js's cpu backend takes seconds per call from 8 MiB up (S1 train fwd ≈ 3 s): measured on
  // the shapes of at most 1 MiB only, so that `npm run bench` stays within 10 minutes.
  (s, i) => (numelOf(s) <= 1 << 18 ? tfjsPeer(s, i, { backend: 'cpu' }) : null),
  (s, i) => onnxRuntimePeer(s, i),
  (s, i) => plainJsPeer(s, i),
];

// Max |Δ| of each peer's inference output against plain JS (double accumulation), so a wrong
// setup cannot pass as a fast one. Tolerance: float32 rounding of |y| ≲ 10 values, ~1e-5.
async function inferOutput(peer) {
  const r = peer.ops['infer e2e']();
  return r instanceof Promise ? await r : r;
}

const results = [];
const loadStart = os.loadavg();
for (const shape of SHAPES.filter((s) => shapeIds.includes(s.id))) {
  const base = makeInputs(shape);
  let reference = null;
  for (const make of [...PEERS].reverse()) {
    // plain JS first: the reference output
    const inp = structuredClone(base);
    const peer = await make(shape, inp);
    if (!peer) continue;
    const y = await inferOutput(peer);
    if (!reference) reference = Float32Array.from(y);
    let maxDiff = 0;
    for (let i = 0; i < y.length; ++i) maxDiff = Math.max(maxDiff, Math.abs(y[i] - reference[i]));
    if (!(maxDiff < 1e-3)) console.warn(`${peer.name} ${shape.id}: inference differs from plain JS by ${maxDiff}`);
    // The modes of one op (e2e, resident, floor) interleave repetition by repetition, so the
    // report's e2e ÷ floor and e2e ÷ resident ratios are free of the machine's drift.
    const byOp = new Map();
    for (const [key, fn] of Object.entries(peer.ops)) {
      const [op, mode] = key.split(' ');
      byOp.set(op, { ...byOp.get(op), [mode]: fn });
    }
    for (const [op, modes] of byOp) {
      await peer.setup();
      // Modes that return fresh arrays: at most 16 MiB of them per output per repetition
      // (bench/js/timing.mjs); resident and into-out calls allocate nothing.
      const allocating = allocatingCalls(numelOf(shape));
      const maxCalls = (mode) => (mode === 'e2e' || mode === 'floor' ? allocating : 1e6);
      const times = await timeInterleaved(modes, { ...timing, maxCalls }, peer.async);
      for (const [mode, ms] of Object.entries(times)) {
        results.push({
          shape: shape.id,
          layout: shape.layout,
          numel: numelOf(shape),
          peer: peer.name,
          op,
          mode,
          ms,
          maxDiff,
        });
        const sorted = [...ms].sort((a, b) => a - b);
        console.log(
          `${shape.id} ${op.padEnd(9)} ${mode.padEnd(8)} ${peer.name.padEnd(22)} ${sorted[sorted.length >> 1].toFixed(4)} ms`,
        );
      }
    }
    await peer.dispose();
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
  const { md, svg } = jsReport(json);
  writeFileSync(out.replace(/\.json$/, '.md'), md);
  writeFileSync(out.replace(/\.json$/, '.svg'), svg);
  process.stdout.write(md);
}
