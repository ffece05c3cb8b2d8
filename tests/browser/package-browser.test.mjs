// The packed package in a browser, two ways a web developer uses it: (1) a tiny Vite project
// built from the installed tarball, (2) a plain <script type="module"> page that imports the
// installed files through an import map, no bundler. Both run in headless Chromium and must
// report the right numbers on both builds, with no console errors: served plainly (the
// single-thread builds) and, the Vite page, cross-origin isolated (the threaded build).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { projectRoot, serve } from '../../scripts/serve.mjs';
import { launchChromium, openPage } from './chromium.mjs';
import { checkConsumerResults } from './package-check.mjs';
import { consumerProject, consumerScript } from './package-project.mjs';

const MAIN = `import { run } from './consumer.js';
run().then((r) => { window.results = r; document.body.dataset.status = 'done'; },
           (e) => { document.body.dataset.status = 'error: ' + (e?.stack ?? e); });
`;

let project, browser;
before(async () => {
  project = await consumerProject();
  await writeFile(join(project.dir, 'consumer.js'), consumerScript);
  await writeFile(join(project.dir, 'main.js'), MAIN);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await project?.remove();
});

async function results(root, path, isolated) {
  const server = await serve({ root, index: path, isolated });
  try {
    const { page, errors } = await openPage(browser.context, `${server.url}${path}`);
    await page.waitForSelector('body[data-status]', { state: 'attached', timeout: 20_000 });
    const status = await page.evaluate(() => document.body.dataset.status);
    assert.equal(status, 'done');
    const r = await page.evaluate(() => window.results);
    assert.equal(await page.evaluate(() => crossOriginIsolated), isolated);
    assert.deepEqual(errors, [], 'console errors');
    await page.close();
    return r;
  } finally {
    server.close();
  }
}

test('Vite: a page bundled from the installed package, without and with cross-origin isolation', async () => {
  await writeFile(
    join(project.dir, 'index.html'),
    '<!doctype html><title>vite consumer</title><link rel="icon" href="data:,"><script type="module" src="/main.js"></script>',
  );
  // Plain object config (no import of 'vite'): the consumer project has only simdnorm installed.
  await writeFile(
    join(project.dir, 'vite.config.js'),
    "export default { build: { target: 'es2022' }, optimizeDeps: { exclude: ['simdnorm'] }, logLevel: 'error' };\n",
  );
  execFileSync(join(projectRoot, 'node_modules/.bin/vite'), ['build'], { cwd: project.dir, stdio: 'pipe' });
  const assets = await readdir(join(project.dir, 'dist/assets'));
  assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 3, `the three .wasm files emitted: ${assets}`);
  // Its worker script is small enough for Vite to inline as a data: URL (wasm/threads.js reads it).
  assert.ok(
    assets.some((f) => f.startsWith('simdnorm-threads-') && f.endsWith('.js')),
    `the threaded build's glue emitted as an asset: ${assets}`,
  );
  // On a page's main thread init() stays on one thread, isolated or not.
  checkConsumerResults(await results(join(project.dir, 'dist'), '/index.html', false), false, 1);
  checkConsumerResults(await results(join(project.dir, 'dist'), '/index.html', true), true, 1);
});

test('plain <script type="module"> page with an import map, no bundler', async () => {
  await writeFile(
    join(project.dir, 'plain.html'),
    `<!doctype html><title>plain consumer</title><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "simdnorm": "./node_modules/simdnorm/wasm/index.js" } }</script>
<script type="module" src="./main.js"></script>`,
  );
  checkConsumerResults(await results(project.dir, '/plain.html', false), false, 1);
});
