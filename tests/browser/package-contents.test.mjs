// What npmjs.com shows from the tarball and what a web developer looks for: the LICENSE, a README
// whose links work on the registry, the package metadata, and a prepack guard that refuses to
// pack without building the wasm.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readmeLinkProblems } from '../../scripts/check-readme-links.mjs';
import { projectRoot } from '../../scripts/serve.mjs';

const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));

function packedFiles() {
  // --ignore-scripts: the stage builds the wasm itself; prepack is tested on its own below.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  return JSON.parse(out)[0].files.map((f) => f.path);
}

test('the tarball carries LICENSE and README.md (the file list itself: tests/js/package.test.mjs)', () => {
  const files = packedFiles();
  for (const f of ['LICENSE', 'README.md']) assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
});

test('LICENSE is the MIT licence package.json names', () => {
  const license = readFileSync(join(projectRoot, 'LICENSE'), 'utf8');
  assert.equal(pkg.license, 'MIT');
  assert.match(license, /^MIT License\n\nCopyright \(c\) \d{4} the simdnorm authors\n/);
  assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
});

test('package.json carries the metadata registries and bundlers read', () => {
  assert.match(pkg.repository?.url ?? '', /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
  const repo = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
  assert.ok(pkg.homepage.startsWith(repo), `homepage ${pkg.homepage} is in ${repo}`);
  assert.equal(pkg.bugs?.url, `${repo}/issues`);
  assert.ok(Array.isArray(pkg.keywords) && pkg.keywords.includes('webassembly'));
  assert.equal(pkg.sideEffects, false);
  assert.match(pkg.engines?.node ?? '', /^>=\d+/);
  assert.equal(pkg.scripts.prepack, 'bash scripts/prepack.sh');
});

test('every link in the packed README works on the registry', () => {
  // npm always packs the root README.md; relative links resolve through "repository".
  const dir = mkdtempSync(join(tmpdir(), 'simdnorm-pack-'));
  try {
    const tgz = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--loglevel=error'], {
      cwd: projectRoot,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .at(-1);
    const readme = execFileSync('tar', ['-xzOf', join(dir, tgz), 'package/README.md'], { encoding: 'utf8' });
    const problems = readmeLinkProblems(readme);
    assert.deepEqual(problems, [], `the packed README.md:\n${problems.join('\n')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the link check catches what breaks on the registry', () => {
  const problems = readmeLinkProblems(
    '![chart](bench/results/js.svg) [fine](LICENSE) [gone](docs/no-such-page.md) [web](https://example.org)\n' +
      '```\n[in a code block](ignored.md)\n```\n',
  );
  assert.deepEqual(problems, [
    'image bench/results/js.svg: not an absolute https URL',
    'link docs/no-such-page.md: no file or folder docs/no-such-page.md in the repository',
  ]);
});

test('prepack without Emscripten stops with what to install', () => {
  // A PATH with bash and the tools the script needs, but no emcmake.
  const bin = mkdtempSync(join(tmpdir(), 'simdnorm-noemcc-'));
  try {
    for (const tool of ['bash', 'dirname']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const run = spawnSync('bash', ['scripts/prepack.sh'], {
      cwd: projectRoot,
      env: { PATH: bin },
      encoding: 'utf8',
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /Emscripten \(emcmake\) is not installed.*install-deps\.sh start/);
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
