// dist/sqlite-vector.global.js in headless Chromium: a page with one classic <script src> and no
// module at all (tests/e2e/pages/classic/global.html, in another folder than dist/) inserts and
// searches with exact results, persists across a reload, and shares the database with a tab that
// loads the ESM entry.
//
//   node --test tests/e2e/global.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { serveRoot, withBrowser, assertCode, repo, dist, ENGINE_NAME } from './harness.mjs';
import { bruteForce, assertSameResults } from '../fixtures/reference.mjs';

const fixtures = JSON.parse(fs.readFileSync(path.join(repo, 'tests/fixtures/fixtures.json'), 'utf8'));
let server;

before(async () => {
  assert.ok(fs.existsSync(path.join(dist, 'sqlite-vector.global.js')), 'dist/sqlite-vector.global.js is missing: run `npm run build` first');
  server = await serveRoot();
});
after(async () => {
  await server?.close();
});

test(`${ENGINE_NAME}: classic script: SqliteVector inserts and searches exactly, persists, shares with an ESM tab`, { timeout: 60_000 }, async () => {
  await withBrowser(server, async ({ open }) => {
    const page = await open('classic', 'classic/global.html');
    const run = await page.evaluate(async ({ fx }) => {
      const noModules = document.querySelectorAll('script[type="module"]').length === 0;
      const db = await SqliteVector.createVectorDB({ path: 'global.db' });
      const events = [];
      db.onChange((e) => events.push(e));
      const ids = await db.insertBatch(fx.vectors);
      const searches = [];
      for (const [qi, q] of fx.queries.entries()) {
        for (const metric of ['cosine', 'dot', 'euclidean']) {
          const rs = await db.search(q, 7, { metric, filter: fx.filters[qi % fx.filters.length], includeEmbedding: false });
          searches.push({ qi, metric, fi: qi % fx.filters.length, res: rs.map((r) => ({ id: r.id, score: r.score })) });
        }
      }
      const dup = await attempt(() => db.insert({ id: fx.vectors[0].id, embedding: fx.vectors[0].embedding }));
      const stats = await db.stats();
      const workers = performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => /worker\.js|\.wasm$/.test(p));
      return { noModules, ids: ids.length, searches, dup, stats, events: events.length, workers };
    }, { fx: fixtures });
    assert.equal(run.noModules, true);
    assert.equal(run.ids, fixtures.vectors.length);
    for (const s of run.searches) {
      const opts = { metric: s.metric, filter: fixtures.filters[s.fi] };
      const q = fixtures.queries[s.qi];
      assertSameResults(s.res, bruteForce(fixtures.vectors, q, 7, opts), { pool: bruteForce(fixtures.vectors, q, Infinity, opts), message: `q${s.qi} ${s.metric}` });
    }
    assertCode(run.dup, 'DUPLICATE_ID', 'errors are SqliteVector.VectorDBError');
    assert.equal(run.stats.count, fixtures.vectors.length);
    assert.equal(run.stats.role, 'leader');
    assert.ok(run.workers.includes('/dist/worker.js'), `worker found beside the script: ${run.workers}`);

    // An ESM tab shares the database the classic-script tab leads.
    const esm = await open('esm');
    const shared = await esm.evaluate(async () => {
      const db = await sv.createVectorDB({ path: 'global.db' });
      await db.insert({ id: 'from-esm', embedding: new Array(8).fill(0.25) });
      return db.stats();
    });
    assert.equal(shared.role, 'follower');
    assert.equal(shared.count, fixtures.vectors.length + 1);
    await esm.close();
    assert.equal(await page.evaluate(() => new Promise((r) => setTimeout(r, 200)).then(() => 'ok')), 'ok');

    await page.reload();
    await page.waitForFunction(() => window.harnessReady === true);
    const after = await page.evaluate(async () => {
      const db = await SqliteVector.createVectorDB({ path: 'global.db' });
      const g = await db.get('from-esm');
      return { count: (await db.stats()).count, got: g && Array.from(g.embedding).slice(0, 2) };
    });
    assert.deepEqual(after, { count: fixtures.vectors.length + 1, got: [0.25, 0.25] }, 'persisted across a reload');
  });
});
