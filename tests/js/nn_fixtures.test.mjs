// sn.nn against PyTorch 1.13: every fixture of tests/fixtures/engine (written by
// tests/pytorch/make_engine_fixtures.py: an nn.Sequential loaded with a fixed state, trained for
// a few optimizer steps on fixed batches, then run in eval mode) replayed through the public JS
// API on both builds: the state-dict keys and shapes, every step's loss and training-mode logits
// (and gradient norm where the script clips with clip_grad_norm_), every final parameter and running statistic (num_batches_tracked included, per step for the BN-LSTMs) and the eval logits,
// also on sequences longer than the trained ones where the fixture has them.
// The layer specs below are written from the script's torch.nn modules, independently of the C++
// test's.
//
// Tolerance 1e-5 absolute + 1e-5 relative, as the C++ replay (src/nn/tests/pytorch_parity_test.cpp):
// float32 results computed in another order (im2col GEMM vs ATen's loops) differ by a few ulp per
// operation, about 1e-6 after four steps; a wrong default or a missing term of an update rule
// moves values by 1e-3 or more.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import init from '../../wasm/index.js';

// Objects made by a test, disposed after it (Node 20 has no `using`).
const owned = [];
const own = (o) => (owned.push(o), o);
afterEach(() => owned.splice(0).forEach((o) => o.dispose()));

const FIXTURES = new URL('../fixtures/engine/', import.meta.url);

const MODELS = {
  cnn: [
    { type: 'conv2d', inChannels: 1, outChannels: 4, kernelSize: 3, stride: 1, padding: 1, bias: false },
    { type: 'batchNorm2d', numFeatures: 4 },
    { type: 'relu' },
    { type: 'maxPool2d', kernelSize: 2 },
    { type: 'conv2d', inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1 },
    { type: 'tanh' },
    { type: 'avgPool2d', kernelSize: 2, stride: 1 },
    { type: 'flatten' },
    { type: 'linear', inFeatures: 24, outFeatures: 5 },
  ],
  mlp: [
    { type: 'linear', inFeatures: 6, outFeatures: 8, bias: false },
    { type: 'batchNorm1d', numFeatures: 8 },
    { type: 'sigmoid' },
    { type: 'linear', inFeatures: 8, outFeatures: 8, bias: false },
    { type: 'batchNorm1d', numFeatures: 8, momentum: null, eps: 1e-3 },
    { type: 'relu' },
    { type: 'linear', inFeatures: 8, outFeatures: 4 },
  ],
  // nn.LSTM / nn.RNN (batch_first) returning the last step's hidden state or every step's.
  lstm_last: [
    { type: 'lstm', inputSize: 4, hiddenSize: 6 },
    { type: 'linear', inFeatures: 6, outFeatures: 3 },
  ],
  rnn_last: [
    { type: 'rnn', inputSize: 4, hiddenSize: 6 },
    { type: 'linear', inFeatures: 6, outFeatures: 3 },
  ],
  lstm_sequence: [
    { type: 'lstm', inputSize: 4, hiddenSize: 6, returnSequences: true },
    { type: 'linear', inFeatures: 6, outFeatures: 3 },
    { type: 'tanh' },
    { type: 'flatten' },
    { type: 'linear', inFeatures: 15, outFeatures: 3 },
  ],
  // The script's BNLSTM (Cooijmans et al. recurrent BN); maxLength 5 as trained, so the same
  // specs run the longer eval sequences.
  bn_lstm_per_step: [
    { type: 'lstm', inputSize: 4, hiddenSize: 6, batchNorm: 'per-step', maxLength: 5 },
    { type: 'linear', inFeatures: 6, outFeatures: 3 },
  ],
  bn_lstm_shared: [
    { type: 'lstm', inputSize: 4, hiddenSize: 6, batchNorm: 'shared' },
    { type: 'linear', inFeatures: 6, outFeatures: 3 },
  ],
  bn_lstm_sequence: [
    { type: 'lstm', inputSize: 4, hiddenSize: 6, batchNorm: 'per-step', returnSequences: true },
    { type: 'linear', inFeatures: 6, outFeatures: 3 },
    { type: 'tanh' },
    { type: 'flatten' },
    { type: 'linear', inFeatures: 15, outFeatures: 3 },
  ],
};

function readFixture(file) {
  const rec = new Map();
  for (const line of readFileSync(new URL(file, FIXTURES), 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [key, ...tokens] = line.split(' ');
    rec.set(
      key,
      tokens.filter((t) => t !== ''),
    );
  }
  const get = (key) => {
    if (!rec.has(key)) throw new Error(`${file}: record ${key} missing`);
    return rec.get(key);
  };
  return {
    keys: [...rec.keys()].filter((k) => k.startsWith('init.')).map((k) => k.slice(5)),
    text: (key) => get(key)[0],
    has: (key) => rec.has(key),
    number: (key) => Number(get(key)[0]),
    ints: (key) => get(key).map(Number),
    tensor: (key) => Float32Array.from(get(key), Number),
  };
}

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-5 + 1e-5 * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tol))
      assert.fail(`${what}[${i}]: expected ${expected[i]} ± ${tol.toExponential(1)}, got ${actual[i]}`);
  }
}

function optimizerFor(sn, model, f) {
  const kind = f.text('optimizer');
  if (kind === 'sgd')
    return new sn.nn.SGD(model, {
      lr: f.number('lr'),
      momentum: f.number('momentum'),
      dampening: f.number('dampening'),
      weightDecay: f.number('weight_decay'),
      nesterov: f.number('nesterov') === 1,
    });
  if (kind === 'adam')
    return new sn.nn.Adam(model, {
      lr: f.number('lr'),
      betas: [f.number('beta1'), f.number('beta2')],
      eps: f.number('eps'),
      weightDecay: f.number('weight_decay'),
    });
  if (kind === 'rmsprop')
    return new sn.nn.RMSprop(model, {
      lr: f.number('lr'),
      alpha: f.number('alpha'),
      eps: f.number('eps'),
      weightDecay: f.number('weight_decay'),
      momentum: f.number('momentum'),
      centered: f.number('centered') === 1,
    });
  throw new Error(`unknown optimizer ${kind}`);
}

const FILES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.txt'))
  .sort();

test('the engine fixtures are there', () =>
  assert.ok(FILES.length >= 14, `fixtures in ${FIXTURES.pathname}: ${FILES}`));

for (const simd of [true, false]) {
  describe(`sn.nn replays PyTorch (${simd ? 'simd' : 'scalar'})`, async () => {
    const sn = await init({ simd });
    for (const file of FILES) {
      const f = readFixture(file);
      const clip = f.number('clip');
      test(file, () => {
        assert.ok(MODELS[f.text('model')], `${file}: model ${f.text('model')} has no spec in this test`);
        const options = { inputShape: f.ints('input_shape'), seed: 1 };
        const model = own(new sn.nn.Sequential(MODELS[f.text('model')], options));
        // Keys in PyTorch's order, PyTorch's shapes.
        assert.deepEqual(Object.keys(model.stateDict()), f.keys, 'state-dict keys');
        const shapes = model.stateDictShapes();
        for (const key of f.keys) assert.deepEqual([...shapes[key]], f.ints(`shape.${key}`), `shape of ${key}`);

        const initial = Object.fromEntries(f.keys.map((k) => [k, f.tensor(`init.${k}`)]));
        model.loadStateDict(initial);
        const opt = own(optimizerFor(sn, model, f));
        // The training-mode logits of each step, from a twin loaded with the model's state.
        const twin = own(new sn.nn.Sequential(MODELS[f.text('model')], options));
        for (let s = 0; s < f.number('steps'); s++) {
          const x = f.tensor(`x.${s}`);
          const labels = Int32Array.from(f.ints(`labels.${s}`));
          twin.loadStateDict(model.stateDict());
          assertClose(twin.forward(x), f.tensor(`logits.${s}`), `step ${s} logits`);
          const { loss, correct, gradNorm } = model.trainStep(
            x,
            labels,
            opt,
            clip > 0 ? { maxGradNorm: clip } : undefined,
          );
          if (clip > 0) {
            const norm = f.number(`grad_norm.${s}`);
            assert.ok(Math.abs(gradNorm - norm) <= 1e-4 * (1 + norm), `step ${s} gradient norm ${gradNorm} vs ${norm}`);
          } else assert.equal(gradNorm, undefined);
          const expected = f.number(`loss.${s}`);
          assert.ok(
            Math.abs(loss - expected) <= 2e-5 * (1 + Math.abs(expected)),
            `step ${s} loss ${loss} vs ${expected}`,
          );
          assert.ok(Number.isInteger(correct) && correct >= 0 && correct <= labels.length, `step ${s} correct`);
        }
        const final = model.stateDict();
        for (const key of f.keys) assertClose(final[key], f.tensor(`final.${key}`), `final ${key}`);

        model.eval();
        assert.equal(model.training, false);
        assertClose(model.forward(f.tensor('eval_x')), f.tensor('eval_logits'), 'eval logits');

        // Sequences longer than the trained ones, with the trained state.
        if (f.has('eval_long_steps')) {
          const inputShape = [f.number('eval_long_steps'), ...options.inputShape.slice(1)];
          const longer = own(new sn.nn.Sequential(MODELS[f.text('model')], { ...options, inputShape }));
          longer.loadStateDict(final);
          longer.eval();
          assertClose(
            longer.forward(f.tensor('eval_long_x')),
            f.tensor('eval_long_logits'),
            'eval logits, longer sequences',
          );
        }
      });
    }
  });
}
