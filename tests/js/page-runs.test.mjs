// The page's engine runs (web/runs/) in Node on the SIMD128 build: twins start from one set of
// weights (checked against the layer indices written out by hand), the training loop reports
// what the views expect and stops when cancelled, and a run with the same parameters replays
// the same numbers (what a link promises).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import init from '../../wasm/index.js';
import { readImageDataset } from '../../scripts/dataset-files.mjs';
import { mlpLayers } from '../../web/nn/model-zoo.js';
import { batchStream } from '../../web/runs/batches.js';
import { runFigure1 } from '../../web/runs/figure1.js';
import { runClock, trainTogether } from '../../web/runs/train-loop.js';
import { makeTwins } from '../../web/runs/twins.js';

let sn, mnist;
before(async () => {
  sn = await init({ threads: 1 });
  mnist = await readImageDataset('mnist');
});

const layers = { plain: mlpLayers({ batchNorm: false }), bn: mlpLayers({ batchNorm: true }) };
const twinsOf = (options = {}) =>
  makeTwins(sn, layers, {
    inputShape: [1, 28, 28],
    seed: 7,
    batchSize: 8,
    optimizer: (model) => new sn.nn.SGD(model, { lr: 0.1 }),
    ...options,
  });

test('twins start from the first network’s weights: every linear layer, the last bias', () => {
  const twins = twinsOf();
  try {
    const plain = twins.models.plain.stateDict();
    const bn = twins.models.bn.stateDict();
    // flatten, then linear (+ BN) + sigmoid three times, then the output layer.
    for (const [p, b] of [
      ['1.weight', '1.weight'],
      ['3.weight', '4.weight'],
      ['5.weight', '7.weight'],
      ['7.weight', '10.weight'],
      ['7.bias', '10.bias'],
    ]) {
      assert.deepEqual(Array.from(bn[b]), Array.from(plain[p]), `${b} ← ${p}`);
    }
    // BN's own parameters keep their initial values: γ = 1, β = 0.
    assert.ok(Array.from(bn['2.weight']).every((g) => g === 1));
    assert.ok(Array.from(bn['2.bias']).every((g) => g === 0));
    assert.equal(bn['1.bias'], undefined, 'no bias where BN follows');
  } finally {
    twins.dispose();
  }
});

test('initScale multiplies the shared start’s weights, not its biases', () => {
  const base = twinsOf();
  const scaled = twinsOf({ initScale: 3 });
  try {
    const from = base.models.plain.stateDict();
    const plain = scaled.models.plain.stateDict();
    const bn = scaled.models.bn.stateDict();
    const w = Array.from(from['3.weight']);
    assert.deepEqual(
      Array.from(plain['3.weight']),
      w.map((v) => Math.fround(v * 3)),
    );
    assert.deepEqual(Array.from(bn['4.weight']), Array.from(plain['3.weight']));
    assert.deepEqual(Array.from(plain['7.bias']), Array.from(from['7.bias']));
  } finally {
    base.dispose();
    scaled.dispose();
  }
});

test('the training loop reports progress, points and steps/s, and stops when cancelled', async () => {
  const twins = twinsOf();
  try {
    const posted = [];
    const clock = runClock();
    const finished = await trainTogether({
      ...twins,
      clock,
      batches: batchStream(mnist, 8, 1),
      steps: 20,
      measureAt: new Set([0, 5, 20]),
      measure: (step) => ({ step }),
      post: (m) => posted.push(m),
      pause: async () => false,
    });
    assert.equal(finished, true);
    assert.deepEqual(
      posted.filter((m) => m.type === 'point').map((m) => m.step),
      [0, 5, 20],
    );
    const progress = posted.filter((m) => m.type === 'progress');
    assert.deepEqual(progress.at(-1), { type: 'progress', step: 20, steps: 20, stepsPerSecond: clock.stepsPerSecond });
    assert.ok(clock.stepsPerSecond > 0 && Number.isFinite(clock.stepsPerSecond));
    const done = clock.done({ extra: 1 });
    assert.equal(done.type, 'done');
    assert.equal(done.extra, 1);

    // Cancelled at the first chunk's end: no more steps, false returned.
    const stopped = runClock();
    const more = await trainTogether({
      ...twins,
      clock: stopped,
      batches: batchStream(mnist, 8, 1),
      steps: 1e6,
      post: () => {},
      pause: async () => true,
    });
    assert.equal(more, false);
    assert.ok(stopped.steps < 1e6);
  } finally {
    twins.dispose();
  }
});

test('the same Figure 1 parameters replay the same run', async () => {
  const params = { steps: 30, lr: 0.5, seed: 3, evalSize: 200, unit: 0 };
  const run = async () => {
    const points = [];
    await runFigure1({
      sn,
      data: mnist,
      params,
      post: (m) => m.type === 'point' && points.push({ ...m, stepsPerSecond: undefined }),
      pause: async () => false,
    });
    return points;
  };
  const first = await run();
  assert.equal(first.at(-1).step, 30);
  assert.deepEqual(await run(), first);
});
