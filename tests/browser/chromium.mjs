// Launches Debian's Chromium through playwright-core (never a downloaded browser) for the
// browser tests. Each launch gets a fresh profile; the flags keep it off the closed network.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export async function launchChromium() {
  const profile = await mkdtemp(join(tmpdir(), 'simdnorm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

// A page that records console errors and uncaught exceptions, for tests to assert none happened,
// and the URLs of the Web Workers it and its workers start.
export async function openPage(context, url) {
  const page = await context.newPage();
  const errors = [];
  const workers = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('worker', (w) => workers.push(w.url()));
  await page.goto(url);
  return { page, errors, workers };
}
