// The package's hand-written declarations (wasm/index.d.ts) against the installed TypeScript:
// tests/js/types/consumer.ts (every public API, used correctly) must type-check under --strict,
// and tests/js/types/errors.ts (misuses) must fail with exactly the error marked on each line, so
// the declarations are shown to constrain, not merely to parse. Both import 'simdnorm' through
// package.json's "exports", so its "types" condition is exercised as well. Nothing is run or built.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = `${root}node_modules/typescript/bin/tsc`;
const errorsFile = 'tests/js/types/errors.ts';

// Diagnostics as { file, line, code, text }; tsc prints paths relative to the cwd (root).
function runTsc() {
  assert.ok(existsSync(tsc), `${tsc} is missing: run bash scripts/install-npm.sh dev (typescript is a devDependency)`);
  const r = spawnSync(
    process.execPath,
    [tsc, '-p', 'tests/js/types/tsconfig.json', '--noEmit', '--strict', '--pretty', 'false'],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.error, undefined, `tsc did not run: ${r.error}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith(' ')); // indented: detail
  const diagnostics = lines.map((l) => {
    const m = /^(.+)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(l);
    return m ? { file: m[1], line: Number(m[2]), code: m[3], text: l } : { file: '', line: 0, code: '', text: l };
  });
  return { status: r.status, stderr: r.stderr, diagnostics, output: r.stdout + r.stderr };
}

// line number → the TS code its `// error TSxxxx` marker expects.
function markers() {
  const expected = new Map();
  readFileSync(`${root}${errorsFile}`, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const m = /\/\/ error (TS\d+)\s*$/.exec(text);
      if (m) expected.set(i + 1, m[1]);
    });
  return expected;
}

const result = runTsc();

test('tsc ran to completion and reported the deliberate errors', () => {
  // Exit status 1 or 2 (the code differs between TypeScript versions) means "errors found";
  // anything on stderr would be a crash or a bad command line.
  assert.ok(result.status === 1 || result.status === 2, `exit status ${result.status}\n${result.output}`);
  assert.equal(result.stderr, '');
  assert.ok(result.diagnostics.length > 0, result.output);
});

test('the consumer and the declarations type-check with no error', () => {
  const elsewhere = result.diagnostics.filter((d) => d.file !== errorsFile);
  assert.deepEqual(
    elsewhere.map((d) => d.text),
    [],
  );
});

test('each misuse in errors.ts is rejected with its marked error, and nothing else is', () => {
  const expected = markers();
  assert.ok(expected.size >= 30, `only ${expected.size} markers in ${errorsFile}`);
  const got = new Map();
  for (const d of result.diagnostics.filter((x) => x.file === errorsFile))
    got.set(d.line, [...(got.get(d.line) ?? []), d.code]);
  const problems = [];
  for (const [line, code] of expected) {
    const codes = got.get(line) ?? [];
    if (codes.length !== 1 || codes[0] !== code)
      problems.push(`line ${line}: expected ${code}, tsc reported ${codes.length ? codes.join(', ') : 'nothing'}`);
  }
  for (const [line, codes] of got)
    if (!expected.has(line)) problems.push(`line ${line}: unexpected ${codes.join(', ')}`);
  assert.deepEqual(problems, [], result.output);
});
