// Two tabs of the demo on one database, in headless Chromium: a result deleted in one tab
// disappears from the other's results, and a drawing added in one changes the other's count,
// both through db.onChange (no reload, no polling of the database by the page). Saves a
// screenshot of the two tabs side by side (docs/demo-tabs.png for the README when
// UPDATE_SCREENSHOTS=1).
//
//   node --test tests/e2e/demo-tabs.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { CHROMIUM_ARGS, dist, repo } from './harness.mjs';
import { readResults, waitReady } from './demo-helpers.mjs';

const N = 1000;
const VIEW = { width: 1000, height: 1060 };

const count = (page) => page.getAttribute('[data-testid="status"]', 'data-count').then(Number);
const status = (page) => page.textContent('[data-testid="status"]');

/** Waits until the page's status line holds `count` vectors. */
function waitCount(page, n) {
  return page.waitForFunction((n) => document.querySelector('[data-testid="status"]').dataset.count === String(n), n, { timeout: 10_000 });
}

/** The two screenshots side by side, each under its caption, as one PNG. */
async function sideBySide(context, shots) {
  const page = await context.newPage();
  await page.setViewportSize({ width: VIEW.width * 2 + 48, height: VIEW.height + 64 });
  const cells = shots.map(({ caption, png }) =>
    `<figure><figcaption>${caption}</figcaption><img src="data:image/png;base64,${png.toString('base64')}"></figure>`).join('');
  await page.setContent(`<!doctype html><style>
    body { margin: 0; padding: 12px; background: #d0d5dd; display: flex; gap: 24px; font: 600 16px system-ui, sans-serif; }
    figure { margin: 0; } figcaption { margin: 0 0 8px; color: #1d2939; }
    img { display: block; width: ${VIEW.width}px; border-radius: 8px; box-shadow: 0 2px 10px rgba(0,0,0,.2); }
  </style><body>${cells}</body>`);
  const png = await page.screenshot({ fullPage: true });
  await page.close();
  return png;
}

test('two demo tabs stay in step: a delete and an add in one show in the other', { timeout: 120_000 }, async (t) => {
  const server = await startServer({ root: dist, port: 0 });
  const userDataDir = mkdtempSync(join(tmpdir(), 'sqlite-vector-tabs-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, viewport: VIEW, args: CHROMIUM_ARGS,
  });
  const problems = [];
  t.after(async () => {
    await context.close().catch(() => {});
    await server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });
  const open = async (name) => {
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`${name} pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`${name} console: ${m.text()}`));
    await page.goto(`${server.url}/demo/?n=${N}`);
    return page;
  };

  // Tab 1 loads the images; tab 2 opens the same database (tab 1's worker holds it).
  const one = await open('tab 1');
  assert.match(await waitReady(one, 60_000), new RegExp(`Loaded ${N} vectors`));
  const two = await open('tab 2');
  assert.match(await waitReady(two, 30_000), new RegExp(`Found ${N} vectors`));
  assert.equal((await two.evaluate(() => window.__demo)).inserted, 0);

  // The same query in both: a sneaker or ankle boot if the grid shows one.
  await one.waitForSelector('[data-testid="tile"]');
  const shoes = one.locator('[data-testid="tile"][data-label="7"], [data-testid="tile"][data-label="9"]');
  const tileId = await ((await shoes.count()) ? shoes.first() : one.locator('[data-testid="tile"]').first()).getAttribute('data-id');
  const results = async (page) => {
    await page.waitForSelector(`[data-testid="results"][data-query="${tileId}"] [data-testid="result"]`);
    return readResults(page);
  };
  for (const page of [one, two]) await page.locator(`[data-testid="tile"][data-id="${tileId}"]`).click();
  const before = await results(one);
  assert.deepEqual((await results(two)).map((r) => r.id), before.map((r) => r.id), 'both tabs show the same hits');
  assert.equal(before.length, 10);

  const changesOf = () => Promise.all([one, two].map((p) => p.evaluate(() => window.__demo.changes)));
  const changesBefore = await changesOf();

  // 1. Delete the third hit in tab 1: it leaves tab 2's results too, and both counts drop.
  const gone = before[2].id;
  await one.click(`[data-testid="result"][data-id="${gone}"] [data-testid="delete"]`);
  await two.waitForSelector(`[data-testid="result"][data-id="${gone}"]`, { state: 'detached', timeout: 10_000 });
  await one.waitForSelector(`[data-testid="result"][data-id="${gone}"]`, { state: 'detached', timeout: 10_000 });
  await waitCount(two, N - 1);
  await waitCount(one, N - 1);
  const afterOne = (await results(one)).map((r) => r.id);
  const afterTwo = (await results(two)).map((r) => r.id);
  assert.deepEqual(afterTwo, afterOne, 'tab 2 shows what tab 1 shows');
  assert.deepEqual(afterOne.slice(0, 9), before.map((r) => r.id).filter((id) => id !== gone),
    'the other hits keep their order and the 11th moves up');
  assert.equal(afterOne.length, 10);
  assert.ok(!afterOne.includes(gone));
  assert.match(await status(one), new RegExp(`Deleted ${gone} — ${N - 1} vectors`));
  assert.match(await status(two), new RegExp(`${N - 1} vectors in fashion-mnist\\.db · another tab deleted ${gone}`));

  const shots = [];
  for (const [caption, page] of [['Tab 1: deletes a result', one], ['Tab 2: the same result disappears (db.onChange)', two]]) {
    shots.push({ caption, png: await page.screenshot() });
  }
  const dir = process.env.UPDATE_SCREENSHOTS ? join(repo, 'docs') : join(tmpdir(), 'sqlite-vector-shots');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'demo-tabs.png'), await sideBySide(context, shots));
  t.diagnostic(`screenshot: ${join(dir, 'demo-tabs.png')}`);

  // 2. Draw in tab 2 and add the drawing: tab 1's count goes up and names the new id.
  await two.click('.tab[data-tab="draw"]');
  const box = await two.locator('#draw').boundingBox();
  await two.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.15);
  await two.mouse.down();
  for (let y = 0.15; y <= 0.85; y += 0.1) {
    await two.mouse.move(box.x + box.width * 0.65, box.y + box.height * y, { steps: 3 });
    await two.mouse.move(box.x + box.width * 0.35, box.y + box.height * (y + 0.05), { steps: 3 });
  }
  await two.mouse.up();
  await two.waitForSelector('[data-testid="results"][data-query="Your drawing"] [data-testid="result"]');
  await two.click('[data-testid="add-drawing"]');
  await waitCount(one, N);
  await waitCount(two, N);
  const added = (await status(two)).match(/Added (drawn-[0-9a-f]{8})/)?.[1];
  assert.ok(added, `tab 2 says what it added: ${await status(two)}`);
  assert.match(await status(one), new RegExp(`${N} vectors in fashion-mnist\\.db · another tab added ${added}`));
  // Tab 2's own query is the drawing: it searches again and finds the stored copy first.
  await two.waitForSelector(`[data-testid="results"][data-query="Your drawing"] [data-testid="result"][data-id="${added}"]`);
  const drawn = await readResults(two);
  assert.equal(drawn[0].id, added);
  assert.ok(Math.abs(drawn[0].score - 1) < 1e-4, `the drawing scores ${drawn[0].score} against itself`);
  // Tab 1's query did not change; its hits are the same as before the add (a drawing is no shoe's neighbour).
  assert.deepEqual((await readResults(one)).map((r) => r.id), afterOne);

  const changes = (await changesOf()).map((n, i) => n - changesBefore[i]);
  assert.deepEqual(changes, [2, 2], 'each tab saw one onChange event per write: the delete and the add');
  assert.deepEqual(problems, [], 'no page errors');
});
