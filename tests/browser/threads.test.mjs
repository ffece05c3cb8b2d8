// The SIMD128 + threads build in Chromium: on a cross-origin isolated page (scripts/serve.mjs's
// COOP/COEP) init() chooses it in a module Worker with defaultThreads() and stays on one thread on
// the main thread (whose joins would busy-wait); init({ threads }) runs it in either, with the
// single-thread build's results bit for bit. Without isolation init() runs on one thread
// everywhere and init({ threads: 2 }) says why it cannot.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';
import { launchChromium, openPage } from './chromium.mjs';

const PAGE = '/tests/browser/fixtures/threads.html';
let browser;
before(async () => {
  browser = await launchChromium();
});
after(() => browser?.close());

async function openFixture(isolated) {
  const server = await serve({ isolated });
  const { page, errors } = await openPage(browser.context, `${server.url}${PAGE}`);
  await page.waitForSelector('body[data-status=ready]', { state: 'attached', timeout: 20_000 });
  return { page, errors, close: async () => (await page.close(), server.close()) };
}

function result(r, what) {
  assert.equal(r.error, undefined, `${what}: ${r.error}`);
  return r.result;
}

test('isolated page: threads by default in a Worker, on request on the main thread, bit-identical', async () => {
  const { page, errors, close } = await openFixture(true);
  try {
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    const single = result(await page.evaluate(() => window.inWorker(1)), 'threads: 1');
    assert.equal(single.threads, 1);
    for (const threads of [2, 4]) {
      const r = result(await page.evaluate((n) => window.inWorker(n), threads), `threads: ${threads}`);
      assert.equal(r.threads, threads);
      assert.equal(r.isa, 'wasm-simd128');
      for (const part of ['nchw', 'nhwc', 'cnn'])
        assert.deepEqual(r[part], single[part], `threads: ${threads} ${part}`);
    }
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(await page.evaluate(() => window.defaultInWorker()), Math.min(cores, 8), 'default in a Worker');
    assert.equal(await page.evaluate(() => window.defaultOnMainThread()), 1, 'default on the main thread');
    const main = result(await page.evaluate(() => window.onMainThread(2)), 'main thread');
    assert.equal(main.threads, 2);
    for (const part of ['nchw', 'nhwc', 'cnn']) assert.deepEqual(main[part], single[part], `main thread ${part}`);
    assert.deepEqual(errors, [], 'console errors');
  } finally {
    await close();
  }
});

test('page without COOP/COEP: one thread, threads: 2 is refused with the reason', async () => {
  const { page, errors, close } = await openFixture(false);
  try {
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    const r = result(await page.evaluate(() => window.inWorker(undefined)), 'default');
    assert.equal(r.threads, 1);
    assert.equal(r.isa, 'wasm-simd128');
    assert.equal(await page.evaluate(() => window.defaultOnMainThread()), 1, 'default on the main thread');
    const refused = await page.evaluate(() => window.inWorker(2));
    assert.equal(refused.code, 'SIMDNORM_UNSUPPORTED');
    assert.match(
      refused.error,
      /options\.threads: expected 1 on a page that is not cross-origin isolated .*Cross-Origin-Embedder-Policy: require-corp.*got 2/,
    );
    assert.deepEqual(errors, [], 'console errors');
  } finally {
    await close();
  }
});
