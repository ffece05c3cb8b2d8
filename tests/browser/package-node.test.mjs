// The packed package in a fresh Node project: `import init from 'simdnorm'` resolves through
// package.json "exports", loads both builds and computes the right numbers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkConsumerResults } from './package-check.mjs';
import { consumerProject, consumerScript } from './package-project.mjs';

let project;
before(async () => {
  project = await consumerProject();
});
after(() => project?.remove());

test('Node: import from the installed tarball, BatchNorm forward/backward and a BN CNN trained on the three builds', async () => {
  await writeFile(join(project.dir, 'consumer.mjs'), consumerScript);
  await writeFile(
    join(project.dir, 'main.mjs'),
    "import { run } from './consumer.mjs';\nconsole.log(JSON.stringify(await run()));\n",
  );
  const out = execFileSync(process.execPath, ['main.mjs'], { cwd: project.dir, encoding: 'utf8' });
  // In Node init() chooses threads: defaultThreads(), the cores, at most 8.
  checkConsumerResults(JSON.parse(out), true, Math.min(availableParallelism(), 8));
});

test('Node: the .wasm files are exported for bundlers and the typings are installed', () => {
  const script =
    "console.log(['', '-scalar', '-threads'].map((b) => import.meta.resolve(`simdnorm/simdnorm${b}.wasm`)).join(' '))";
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: project.dir,
    encoding: 'utf8',
  });
  for (const url of out.trim().split(' ')) assert.ok(existsSync(new URL(url)), `${url} exists`);
  assert.ok(existsSync(join(project.dir, 'node_modules/simdnorm/wasm/index.d.ts')));
  assert.ok(!existsSync(join(project.dir, 'node_modules/simdnorm/src')), 'no C++ sources in the package');
});
