// A fresh consumer project with the packed `simdnorm` tarball installed, the way a web developer
// gets it: npm pack → temp folder → npm install <tgz>. Shared by the package-*.test.mjs files.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../scripts/serve.mjs';

const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];

export async function consumerProject() {
  const dir = await mkdtemp(join(tmpdir(), 'simdnorm-consumer-'));
  const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, ...quiet], {
    cwd: projectRoot,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .at(-1);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // No dependencies: installs offline from the tarball alone.
  execFileSync('npm', ['install', join(dir, tgz), '--offline', ...quiet], { cwd: dir, stdio: 'pipe' });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

// What every consumer (Node, Vite page, plain page) computes: init()'s default build (SIMD128 +
// threads in Node, SIMD128 on a page's main thread), the single-thread SIMD128 one, the scalar one
// and, where threadsSupported(), SIMD128 + threads on 2 threads; one BatchNorm
// training step, and a small CNN with BatchNorm2d (sn.nn) trained on 4-class 8×8 images made
// here (a bright 3×3 square in one corner, the corner is the class), as JSON. The tests check the
// BatchNorm step against the float64 reference of tests/js and that the CNN learned.
export const consumerScript = `
import init, { threadsSupported } from 'simdnorm';
export const x = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i) * 2 + (i % 3));
export const dy = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.cos(i * 0.7));
export async function run() {
  const results = [];
  for (const options of [undefined, { threads: 1 }, { simd: false }, ...(threadsSupported() ? [{ threads: 2 }] : [])]) {
    const sn = await init(options);
    const bn = new sn.BatchNorm(3);
    const y = bn.forward(x, [2, 3, 4]);
    const dx = bn.backward(dy);
    results.push({ isa: sn.isa, threads: sn.threads, version: sn.version, y: [...y], dx: [...dx], weightGrad: [...bn.weightGrad],
      runningVar: [...bn.runningVar], cnn: trainCnn(sn) });
    bn.dispose();
  }
  return results;
}
function corners(n) {
  const images = new Float32Array(n * 64), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 4, top = k < 2 ? 0 : 5, left = k % 2 ? 5 : 0;
    labels[i] = k;
    for (let p = 0; p < 64; p++) images[i * 64 + p] = 0.4 * Math.sin(i * 7.1 + p * 1.3);
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) images[i * 64 + (top + r) * 8 + left + c] += 1;
  }
  return { images, labels };
}
function trainCnn(sn) {
  const model = new sn.nn.Sequential([
    { type: 'conv2d', inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1, bias: false },
    { type: 'batchNorm2d', numFeatures: 4 },
    { type: 'relu' },
    { type: 'maxPool2d', kernelSize: 2 },
    { type: 'flatten' },
    { type: 'linear', inFeatures: 64, outFeatures: 4 },
  ], { inputShape: [1, 8, 8], seed: 1 });
  const opt = new sn.nn.Adam(model, { lr: 0.01 });
  const { images, labels } = corners(32);
  const losses = [];
  for (let step = 0; step < 40; step++) losses.push(model.trainStep(images, labels, opt).loss);
  const logits = model.eval().forward(images);
  let correct = 0;
  for (let i = 0; i < 32; i++) {
    const row = logits.subarray(i * 4, i * 4 + 4);
    if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
  }
  const keys = Object.keys(model.stateDict());
  opt.dispose();
  model.dispose();
  return { firstLoss: losses[0], lastLoss: losses.at(-1), accuracy: correct / 32, keys };
}
`;
