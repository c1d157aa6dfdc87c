// End-to-end test of the Fashion-MNIST demo (dist/demo/, built by `npm run build`) in
// headless Chromium: loading into OPFS, search by example checked against a brute force over
// the same data file, metrics, the class filter, and persistence across a reload. Saves a
// screenshot (to docs/demo.png for the README when UPDATE_SCREENSHOTS=1).
//
//   node --test tests/e2e/demo.test.mjs
//
// Env: DEMO_N (default 2000) images to load; CHROMIUM (default /usr/bin/chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { loadTrain, bruteForce, readResults, assertExactTop, assertOrdered, waitReady } from './demo-helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'dist');
const N = Number(process.env.DEMO_N ?? 2000);
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

test('Fashion-MNIST demo: load, search, metrics, filter, persistence', { timeout: 120_000 }, async (t) => {
  if (!existsSync(join(dist, 'demo/index.html')) || !existsSync(join(dist, 'demo/data/fashion-mnist-train.bin'))) {
    assert.fail('dist/demo is not built: run `npm run build` (or `npx webpack --config webpack.config.js` after the library build)');
  }
  const data = loadTrain(N);
  const server = await startServer({ root: dist, port: 0 });
  const userDataDir = mkdtempSync(join(tmpdir(), 'sqlite-vector-demo-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  t.after(async () => {
    await context.close().catch(() => {});
    await server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));

  // 1. First visit: empty database, the page loads N images.
  const started = Date.now();
  await page.goto(`${server.url}/demo/?n=${N}`);
  const status = await waitReady(page, 60_000);
  assert.match(status, new RegExp(`\\b${N} vectors\\b`));
  assert.match(status, /loaded/i);
  const load = await page.evaluate(() => window.__demo);
  assert.equal(load.inserted, N);
  assert.equal(await page.getAttribute('[data-testid="status"]', 'data-count'), String(N));
  assert.ok(await page.isVisible('[data-testid="progress"]'), 'the progress bar is shown');
  t.diagnostic(`loaded ${N} vectors in ${load.loadMs.toFixed(0)} ms: ${load.throughput.toFixed(0)} vectors/s ` +
    `(insertBatch alone ${(N / (load.insertMs / 1000)).toFixed(0)} vectors/s); page ready after ${Date.now() - started} ms`);

  // 2. Click a tile: the image itself comes first (cosine 1), then its exact neighbours.
  await page.waitForSelector('[data-testid="grid"] [data-testid="tile"]');
  // An ankle boot or a sneaker if the grid has one (their neighbours make a telling screenshot).
  const boots = page.locator('[data-testid="tile"][data-label="9"], [data-testid="tile"][data-label="7"]');
  const tile = (await boots.count()) > 0 ? boots.first() : page.locator('[data-testid="tile"]').first();
  const clicked = await tile.getAttribute('data-id');
  const ci = Number(clicked.slice('train-'.length));
  const query = data.vectors[ci];
  await tile.click();
  await page.waitForSelector(`[data-testid="results"][data-metric="cosine"][data-query="${clicked}"] [data-testid="result"]`);
  let shown = await readResults(page);
  assert.equal(shown.length, 10, 'k = 10 by default');
  assert.ok(Math.abs(shown[0].score - 1) < 1e-4, `the clicked image scores ${shown[0].score}, not 1`);
  const firstIdx = Number(shown[0].id.slice('train-'.length));
  assert.ok(shown[0].id === clicked || data.vectors[firstIdx].every((v, i) => v === query[i]),
    `first result ${shown[0].id} is neither ${clicked} nor an identical image`);
  assertOrdered(shown, false);
  assertExactTop(shown, bruteForce(data, query, 5, 'cosine'), 'cosine');
  const queryTime = await page.textContent('[data-testid="query-time"]');
  assert.match(queryTime, /\d+(\.\d+)? ms/);
  const cosineMs = Number(await page.getAttribute('[data-testid="query-time"]', 'data-ms'));
  t.diagnostic(`cosine query over ${N} vectors: ${cosineMs.toFixed(2)} ms (${queryTime.trim()})`);

  // 3. Euclidean: ascending distances, the image itself at 0.
  await page.selectOption('[data-testid="metric"]', 'euclidean');
  await page.waitForSelector(`[data-testid="results"][data-metric="euclidean"] [data-testid="result"]`);
  shown = await readResults(page);
  assert.ok(shown[0].score < 1e-3, `distance to itself ${shown[0].score}`);
  assertOrdered(shown, true);
  assertExactTop(shown, bruteForce(data, query, 5, 'euclidean'), 'euclidean');

  // 4. Dot product: descending.
  await page.selectOption('[data-testid="metric"]', 'dot');
  await page.waitForSelector(`[data-testid="results"][data-metric="dot"] [data-testid="result"]`);
  shown = await readResults(page);
  assertOrdered(shown, false);
  assertExactTop(shown, bruteForce(data, query, 5, 'dot'), 'dot');

  // 5. Filter by a class other than the query's: every result is of that class.
  await page.selectOption('[data-testid="metric"]', 'cosine');
  const other = (data.labels[ci] + 1) % 10;
  await page.selectOption('[data-testid="class-filter"]', String(other));
  await page.waitForSelector(`[data-testid="results"][data-metric="cosine"][data-filter="${other}"] [data-testid="result"]`);
  shown = await readResults(page);
  assert.equal(shown.length, 10);
  for (const r of shown) assert.equal(r.label, other, `${r.id} has class ${r.label}, filter ${other}`);
  assertOrdered(shown, false);
  assertExactTop(shown, bruteForce(data, query, 5, 'cosine', other), 'cosine');

  // Back to all classes for the screenshot.
  await page.selectOption('[data-testid="class-filter"]', '');
  await page.waitForSelector(`[data-testid="results"][data-metric="cosine"][data-filter=""] [data-testid="result"]`);
  // The README's screenshot is refreshed only on request, so test runs leave the tree clean.
  const shotDir = process.env.UPDATE_SCREENSHOTS ? join(root, 'docs') : join(tmpdir(), 'sqlite-vector-shots');
  mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: join(shotDir, 'demo.png'), fullPage: true });

  // 6. Draw a query (a filled blob) on the 28x28 canvas.
  await page.click('.tab[data-tab="draw"]');
  const box = await page.locator('#draw').boundingBox();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.2);
  await page.mouse.down();
  for (let y = 0.2; y <= 0.8; y += 0.1) {
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * y, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * (y + 0.05), { steps: 4 });
  }
  await page.mouse.up();
  await page.waitForSelector('[data-testid="results"][data-query="Your drawing"] [data-testid="result"]');
  shown = await readResults(page);
  assert.equal(shown.length, 10);
  assertOrdered(shown, false);
  await page.screenshot({ path: join(shotDir, 'demo-draw.png'), fullPage: true });

  // 7. Upload an image: a PNG of one of the shown results (dark on light, with a border).
  await page.click('.tab[data-tab="upload"]');
  const resultImage = page.locator('[data-testid="result"] canvas').nth(2);
  const png = await resultImage.screenshot();
  await page.setInputFiles('#file', { name: 'photo.png', mimeType: 'image/png', buffer: png });
  await page.waitForSelector('[data-testid="results"][data-query="Uploaded: photo.png"] [data-testid="result"]');
  shown = await readResults(page);
  assert.equal(shown.length, 10);
  assert.ok(shown[0].score > 0.8, `an uploaded copy of a stored image should be close (cosine ${shown[0].score})`);
  await page.click('.tab[data-tab="browse"]');

  // 8. A second tab shares the same database (the first tab's worker holds it): it finds the
  // vectors, loads nothing again, and searches.
  const second = await context.newPage();
  await second.goto(`${server.url}/demo/?n=${N}`);
  assert.match(await waitReady(second, 30_000), new RegExp(`found ${N} vectors`, 'i'));
  assert.equal((await second.evaluate(() => window.__demo)).inserted, 0, 'the second tab inserted nothing');
  await second.waitForSelector('[data-testid="tile"]');
  await second.screenshot({ path: join(shotDir, 'demo-second-tab.png') });
  await second.close();

  // 9. Reload: the data persisted in OPFS; nothing is loaded again.
  await page.reload();
  const again = await waitReady(page, 30_000);
  assert.match(again, new RegExp(`found ${N} vectors`, 'i'));
  const after = await page.evaluate(() => window.__demo);
  assert.equal(after.inserted, 0, 'nothing was inserted after the reload');
  assert.equal(after.found, N);
  assert.ok(!(await page.isVisible('[data-testid="progress"]')), 'no progress bar after the reload');
  await page.waitForSelector('[data-testid="tile"]');
  await page.locator('[data-testid="tile"]').nth(3).click();
  await page.waitForSelector('[data-testid="results"][data-metric="cosine"] [data-testid="result"]');
  shown = await readResults(page);
  assert.ok(Math.abs(shown[0].score - 1) < 1e-4);

  assert.deepEqual(problems, [], 'no page errors');
});
