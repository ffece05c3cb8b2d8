// The documentation points at things that exist: every relative link (and its #anchor) in
// README.md, HACKING.md, docs/ and the generated bench/results/ pages resolves, every repository
// path written in backticks exists, the stage table matches scripts/test.sh, and the README keeps
// what the npm registry and CI rely on.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pages = [
  'README.md',
  'HACKING.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(root, 'bench/results'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `bench/results/${f}`),
];
const read = (page) => readFileSync(join(root, page), 'utf8');
// Code blocks hold commands and examples, not links.
const prose = (text) => text.replace(/^```[\s\S]*?^```/gm, '');

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
const slug = (heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
const anchors = (text) => new Set([...prose(text).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));

test('relative links resolve, anchors included', () => {
  const broken = [];
  for (const page of pages) {
    for (const [, target] of prose(read(page)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split('#');
      const file = path ? join(root, dirname(page), path) : join(root, page);
      if (!existsSync(file)) broken.push(`${page}: ${target} (no ${relative(root, file)})`);
      else if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor))
        broken.push(`${page}: ${target} (no heading #${anchor})`);
    }
  }
  assert.deepEqual(broken, []);
});

test('repository paths in backticks exist', () => {
  // Build outputs, installed packages and other generated places are named but not committed.
  const generated = /^(wasm\/dist|web\/node_modules|tests\/artifacts|bench\/results\/raw)\b/;
  const missing = [];
  for (const page of pages.filter((p) => !p.startsWith('bench/results/'))) {
    for (const [, path] of read(page).matchAll(/`((?:src|wasm|web|tests|scripts|bench|docs)\/[\w./-]+)`/g)) {
      if (!generated.test(path) && !existsSync(join(root, path))) missing.push(`${page}: ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('docs/testing.md lists exactly the stages scripts/test.sh runs, in order', () => {
  const script = read('scripts/test.sh')
    .match(/SIMDNORM_TEST_STAGES:-([^}]+)\}/)[1]
    .trim()
    .split(/\s+/);
  const documented = [...read('docs/testing.md').matchAll(/^\| `([a-z-]+)` \| `scripts\/test-\1\.sh` \|/gm)].map(
    (m) => m[1],
  );
  assert.deepEqual(documented, script);
});

test('README keeps the two commands and has no relative images (the npm registry shows it)', () => {
  const readme = read('README.md');
  assert.match(readme, /^npm start\b/m);
  assert.match(readme, /^npm test\b/m);
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]).filter((t) => !/^https:/.test(t));
  assert.deepEqual(images, []);
});
