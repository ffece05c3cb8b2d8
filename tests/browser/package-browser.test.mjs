// The packed package in a browser, the ways a web developer uses it: (1) a tiny Vite project
// built from the installed tarball, its page and a module Worker that the page starts, (2) a
// plain <script type="module"> page that imports the installed files through an import map, no
// bundler. All run in headless Chromium and must report the right numbers, with no console
// errors: served plainly (the single-thread builds) and, the Vite project, cross-origin isolated
// (the threaded build: on request on the page's main thread, by default in the Worker).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { projectRoot, serve } from '../../scripts/serve.mjs';
import { launchChromium, openPage } from './chromium.mjs';
import { checkConsumerResults, checkWorkloadBatchNorm } from './package-check.mjs';
import { consumerProject, consumerScript } from './package-project.mjs';

const MAIN = `import { run } from './consumer.js';
run().then((r) => { window.results = r; document.body.dataset.status = 'done'; },
           (e) => { document.body.dataset.status = 'error: ' + (e?.stack ?? e); });
`;

// The Worker's page: compute off the main thread, as docs/js-api.md asks. The Worker calls init()
// with no options and runs tests/js/threads-workload.mjs (BN on tensors cut across threads, a BN
// CNN's steps); the page then runs the same on the single-thread build (threads: 1) as the
// reference its results must equal bit for bit.
const WORKER_MAIN = `import init from 'simdnorm';
import { threadsWorkload } from './workload.js';
const inWorker = () =>
  new Promise((resolve) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }) => (worker.terminate(), resolve(data));
    worker.onerror = (e) => resolve({ error: 'worker: ' + e.message });
    worker.postMessage(null);
  });
inWorker()
  .then(async (worker) => ({ worker, reference: threadsWorkload(await init({ threads: 1 })), cores: navigator.hardwareConcurrency }))
  .then((r) => { window.results = r; document.body.dataset.status = 'done'; },
        (e) => { document.body.dataset.status = 'error: ' + (e?.stack ?? e); });
`;
const WORKER = `import init from 'simdnorm';
import { threadsWorkload } from './workload.js';
onmessage = async () => {
  try {
    postMessage({ result: threadsWorkload(await init()) });
  } catch (e) {
    postMessage({ error: String(e?.stack ?? e) });
  }
};
`;

let project, browser, viteDist;
before(async () => {
  project = await consumerProject();
  await writeFile(join(project.dir, 'consumer.js'), consumerScript);
  await writeFile(join(project.dir, 'main.js'), MAIN);
  await writeFile(join(project.dir, 'worker-main.js'), WORKER_MAIN);
  await writeFile(join(project.dir, 'worker.js'), WORKER);
  await writeFile(
    join(project.dir, 'workload.js'),
    await readFile(new URL('../js/threads-workload.mjs', import.meta.url)),
  );
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await project?.remove();
});

// Builds the Vite project once (its two pages), on first use.
function viteBuild() {
  viteDist ??= (async () => {
    const page = (title, main) =>
      `<!doctype html><title>${title}</title><link rel="icon" href="data:,"><script type="module" src="/${main}"></script>`;
    await writeFile(join(project.dir, 'index.html'), page('vite consumer', 'main.js'));
    await writeFile(join(project.dir, 'worker.html'), page('vite worker consumer', 'worker-main.js'));
    // Plain object config (no import of 'vite'): the consumer project has only simdnorm installed.
    // The Worker needs no options: Vite bundles it (and simdnorm in it) with its default format.
    await writeFile(
      join(project.dir, 'vite.config.js'),
      `export default {
  build: { target: 'es2022', rollupOptions: { input: ['index.html', 'worker.html'] } },
  optimizeDeps: { exclude: ['simdnorm'] },
  logLevel: 'error',
};
`,
    );
    execFileSync(join(projectRoot, 'node_modules/.bin/vite'), ['build'], { cwd: project.dir, stdio: 'pipe' });
    return join(project.dir, 'dist');
  })();
  return viteDist;
}

// Serves root (with or without COOP/COEP), opens path and waits for its results.
async function open(root, path, isolated) {
  const server = await serve({ root, index: path, isolated });
  try {
    const { page, errors, workers } = await openPage(browser.context, `${server.url}${path}`);
    await page.waitForSelector('body[data-status]', { state: 'attached', timeout: 30_000 });
    const status = await page.evaluate(() => document.body.dataset.status);
    assert.equal(status, 'done');
    const results = await page.evaluate(() => window.results);
    assert.equal(await page.evaluate(() => crossOriginIsolated), isolated);
    assert.deepEqual(errors, [], 'console errors');
    await page.close();
    return { results, workers };
  } finally {
    server.close();
  }
}

const results = async (root, path, isolated) => (await open(root, path, isolated)).results;

test('Vite: a page bundled from the installed package, without and with cross-origin isolation', async () => {
  const dist = await viteBuild();
  const assets = await readdir(join(dist, 'assets'));
  assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 3, `the three .wasm files emitted: ${assets}`);
  // Its worker script is small enough for Vite to inline as a data: URL (wasm/threads.js reads it).
  assert.ok(
    assets.some((f) => f.startsWith('simdnorm-threads-') && f.endsWith('.js')),
    `the threaded build's glue emitted as an asset: ${assets}`,
  );
  // On a page's main thread init() stays on one thread, isolated or not.
  checkConsumerResults(await results(dist, '/index.html', false), false, 1);
  checkConsumerResults(await results(dist, '/index.html', true), true, 1);
});

test('Vite: a module Worker bundled from the installed package: init() uses threads where isolated', async () => {
  const dist = await viteBuild();
  for (const isolated of [true, false]) {
    const { results: r, workers } = await open(dist, '/worker.html', isolated);
    const what = isolated ? 'isolated' : 'not isolated';
    assert.equal(r.worker.error, undefined, `${what}: ${r.worker.error}`);
    const { result } = r.worker;
    // init()'s default there: defaultThreads() (the cores, at most 8) where isolated, else 1.
    const threads = isolated ? Math.min(r.cores, 8) : 1;
    if (isolated) assert.ok(threads >= 2, `${what}: a machine with ≥ 2 cores runs this test (${r.cores})`);
    assert.equal(result.threads, threads, `${what}: sn.threads in the Worker`);
    assert.equal(result.isa, 'wasm-simd128');
    assert.equal(r.reference.threads, 1);
    // The pool: threads − 1 workers started from the bundled worker script (blob: URLs), beside
    // the app's own Worker.
    assert.equal(workers.filter((url) => url.startsWith('blob:')).length, threads - 1, `${what}: ${workers}`);
    for (const part of ['nchw', 'nhwc', 'cnn'])
      assert.deepEqual(result[part], r.reference[part], `${what}: ${part} equals the single-thread build's`);
    checkWorkloadBatchNorm(result.nchw, what);
  }
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
