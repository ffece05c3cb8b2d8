// `npm pack` ships exactly what a consumer needs: the wrapper modules, the typings, both builds'
// glue + .wasm (the threaded build's worker script and CommonJS marker too), package.json and
// README — no sources, tests, build folders or symbol maps.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('npm pack file list', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const files = JSON.parse(out)[0]
    .files.map((f) => f.path)
    .sort();
  const required = [
    'package.json',
    'wasm/index.js',
    'wasm/index.d.ts',
    'wasm/dist/simdnorm.js',
    'wasm/dist/simdnorm.wasm',
    'wasm/dist/simdnorm-scalar.js',
    'wasm/dist/simdnorm-scalar.wasm',
    'wasm/dist/threads/package.json',
    'wasm/dist/threads/simdnorm-threads.js',
    'wasm/dist/threads/simdnorm-threads.worker.js',
    'wasm/dist/threads/simdnorm-threads.wasm',
  ];
  for (const f of required) assert.ok(files.includes(f), `${f} missing from the package: ${files.join(', ')}`);
  const allowed =
    /^(package\.json|README\.md|LICENSE(\.md)?|wasm\/[a-z_]+\.js|wasm\/index\.d\.ts|wasm\/dist\/simdnorm(-scalar)?\.(js|wasm)|wasm\/dist\/threads\/(package\.json|simdnorm-threads\.(js|worker\.js|wasm)))$/;
  const extra = files.filter((f) => !allowed.test(f));
  assert.deepEqual(extra, [], 'files a consumer does not need');
});

test('package.json points at files that exist in the package', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url)));
  assert.equal(pkg.type, 'module');
  assert.ok(pkg.engines?.node, 'engines.node');
  assert.equal(pkg.exports['.'].types, './wasm/index.d.ts');
  assert.equal(pkg.exports['.'].default, './wasm/index.js');
  assert.equal(pkg.exports['./simdnorm.wasm'], './wasm/dist/simdnorm.wasm');
  assert.equal(pkg.exports['./simdnorm-scalar.wasm'], './wasm/dist/simdnorm-scalar.wasm');
  assert.equal(pkg.exports['./simdnorm-threads.wasm'], './wasm/dist/threads/simdnorm-threads.wasm');
  // Every relative import, require and new URL(…, import.meta.url) of the wrapper resolves to a
  // packed file.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  const files = new Set(JSON.parse(out)[0].files.map((f) => f.path));
  for (const f of [...files].filter((p) => /^wasm\/[a-z_]+\.js$/.test(p))) {
    const src = readFileSync(new URL(`../../${f}`, import.meta.url), 'utf8');
    for (const [, spec] of src.matchAll(/(?:from|import\(|new URL\(|\)\()\s*'(\.\/[^']*[^/'])'/g)) {
      const target = new URL(spec, new URL(`file:///${f}`)).pathname.slice(1);
      assert.ok(files.has(target), `${f} imports ${spec}, which is not packed`);
    }
  }
});
