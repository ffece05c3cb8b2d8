// The image-set loader in Chromium, as the page uses it: a module Worker fetches Fashion-MNIST
// from the page server's /datasets/ route, gunzips it with the browser's DecompressionStream and
// parses it, the main thread gets byte progress and then the transferred data set. Also the
// browser's gunzip errors on a truncated stream, and the reader's messages cross unchanged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { launchChromium } from './chromium.mjs';

let server, browser;
before(async () => {
  server = await serve();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  server?.close();
});

test('Fashion-MNIST loads in a module worker with progress; gunzip errors are Errors', async () => {
  // Any same-origin document will do (not the page itself, whose workers would load the wasm):
  // the test imports the data modules into it.
  // Console errors, except the 404 of the browser's own /favicon.ico request (this has none).
  const page = await browser.context.newPage();
  const errors = [];
  page.on(
    'console',
    (m) => m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && errors.push(m.text()),
  );
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}/web/data/idx.js`);
  const result = await page.evaluate(async () => {
    const { loadImageDatasetInWorker } = await import('/web/data/worker-loader.js');
    const progress = [];
    const d = await loadImageDatasetInWorker('fashion-mnist', { onProgress: (p) => progress.push(p) });
    const counts = (s) => s.labels.reduce((c, l) => (c[l]++, c), new Array(10).fill(0));
    const { gunzip, readIdx } = await import('/web/data/idx.js');
    const gz = new Uint8Array(await (await fetch('/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz')).arrayBuffer());
    const whole = await readIdx(gz, 'labels.gz');
    let truncated = null;
    try {
      await gunzip(gz.subarray(0, gz.length - 9), 'cut.gz');
    } catch (e) {
      truncated = e.message;
    }
    return {
      progress,
      train: d.train.count,
      test: d.test.count,
      shape: d.test.shape,
      classNames: d.classNames,
      trainCounts: counts(d.train),
      testCounts: counts(d.test),
      pixels: d.train.pixels.constructor.name,
      pixelsLength: d.train.pixels.length,
      wholeLabels: Array.from(whole.values.subarray(0, 10)),
      firstTestLabels: Array.from(d.test.labels.subarray(0, 10)),
      truncated,
      unknown: await loadImageDatasetInWorker('cifar10').catch((e) => e.message),
    };
  });
  assert.equal(result.train, 60000);
  assert.equal(result.test, 10000);
  assert.deepEqual(result.shape, [1, 28, 28]);
  assert.equal(result.classNames[9], 'Ankle boot');
  assert.deepEqual(result.trainCounts, new Array(10).fill(6000));
  assert.deepEqual(result.testCounts, new Array(10).fill(1000));
  assert.equal(result.pixels, 'Uint8Array');
  assert.equal(result.pixelsLength, 60000 * 784);
  assert.deepEqual(result.wholeLabels, result.firstTestLabels);
  // Progress: bytes of the four .gz files, rising to their total.
  const total = result.progress.at(-1).total;
  assert.ok(total > 30e6 && total < 32e6, `total ${total}`);
  assert.equal(result.progress.at(-1).loaded, total);
  assert.ok(result.progress.every((p, i) => i === 0 || p.loaded >= result.progress[i - 1].loaded));
  assert.match(result.truncated, /^simdnorm: gunzip: cut\.gz: expected a complete, valid gzip stream, got /);
  assert.equal(result.unknown, 'simdnorm: imageDataset: name: expected one of mnist, fashion-mnist, got "cifar10"');
  assert.deepEqual(errors, []);
});
