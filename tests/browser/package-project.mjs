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

// What every consumer (Node, Vite page, plain page) computes: both builds, one BatchNorm
// training step, as JSON. The tests check it against the float64 reference of tests/js.
export const consumerScript = `
import init from 'simdnorm';
export const x = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i) * 2 + (i % 3));
export const dy = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.cos(i * 0.7));
export async function run() {
  const results = [];
  for (const options of [undefined, { simd: false }]) {
    const sn = await init(options);
    const bn = new sn.BatchNorm(3);
    const y = bn.forward(x, [2, 3, 4]);
    const dx = bn.backward(dy);
    results.push({ isa: sn.isa, version: sn.version, y: [...y], dx: [...dx], weightGrad: [...bn.weightGrad],
      runningVar: [...bn.runningVar] });
    bn.dispose();
  }
  return results;
}
`;
