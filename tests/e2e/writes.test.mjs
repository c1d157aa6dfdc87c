// End-to-end writes in headless Chromium over OPFS, through the built dist/ (the page talks
// to the worker): concurrent calls share transactions yet each resolves or rejects alone,
// in call order; mutations and compact persist across a reload.
//
//   node --test tests/e2e/writes.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let tmp;
let server;

before(async () => {
  assert.ok(fs.existsSync(path.join(repo, 'dist/worker.js')), 'run `npm run build` first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-writes-'));
  const root = path.join(tmp, 'www');
  fs.cpSync(path.join(repo, 'tests/e2e/pages'), root, { recursive: true });
  fs.cpSync(path.join(repo, 'dist'), path.join(root, 'dist'), { recursive: true });
  server = await startServer({ root });
});

after(async () => {
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A page of the harness in a fresh profile (empty OPFS); `reload` reloads it. */
async function withPage(fn) {
  const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(tmp, 'profile-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const page = await context.newPage();
    const ready = () => page.waitForFunction(() => window.harnessReady === true, null, { timeout: 15_000 });
    await page.goto(`${server.url}/index.html`);
    await ready();
    await fn(page, async () => {
      await page.reload();
      await ready();
    });
  } finally {
    await context.close().catch(() => {});
  }
}

test('Chromium: Promise.all of many writes from a page: each call settles alone, in call order', { timeout: 60_000 }, async () => {
  await withPage(async (page) => {
    const r = await page.evaluate(async () => {
      const db = await sv.createVectorDB({ path: 'burst.db' });
      const same = [0.5, 0.25, -1];
      const calls = Array.from({ length: 1000 }, (_, i) => {
        if (i === 500) return db.insert({ id: 'x7', embedding: same }); // taken by call 7
        if (i === 600) return db.insert({ id: 'bad', embedding: [1, NaN, 0] });
        if (i === 700) return db.upsert({ embedding: same }); // no id
        return i % 2 ? db.insert({ id: `x${i}`, embedding: same }) : db.upsert({ id: `x${i}`, embedding: same, metadata: { i } });
      });
      const settled = await Promise.allSettled(calls);
      const outcomes = settled.map((s) => (s.status === 'fulfilled' ? 'ok' : s.reason instanceof sv.VectorDBError && s.reason.code));
      const order = (await db.search(same, 5000, { metric: 'euclidean', threshold: 0, includeEmbedding: false })).map((h) => h.id);
      const stats = await db.stats();
      await db.close();
      return { outcomes, order, count: stats.count };
    });
    assert.equal(r.outcomes[500], 'DUPLICATE_ID');
    assert.equal(r.outcomes[600], 'INVALID_VECTOR');
    assert.equal(r.outcomes[700], 'INVALID_ARGUMENT');
    assert.equal(r.outcomes.filter((o) => o === 'ok').length, 997);
    const want = Array.from({ length: 1000 }, (_, i) => i).filter((i) => ![500, 600, 700].includes(i)).map((i) => `x${i}`);
    assert.deepEqual(r.order, want, 'stored in call order');
    assert.equal(r.count, 997);
  });
});

test('Chromium: upsert, update, deleteMany and compact over OPFS persist across a reload', { timeout: 60_000 }, async () => {
  await withPage(async (page, reload) => {
    const first = await page.evaluate(async () => {
      const db = await sv.createVectorDB({ path: 'mutated.db', durability: 'relaxed' });
      const vector = (i) => Array.from({ length: 32 }, (_, j) => ((i * 31 + j * 7) % 97) / 97 - 0.5);
      await db.insertBatch(Array.from({ length: 2000 }, (_, i) => ({ id: `v${i}`, embedding: vector(i), metadata: { g: i % 4 } })));
      const full = (await db.stats()).size;
      await db.upsertBatch([{ id: 'v3', embedding: vector(9000) }, { id: 'new', embedding: vector(9001), metadata: { g: 1 } }]);
      await db.update('v13', { metadata: { g: 9, tag: 'kept' } });
      const deleted = await db.deleteMany({ filter: { g: { $in: [0, 2, 3] } } });
      const compact = await db.compact();
      const hits = (await db.search(vector(9000), 3, { includeEmbedding: false })).map((h) => h.id);
      const page = (await db.info()).pageSize;
      await db.close();
      return { full, deleted, compact, hits, page };
    });
    assert.equal(first.deleted, 1499, 'v3 lost its metadata in the upsert');
    // A quarter of the rows are left; every table keeps at least one (64 KiB) page.
    assert.ok(first.compact.after < first.full / 2 + 8 * first.page, JSON.stringify(first));
    assert.ok(first.compact.after < first.compact.before, JSON.stringify(first));
    assert.equal(first.hits[0], 'v3');
    await reload();
    const again = await page.evaluate(async () => {
      const db = await sv.createVectorDB({ path: 'mutated.db' });
      const out = {
        count: (await db.stats()).count,
        v13: (await db.get('v13')).metadata,
        v3: Array.from((await db.get('v3')).embedding).slice(0, 2),
        gone: await db.get('v0'),
        hits: (await db.search((await db.get('v3')).embedding, 3, { includeEmbedding: false })).map((h) => h.id),
        g1: (await db.search((await db.get('new')).embedding, 1000, { filter: { g: 1 }, includeEmbedding: false })).length,
      };
      await db.close();
      return out;
    });
    assert.equal(again.count, 502);
    assert.deepEqual(again.v13, { g: 9, tag: 'kept' });
    assert.equal(again.gone, null);
    assert.deepEqual(again.hits, first.hits);
    assert.equal(again.g1, 500, '499 rows of g 1 after v13 moved to g 9, and "new"');
  });
});
