// The layer engine's training step in Node: sn.nn (wasm SIMD128 and scalar) against TF.js layers
// (model.trainOnBatch) on its wasm (1 thread) and cpu backends, on issue 11's two benchmark models
// — the same models, batch, optimizer and data as the native suite (bench/native/engine_ops.cpp,
// bench/native/torch_train_step.py):
//
//   cnn: conv 1→16 3×3 pad 1 (no bias) → BN2d → ReLU → maxpool 2 → conv 16→32 → BN2d → ReLU →
//        maxpool 2 → flatten → linear 1568→10; batch 64 of 1×28×28
//   mlp: [linear (no bias) → BN1d → sigmoid] × 3 (784→100→100→100) → linear 100→10; batch 60
//
// SGD lr 0.01 with momentum 0.9, mean softmax cross-entropy, BN momentum 0.1 (Keras: 0.9) and
// eps 1e-5, one fixed batch of standard normals with labels i % 10. TF.js runs in its native
// layout (NHWC: its NCHW conv2d does not exist on the cpu backend), the batch uploaded once; a
// step is trainOnBatch, whose promise resolves with the loss, as sn.nn's trainStep returns it.
// Every (library, backend) × model is tried: one that throws is recorded with its error (TF.js's
// wasm backend has no Conv2DBackpropFilter kernel, so the CNN's wasm attempt fails).
//
// Repetitions are interleaved (each repetition runs every trainer once), so a change of the
// machine's load hits all of them alike. Rates are steps per CPU second of this process
// (process.cpuUsage), with wall-clock rates alongside.
//
//   node bench/js/engine-training.mjs [--quick] [--models cnn,mlp] [--out file.json]
// (part of `npm run bench`; --models keeps the models whose id contains one of the names)

import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import init from '../../wasm/index.js';
import { cpuModel } from './cpu-model.mjs';

// Forward + backward ≈ 3× the forward's multiply-adds, 2 flops each (as engine_ops.cpp).
export const ENGINE_MODELS = Object.freeze([
  {
    id: 'mnist_cnn_batch64',
    label: 'MNIST CNN (conv 1→16, 16→32, BN2d), batch 64',
    batch: 64,
    flopsPerSample: 3 * 2 * (16 * 9 * 28 * 28 + 32 * 16 * 9 * 14 * 14 + 1568 * 10),
  },
  {
    id: 'bn_mlp_784_100x3_10_batch60',
    label: 'BN paper MLP (784-100-100-100-10 sigmoid, BN1d), batch 60',
    batch: 60,
    flopsPerSample: 3 * 2 * (784 * 100 + 100 * 100 * 2 + 100 * 10),
  },
]);
const LR = 0.01,
  MOMENTUM = 0.9;

function snSpecs(id) {
  if (id === 'mnist_cnn_batch64') {
    const specs = [];
    for (const [inC, outC] of [
      [1, 16],
      [16, 32],
    ])
      specs.push(
        { type: 'conv2d', inChannels: inC, outChannels: outC, kernelSize: 3, padding: 1, bias: false },
        { type: 'batchNorm2d', numFeatures: outC },
        { type: 'relu' },
        { type: 'maxPool2d', kernelSize: 2 },
      );
    return [...specs, { type: 'flatten' }, { type: 'linear', inFeatures: 32 * 7 * 7, outFeatures: 10 }];
  }
  const specs = [{ type: 'flatten' }];
  let width = 784;
  for (let i = 0; i < 3; ++i) {
    specs.push(
      { type: 'linear', inFeatures: width, outFeatures: 100, bias: false },
      { type: 'batchNorm1d', numFeatures: 100 },
      { type: 'sigmoid' },
    );
    width = 100;
  }
  return [...specs, { type: 'linear', inFeatures: 100, outFeatures: 10 }];
}

function tfModel(id) {
  const bn = () => tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
  const model = tf.sequential();
  if (id === 'mnist_cnn_batch64') {
    [16, 32].forEach((filters, i) => {
      model.add(
        tf.layers.conv2d({
          filters,
          kernelSize: 3,
          padding: 'same',
          useBias: false,
          ...(i === 0 ? { inputShape: [28, 28, 1] } : {}),
        }),
      );
      model.add(bn());
      model.add(tf.layers.activation({ activation: 'relu' }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    });
    model.add(tf.layers.flatten());
  } else {
    for (let i = 0; i < 3; ++i) {
      model.add(tf.layers.dense({ units: 100, useBias: false, ...(i === 0 ? { inputShape: [784] } : {}) }));
      model.add(bn());
      model.add(tf.layers.activation({ activation: 'sigmoid' }));
    }
  }
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.momentum(LR, MOMENTUM), loss: 'categoricalCrossentropy' });
  return model;
}

// The fixed batch: standard normals (Box–Muller on a seeded LCG) and labels i % 10.
function batchOf(m) {
  let seed = 5;
  const u = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  const x = new Float32Array(m.batch * 784);
  for (let i = 0; i < x.length; ++i) x[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const labels = Int32Array.from({ length: m.batch }, (_, i) => i % 10);
  return { x, labels };
}

// A trainer: { name, backend, model, step(k) → Promise|void, loss(), dispose() }.
async function snTrainer(simd, m, data) {
  const sn = await init({ simd, threads: 1 });
  const model = new sn.nn.Sequential(snSpecs(m.id), { inputShape: [1, 28, 28], seed: 1, batchSize: m.batch });
  const opt = new sn.nn.SGD(model, { lr: LR, momentum: MOMENTUM });
  let loss = NaN;
  return {
    peer: `sn.nn ${sn.isa}`,
    step(k) {
      for (let i = 0; i < k; ++i) loss = model.trainStep(data.x, data.labels, opt).loss;
    },
    loss: () => loss,
    dispose() {
      opt.dispose();
      model.dispose();
    },
  };
}

async function tfTrainer(backend, m, data) {
  await tf.setBackend(backend);
  await tf.ready();
  const model = tfModel(m.id);
  const shape = m.id === 'mnist_cnn_batch64' ? [m.batch, 28, 28, 1] : [m.batch, 784];
  const x = tf.tensor(data.x, shape); // the same numbers; NHWC = NCHW for one channel
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(data.labels, 'int32'), 10).toFloat());
  let loss = NaN;
  return {
    peer: `TF.js ${backend} layers`,
    backend,
    async step(k) {
      await tf.setBackend(backend); // interleaved with the other backend's trainers
      for (let i = 0; i < k; ++i) loss = await model.trainOnBatch(x, y);
    },
    loss: () => loss,
    dispose() {
      tf.dispose([x, y]);
      model.dispose();
    },
  };
}

// steps per CPU second and per wall second of `chunk`-step runs lasting at least minMs.
async function measure(t, chunk, minMs) {
  let steps = 0;
  const cpu0 = process.cpuUsage(),
    wall0 = performance.now();
  do {
    await t.step(chunk);
    steps += chunk;
  } while (performance.now() - wall0 < minMs);
  const wall = (performance.now() - wall0) / 1000;
  const c = process.cpuUsage(cpu0);
  return { steps, cpu: (c.user + c.system) / 1e6, wall };
}

export async function runEngineTraining({ quick = false, models = null, log = console.log } = {}) {
  setThreadsCount(1); // before TF.js's wasm backend initializes (no effect after)
  const timing = quick ? { repetitions: 1, minMs: 1 } : { repetitions: 5, minMs: 1500 };
  const makers = [
    ['sn.nn wasm-simd128', (m, d) => snTrainer(true, m, d)],
    ['sn.nn wasm-scalar', (m, d) => snTrainer(false, m, d)],
    ['TF.js wasm layers', (m, d) => tfTrainer('wasm', m, d)],
    ['TF.js cpu layers', (m, d) => tfTrainer('cpu', m, d)],
  ];
  const results = [];
  // quick (the CI smoke run): batches of 4, one step each — TF.js's cpu backend takes seconds for
  // one step of the CNN at batch 64.
  const chosen = ENGINE_MODELS.filter((m) => !models || models.some((name) => m.id.includes(name)));
  for (const m of quick ? chosen.map((m) => ({ ...m, batch: 4 })) : chosen) {
    const data = batchOf(m);
    const live = [];
    for (const [peer, make] of makers) {
      const entry = { model: m.id, peer, batch: m.batch, flopsPerSample: m.flopsPerSample, runs: [] };
      results.push(entry);
      try {
        const t = await make(m, data);
        // Warm-up, and the check that the backend has every kernel of the step; the chunk makes
        // one call last ≳ 50 ms so timer and loop costs vanish.
        const w = await measure(t, 1, 0);
        entry.lossFirst = t.loss();
        entry.chunk = quick ? 1 : Math.max(1, Math.round(0.05 / w.wall));
        live.push({ t, entry });
      } catch (e) {
        entry.error = String(e?.message ?? e).split('\n')[0];
        log(`engine ${m.id} ${peer}: not run: ${entry.error}`);
      }
    }
    for (let r = 0; r < timing.repetitions; ++r)
      for (const { t, entry } of live) entry.runs.push(await measure(t, entry.chunk, timing.minMs));
    for (const { t, entry } of live) {
      entry.lossLast = t.loss();
      t.dispose();
      const rates = entry.runs.map((x) => x.steps / x.cpu).sort((a, b) => a - b);
      log(
        `engine ${m.id.padEnd(28)} ${entry.peer.padEnd(20)} ${rates[rates.length >> 1].toFixed(1).padStart(8)} steps/s ` +
          `(loss ${entry.lossFirst.toFixed(3)} → ${entry.lossLast.toFixed(3)})`,
      );
    }
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const loadavgStart = os.loadavg();
  const models = args.includes('--models') ? args[args.indexOf('--models') + 1].split(',') : null;
  const engine = await runEngineTraining({ quick: args.includes('--quick'), models });
  if (args.includes('--out')) {
    const json = {
      context: {
        date: new Date().toISOString(),
        node: process.version,
        tfjs: tf.version.tfjs,
        cpu: cpuModel(),
        cpus: os.cpus().length,
        loadavg_start: loadavgStart,
        loadavg_end: os.loadavg(),
        command: [
          'bench/js/engine-training.mjs',
          ...args.filter((a, i) => a !== '--out' && args[i - 1] !== '--out'),
        ].join(' '),
      },
      engine,
    };
    writeFileSync(args[args.indexOf('--out') + 1], JSON.stringify(json, null, 1));
  }
}
