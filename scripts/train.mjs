#!/usr/bin/env node
// Headless trainer: `npm run train -- --dataset spiral --bn --steps 2000 --lr 0.1`.
// Runs sn.Trainer (the same wasm as the page) in Node, prints progress and final metrics.
// With --model, a named model on an image set instead: scripts/train-images.mjs.
import init from '../wasm/index.js';

const HELP = `usage: npm run train -- [options]
  --dataset spiral|circles|moons|xor|blobs   (spiral)
  --bn | --no-bn                              BatchNorm after each hidden dense layer (--bn)
  --steps N          optimizer steps (2000)      --every N     progress every N steps (200)
  --lr X             learning rate (0.1)         --optimizer sgd|momentum|adam (sgd)
  --batch N          batch size (32)             --hidden 32,32  hidden widths
  --activation relu|tanh|sigmoid (relu)          --init auto|he|xavier   --init-scale X (1)
  --bn-momentum X    (0.1)                       --points N (600)  --classes N (3)
  --noise X          label noise fraction (0)    --test-fraction X (0.25)
  --seed N           model seed (1)              --data-seed N (1)
  --scalar           use the wasm build without SIMD128
  --json             print only the final metrics, as one JSON line
   or: npm run train -- --model cnn|mlp --dataset mnist|fashion-mnist ...   (--model --help)`;

const FLAGS = {
  '--dataset': ['dataset', String],
  '--lr': ['lr', Number],
  '--optimizer': ['optimizer', String],
  '--batch': ['batchSize', Number],
  '--activation': ['activation', String],
  '--init': ['init', String],
  '--init-scale': ['initScale', Number],
  '--bn-momentum': ['bnMomentum', Number],
  '--points': ['points', Number],
  '--classes': ['classes', Number],
  '--noise': ['labelNoise', Number],
  '--test-fraction': ['testFraction', Number],
  '--seed': ['seed', Number],
  '--data-seed': ['dataSeed', Number],
  '--hidden': ['hidden', (v) => v.split(',').map(Number)],
};

function parse(argv) {
  const config = { batchNorm: true };
  const run = { steps: 2000, every: 200, json: false, simd: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') {
      console.log(HELP);
      process.exit(0);
    }
    if (flag === '--bn') {
      config.batchNorm = true;
      continue;
    }
    if (flag === '--no-bn') {
      config.batchNorm = false;
      continue;
    }
    if (flag === '--json') {
      run.json = true;
      continue;
    }
    if (flag === '--scalar') {
      run.simd = false;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag}: expected a value`);
    if (flag === '--steps' || flag === '--every') {
      run[flag.slice(2)] = Number(value);
      continue;
    }
    const spec = FLAGS[flag];
    if (!spec) throw new Error(`unknown option ${flag} (see --help)`);
    config[spec[0]] = spec[1](value);
  }
  for (const k of ['steps', 'every'])
    if (!Number.isInteger(run[k]) || run[k] < 1) throw new Error(`--${k}: expected an integer ≥ 1, got ${run[k]}`);
  return { config, run };
}

async function main() {
  if (process.argv.includes('--model')) {
    const { trainImagesMain } = await import('./train-images.mjs');
    return trainImagesMain(process.argv.slice(2), init);
  }
  const { config, run } = parse(process.argv.slice(2));
  const sn = await init(run.simd === undefined ? undefined : { simd: run.simd });
  if (!sn.Trainer) throw new Error('this wasm build has no trainer (rebuild with scripts/build-wasm.sh)');
  const t = new sn.Trainer(config);
  const c = t.config;
  const hasTest = c.testFraction > 0;
  if (!run.json)
    console.log(
      `${c.dataset}, ${c.points} points, hidden [${c.hidden}], ${c.activation}, ` +
        `${c.batchNorm ? 'BatchNorm' : 'no BatchNorm'}, ${c.optimizer} lr ${c.lr}, batch ${c.batchSize}, ` +
        `seed ${c.seed} — ${sn.isa}`,
    );
  const start = performance.now();
  let m;
  for (let done = 0; done < run.steps;) {
    const k = Math.min(run.every, run.steps - done);
    m = t.trainSteps(k);
    done += k;
    if (!run.json) {
      const test = hasTest && !m.diverged ? t.evaluate({ split: 'test' }) : null;
      console.log(
        `step ${String(m.step).padStart(6)}  batch loss ${m.loss.toFixed(4)}  ` +
          `batch acc ${m.accuracy.toFixed(3)}` +
          (test ? `  test loss ${test.loss.toFixed(4)}  test acc ${test.accuracy.toFixed(3)}` : '') +
          (m.diverged ? '  DIVERGED' : ''),
      );
    }
    if (m.diverged) break;
  }
  const seconds = (performance.now() - start) / 1000;
  const train = t.evaluate({ split: 'train' });
  const test = hasTest ? t.evaluate({ split: 'test' }) : null;
  const result = {
    isa: sn.isa,
    steps: m.step,
    diverged: m.diverged,
    trainLoss: train.loss,
    trainAccuracy: train.accuracy,
    testLoss: test?.loss ?? null,
    testAccuracy: test?.accuracy ?? null,
    stepsPerSecond: Math.round(m.step / seconds),
    config: c,
  };
  if (run.json) console.log(JSON.stringify(result));
  else
    console.log(
      `final (eval mode): train loss ${train.loss.toFixed(4)} acc ${train.accuracy.toFixed(3)}` +
        (test ? ` | test loss ${test.loss.toFixed(4)} acc ${test.accuracy.toFixed(3)}` : '') +
        ` | ${result.stepsPerSecond} steps/s${m.diverged ? ' | DIVERGED' : ''}`,
    );
  t.dispose();
}

main().catch((e) => {
  console.error(`train: ${e.message}`);
  process.exit(1);
});
