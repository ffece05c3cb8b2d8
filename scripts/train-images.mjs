// `npm run train -- --model cnn|mlp --dataset mnist|fashion-mnist`: a named model (web/nn/model-zoo.js)
// trained with sn.nn in Node on a built-in image set, measured on the whole test split in eval
// mode. The same loop, options and defaults as the native `simdnorm_train --model`
// (src/nn/fit_image_classifier.cpp); the defaults are the learning-target tests' budget.
import { readImageDataset } from './dataset-files.mjs';
import { modelNames, namedModel } from '../web/nn/model-zoo.js';
import { labelsInt32, toTensor } from '../web/data/idx.js';
import { batchSampler } from '../web/runs/batches.js';

export const HELP = `usage: npm run train -- --model cnn|mlp --dataset mnist|fashion-mnist [options]
  --bn | --no-bn        the model with BatchNorm (default) or its twin without
  --optimizer sgd|momentum|adam (adam)   --lr X (0.002)   --schedule cosine|constant (cosine)
  --batch N (64)        --steps N (1000)  or  --epochs E (E · 60000/N steps)
  --train-limit N       the first N training images only
  --seed N (1)          --every N (100, progress interval)
  --data-dir DIR        the four idx files, plain or .gz (default: docs/data.md)
  --scalar              the wasm build without SIMD128
  --json                print only the final result, as one JSON line
The defaults are the budget of the learning-target tests (docs/trainer.md): ≥ 98 % on MNIST and
≥ 88 % on Fashion-MNIST with the BN cnn.`;

export const defaults = Object.freeze({
  model: 'cnn',
  batchNorm: true,
  optimizer: 'adam',
  lr: 0.002,
  schedule: 'cosine',
  batch: 64,
  steps: 1000,
  trainLimit: 0,
  seed: 1,
});

const OPTIMIZERS = ['sgd', 'momentum', 'adam'];

function makeOptimizer(sn, model, { optimizer, lr }) {
  if (optimizer === 'sgd') return new sn.nn.SGD(model, { lr });
  if (optimizer === 'momentum') return new sn.nn.SGD(model, { lr, momentum: 0.9 });
  return new sn.nn.Adam(model, { lr });
}

// Mean loss and accuracy of `model` (eval mode) over a whole split, 500 images at a time.
export function evaluate(model, set, { mean, std }) {
  const chunk = 500;
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  const x = new Float32Array(chunk * size);
  const classes = model.outputShape[0];
  let loss = 0,
    correct = 0;
  for (let at = 0; at < set.count; at += chunk) {
    const n = Math.min(chunk, set.count - at);
    const indices = Array.from({ length: n }, (_, i) => at + i);
    const logits = model.forward(toTensor(set, indices, x.subarray(0, n * size), { mean, std }));
    for (let i = 0; i < n; i++) {
      const row = logits.subarray(i * classes, (i + 1) * classes);
      const label = set.labels[at + i];
      let best = 0;
      for (let k = 1; k < classes; k++) if (row[k] > row[best]) best = k;
      correct += best === label;
      // log-sum-exp, shifted by the row maximum.
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += Math.exp(row[k] - row[best]);
      loss += Math.log(sum) - (row[label] - row[best]);
    }
  }
  return { loss: loss / set.count, accuracy: correct / set.count };
}

// Throws a RangeError naming the first bad option (as its flag), the expected and the given value;
// `count` is the number of training images used (the batch must fit), `every` the progress interval.
export function checkImageTrainingOptions(options, count = Infinity, every = 100) {
  const o = { ...defaults, ...options };
  const check = (ok, flag, expected, got) => {
    if (!ok) throw new RangeError(`${flag}: expected ${expected}, got ${got}`);
  };
  check(modelNames.includes(o.model), '--model', modelNames.join(' or '), JSON.stringify(o.model));
  check(OPTIMIZERS.includes(o.optimizer), '--optimizer', 'sgd, momentum or adam', JSON.stringify(o.optimizer));
  check(
    Number.isInteger(o.batch) && o.batch >= 2 && o.batch <= count,
    '--batch',
    count === Infinity ? 'a whole number ≥ 2' : `a whole number in [2, ${count}]`,
    o.batch,
  );
  check(Number.isInteger(o.steps) && o.steps >= 1, '--steps', 'a whole number ≥ 1', o.steps);
  check(Number.isFinite(o.lr) && o.lr > 0, '--lr', 'a finite number > 0', o.lr);
  check(['constant', 'cosine'].includes(o.schedule), '--schedule', 'constant or cosine', JSON.stringify(o.schedule));
  check(Number.isInteger(o.trainLimit) && o.trainLimit >= 0, '--train-limit', 'a whole number ≥ 0', o.trainLimit);
  check(Number.isInteger(o.seed) && o.seed >= 0, '--seed', 'a whole number ≥ 0', o.seed);
  check(Number.isInteger(every) && every >= 1, '--every', 'a whole number ≥ 1', every);
  return o;
}

// Trains namedModel(options.model) on `data` (readImageDataset / loadImageDataset) and returns
// { steps, seconds, stepsPerSecond, testLoss, testAccuracy, isa }. onProgress({ step, loss,
// accuracy, stepsPerSecond }) every `every` steps and after the last (loss and batch accuracy
// averaged since the previous report, train mode).
export function trainImageClassifier(sn, data, options = {}, { every = 100, onProgress } = {}) {
  const limit = options.trainLimit ?? defaults.trainLimit;
  const count = limit ? Math.min(limit, data.train.count) : data.train.count;
  const o = checkImageTrainingOptions(options, count, every);
  const size = data.train.shape[0] * data.train.shape[1] * data.train.shape[2];
  const model = new sn.nn.Sequential(namedModel(o.model, { batchNorm: o.batchNorm }), {
    inputShape: data.train.shape,
    seed: o.seed,
    batchSize: o.batch,
  });
  let opt;
  try {
    opt = makeOptimizer(sn, model, o);
    const sampler = batchSampler(count, o.batch, o.seed);
    const x = new Float32Array(o.batch * size);
    const y = new Int32Array(o.batch);
    const normalize = { mean: data.mean, std: data.std };
    const start = performance.now();
    let lossSum = 0,
      correct = 0,
      since = 0;
    for (let step = 1; step <= o.steps; step++) {
      const indices = sampler.next();
      toTensor(data.train, indices, x, normalize);
      labelsInt32(data.train, indices, y);
      opt.lr = o.schedule === 'constant' ? o.lr : 0.5 * o.lr * (1 + Math.cos((Math.PI * (step - 1)) / o.steps));
      const r = model.trainStep(x, y, opt);
      lossSum += r.loss;
      correct += r.correct;
      since++;
      if (onProgress && (step % every === 0 || step === o.steps)) {
        const seconds = (performance.now() - start) / 1000;
        onProgress({
          step,
          loss: lossSum / since,
          accuracy: correct / (since * o.batch),
          stepsPerSecond: step / seconds,
        });
        lossSum = correct = since = 0;
      }
    }
    const seconds = (performance.now() - start) / 1000;
    model.eval();
    const test = evaluate(model, data.test, normalize);
    return {
      steps: o.steps,
      seconds,
      stepsPerSecond: o.steps / seconds,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      isa: sn.isa,
    };
  } finally {
    opt?.dispose();
    model.dispose();
  }
}

const NUMBERS = {
  '--lr': 'lr',
  '--batch': 'batch',
  '--steps': 'steps',
  '--train-limit': 'trainLimit',
  '--seed': 'seed',
};

export function parseImageTrainingArgs(argv) {
  const options = {};
  const run = { dataset: null, dataDir: undefined, every: 100, epochs: 0, json: false, simd: undefined, help: false };
  if (argv.includes('--help') || argv.includes('-h')) return { options, run: { ...run, help: true } };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--bn' || flag === '--no-bn') options.batchNorm = flag === '--bn';
    else if (flag === '--json') run.json = true;
    else if (flag === '--scalar') run.simd = false;
    else {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new RangeError(`${flag}: expected a value`);
      if (flag === '--model') options.model = value;
      else if (flag === '--dataset') run.dataset = value;
      else if (flag === '--data-dir') run.dataDir = value;
      else if (flag === '--optimizer') options.optimizer = value;
      else if (flag === '--schedule') options.schedule = value;
      else if (flag === '--every' || flag === '--epochs' || Object.hasOwn(NUMBERS, flag)) {
        const n = Number(value);
        if (value.trim() === '' || !Number.isFinite(n))
          throw new RangeError(`${flag}: expected a number, got ${JSON.stringify(value)}`);
        if (flag === '--every') run.every = n;
        else if (flag === '--epochs') run.epochs = n;
        else options[NUMBERS[flag]] = n;
      } else throw new RangeError(`unknown option ${flag} (see --model --help)`);
    }
  }
  if (!options.model) throw new RangeError(`--model: expected ${modelNames.join(' or ')}, got nothing`);
  if (!run.dataset) throw new RangeError('--dataset: expected mnist or fashion-mnist, got nothing');
  if (run.epochs && options.steps) throw new RangeError('--steps and --epochs: expected one of them, got both');
  if (run.epochs && !(Number.isInteger(run.epochs) && run.epochs >= 1))
    throw new RangeError(`--epochs: expected a whole number ≥ 1, got ${run.epochs}`);
  return { options, run };
}

export async function trainImagesMain(argv, init) {
  const { options, run } = parseImageTrainingArgs(argv);
  if (run.help) return void console.log(HELP);
  checkImageTrainingOptions(options, Infinity, run.every); // before the seconds spent reading the files
  const data = await readImageDataset(run.dataset, run.dataDir);
  const o = { ...defaults, ...options };
  const count = o.trainLimit ? Math.min(o.trainLimit, data.train.count) : data.train.count;
  checkImageTrainingOptions(o, count, run.every);
  if (run.epochs) o.steps = run.epochs * Math.floor(count / o.batch);
  const sn = await init(run.simd === undefined ? undefined : { simd: run.simd });
  if (!run.json)
    console.log(
      `${o.model} (${o.batchNorm ? 'BatchNorm' : 'no BatchNorm'}) on ${data.title}, ${count} train / ${data.test.count} test images, ` +
        `${o.optimizer} lr ${o.lr} (${o.schedule}), batch ${o.batch}, ${o.steps} steps, seed ${o.seed} — ${sn.isa}`,
    );
  const result = trainImageClassifier(sn, data, o, {
    every: run.every,
    onProgress: run.json
      ? undefined
      : (p) =>
          console.log(
            `step ${String(p.step).padStart(6)}  loss ${p.loss.toFixed(4)}  batch acc ${p.accuracy.toFixed(3)}  ` +
              `${p.stepsPerSecond.toFixed(1)} steps/s`,
          ),
  });
  if (run.json) console.log(JSON.stringify({ ...o, dataset: run.dataset, ...result }));
  else
    console.log(
      `final: ${result.steps} steps in ${result.seconds.toFixed(1)} s (${result.stepsPerSecond.toFixed(1)} steps/s) | ` +
        `test (eval mode, ${data.test.count} images) loss ${result.testLoss.toFixed(4)} accuracy ${result.testAccuracy.toFixed(4)}`,
    );
}
