// A model trained with sn.nn loads into PyTorch: the JS state dict, saved to a file, goes into
// the same torch.nn.Sequential with load_state_dict(strict=True) in /usr/bin/python3
// (tests/pytorch/check_js_state_dict.py, which defines the models from torch.nn itself), and
// PyTorch's eval-mode logits on the saved input must be the JS model's. Skipped, saying why, only
// when python3-torch is not installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import init from '../../wasm/index.js';

// Objects made by a test, disposed after it (Node 20 has no `using`).
const owned = [];
const own = (o) => (owned.push(o), o);
afterEach(() => owned.splice(0).forEach((o) => o.dispose()));

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../pytorch/check_js_state_dict.py', import.meta.url));
const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
const noTorch =
  probe.status === 0 ? false : `${PYTHON} cannot import torch (install python3-torch): ${probe.stderr || probe.error}`;

const MODELS = {
  cnn: {
    inputShape: [1, 12, 12],
    classes: 7,
    tracked: { '1.num_batches_tracked': 5 },
    layers: [
      { type: 'conv2d', inChannels: 1, outChannels: 8, kernelSize: 3, stride: 1, padding: 1, bias: false },
      { type: 'batchNorm2d', numFeatures: 8 },
      { type: 'relu' },
      { type: 'maxPool2d', kernelSize: 2 },
      { type: 'conv2d', inChannels: 8, outChannels: 6, kernelSize: 3, stride: 2, padding: 1 },
      { type: 'batchNorm2d', numFeatures: 6, momentum: null, eps: 1e-3 },
      { type: 'tanh' },
      { type: 'avgPool2d', kernelSize: 2, stride: 1 },
      { type: 'flatten' },
      { type: 'dropout', p: 0.25 },
      { type: 'linear', inFeatures: 24, outFeatures: 7 },
    ],
  },
  mlp: {
    inputShape: [20],
    classes: 3,
    tracked: { '1.num_batches_tracked': 5 },
    layers: [
      { type: 'linear', inFeatures: 20, outFeatures: 16, bias: false },
      { type: 'batchNorm1d', numFeatures: 16 },
      { type: 'sigmoid' },
      { type: 'linear', inFeatures: 16, outFeatures: 3 },
    ],
  },
  // Recurrent BN: per-step statistics returning the sequence, then one set shared by all steps.
  bn_lstm: {
    inputShape: [6, 5],
    classes: 3,
    tracked: {
      '0.bn_ih.num_batches_tracked': [5, 5, 5, 5, 5, 5],
      '0.bn_hh.num_batches_tracked': [5, 5, 5, 5, 5, 5],
      '0.bn_c.num_batches_tracked': [5, 5, 5, 5, 5, 5],
      '1.bn_ih.num_batches_tracked': [30],
      '1.bn_hh.num_batches_tracked': [30],
      '1.bn_c.num_batches_tracked': [30],
    },
    layers: [
      { type: 'lstm', inputSize: 5, hiddenSize: 8, batchNorm: 'per-step', returnSequences: true },
      { type: 'lstm', inputSize: 8, hiddenSize: 6, batchNorm: 'shared' },
      { type: 'linear', inFeatures: 6, outFeatures: 3 },
    ],
  },
};

for (const simd of [true, false])
  for (const [name, spec] of Object.entries(MODELS))
    test(
      `a ${name} trained in JS gives PyTorch's eval logits (${simd ? 'simd' : 'scalar'})`,
      { skip: noTorch },
      async () => {
        const sn = await init({ simd });
        const model = own(new sn.nn.Sequential(spec.layers, { inputShape: spec.inputShape, seed: 4 }));
        const opt = own(new sn.nn.Adam(model, { lr: 0.01, weightDecay: 1e-4 }));
        const per = spec.inputShape.reduce((a, b) => a * b, 1);
        const n = 16;
        let s = 1;
        const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 2;
        for (let step = 0; step < 5; step++) {
          const x = Float32Array.from({ length: n * per }, next);
          const labels = Int32Array.from({ length: n }, () => Math.floor((next() + 1) * 0.5 * spec.classes));
          model.trainStep(x, labels, opt);
        }
        model.eval();
        const x = Float32Array.from({ length: 5 * per }, next);
        const logits = model.forward(x);
        const shapes = model.stateDictShapes();
        const state = Object.fromEntries(
          Object.entries(model.stateDict()).map(([k, v]) => [k, { shape: shapes[k], values: Array.from(v) }]),
        );
        for (const [key, counts] of Object.entries(spec.tracked))
          assert.deepEqual(state[key].values, [counts].flat(), key);
        const dir = mkdtempSync(join(tmpdir(), 'simdnorm-nn-'));
        try {
          const file = join(dir, `${name}.json`);
          writeFileSync(
            file,
            JSON.stringify({
              model: name,
              inputShape: spec.inputShape,
              state,
              x: Array.from(x),
              logits: Array.from(logits),
            }),
          );
          const r = spawnSync(PYTHON, [SCRIPT, file], { encoding: 'utf8' });
          assert.equal(r.status, 0, `check_js_state_dict.py: ${r.stdout}${r.stderr}`);
          const report = JSON.parse(r.stdout);
          for (const [key, counts] of Object.entries(spec.tracked))
            assert.deepEqual(report.numBatchesTracked[key], counts, `${key} as PyTorch reads it`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
