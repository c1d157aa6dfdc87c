// The offline PWA demo in headless Chromium: one visit online (the service worker installs
// and precaches the page, the library's worker and wasm, and the data), then the network
// goes away — the browser context is set offline AND the test server is shut down — and a
// reload still loads the demo, finds its database in OPFS and searches it. The searches are
// checked against a brute force over the same data file and against the same search online.
//
//   node --test tests/e2e/offline.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { CHROMIUM_ARGS, dist } from './harness.mjs';
import { loadTrain, bruteForce, readResults, assertExactTop, waitReady } from './demo-helpers.mjs';

const N = 1000;

/** The precache manifest the build stamped into dist/demo/sw.js. */
function precacheOf() {
  const sw = readFileSync(join(dist, 'demo/sw.js'), 'utf8');
  const m = sw.match(/self\.__SV_PRECACHE__ = (\{[\s\S]*?\n\});/);
  assert.ok(m, 'dist/demo/sw.js carries no precache manifest');
  return JSON.parse(m[1]);
}

/** Clicks the tile `id` (waiting for it) and returns the results shown for it. */
async function searchTile(page, id) {
  await page.locator(`[data-testid="tile"][data-id="${id}"]`).click();
  await page.waitForSelector(`[data-testid="results"][data-metric="cosine"][data-query="${id}"] [data-testid="result"]`);
  return readResults(page);
}

test('offline: after one visit the demo reloads, finds its database and searches with no network', { timeout: 150_000 }, async (t) => {
  assert.ok(existsSync(join(dist, 'demo/sw.js')), 'dist/demo/sw.js is missing: run `npm run build`');
  const precache = precacheOf();
  for (const u of [...precache.shell.urls, ...precache.data.urls]) {
    assert.ok(existsSync(join(dist, 'demo', u)), `the precache lists ${u}, which the build did not emit`);
  }
  for (const must of ['index.html', 'demo.js', 'demo.css', 'manifest.webmanifest', 'sqlite_vector_wasm_bg.wasm', 'worker-sqlite-vector.js']) {
    assert.ok(precache.shell.urls.includes(must), `the precache lacks ${must}`);
  }
  const train = loadTrain(N);
  const testSet = loadTrain(10000, 't10k');

  let server = await startServer({ root: dist, port: 0 });
  const userDataDir = mkdtempSync(join(tmpdir(), 'sqlite-vector-offline-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 900 }, args: CHROMIUM_ARGS,
  });
  const problems = [];
  t.after(async () => {
    await context.close().catch(() => {});
    await server?.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const where = m.location()?.url ?? '';
    // The probe below fails on purpose; anything else failing is a problem.
    if (m.type() === 'error' && !where.includes('/not-precached-')) problems.push(`console: ${m.text()} ${where}`);
  });
  const url = `${server.url}/demo/?n=${N}`;

  // 1. Online: the demo loads N images into OPFS; the service worker installs and takes control.
  await page.goto(url);
  assert.match(await waitReady(page, 60_000), new RegExp(`Loaded ${N} vectors`));
  const manifest = await page.evaluate(async () => {
    const href = document.querySelector('link[rel="manifest"]')?.href;
    return href ? (await fetch(href)).json() : null;
  });
  assert.equal(manifest?.display, 'standalone');
  assert.deepEqual(manifest.icons.map((i) => i.sizes), ['192x192', '512x512']);
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 60_000 });
  await page.waitForSelector('[data-testid="offline"][data-state="ready"]');
  const cacheNames = await page.evaluate(() => caches.keys());
  assert.deepEqual(cacheNames.sort(), [`sqlite-vector-demo-data-${precache.data.version}`, `sqlite-vector-demo-shell-${precache.shell.version}`]);

  await page.waitForSelector('[data-testid="tile"]');
  const tileId = await page.locator('[data-testid="tile"]').nth(5).getAttribute('data-id');
  const online = await searchTile(page, tileId);
  assert.equal(online.length, 10);

  // 2. No network at all: the context is offline and the server is gone.
  await context.setOffline(true);
  await server.close();
  server = null;
  const probe = await page.evaluate(() => fetch(`/demo/not-precached-${Date.now()}`).then((r) => `HTTP ${r.status}`, (e) => e.name));
  assert.equal(probe, 'TypeError', `a request the service worker does not answer must fail offline (got ${probe})`);

  // 3. Reload: the page, worker and wasm come from the caches; the database from OPFS.
  await page.reload();
  assert.match(await waitReady(page, 60_000), new RegExp(`Found ${N} vectors`));
  const after = await page.evaluate(() => ({ ...window.__demo, online: navigator.onLine }));
  assert.equal(after.inserted, 0, 'nothing was loaded again');
  assert.equal(after.found, N);
  assert.equal(after.online, false, 'the page runs offline');
  assert.match(await page.textContent('[data-testid="offline"]'), /Offline now · Works offline/);

  // 4. The same search offline: the same hits as online, and the exact top-5 of a brute force.
  const offline = await searchTile(page, tileId);
  assert.deepEqual(offline.map((r) => r.id), online.map((r) => r.id), 'the same hits offline as online');
  const query = train.vectors[Number(tileId.slice('train-'.length))];
  assertExactTop(offline, bruteForce(train, query, 5, 'cosine'), 'cosine');

  // 5. The test set (7.8 MB, never fetched online in this test) comes from the data cache.
  await page.selectOption('#grid-source', 'test');
  await page.waitForSelector('[data-testid="tile"][data-id^="test-"]');
  const testId = await page.locator('[data-testid="tile"]').first().getAttribute('data-id');
  const fromTest = await searchTile(page, testId);
  const testQuery = testSet.vectors[Number(testId.slice('test-'.length))];
  assertExactTop(fromTest, bruteForce(train, testQuery, 5, 'cosine'), 'cosine');
  t.diagnostic(`offline: ${tileId} and ${testId} searched over ${N} vectors; caches ${cacheNames.join(', ')}`);

  assert.deepEqual(problems, [], 'no page errors');
});
