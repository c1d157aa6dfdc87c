// End-to-end: the built dist/ in real headless Chromium, real OPFS, real Web Worker.
//
//   node --test tests/e2e/dist.test.mjs
//
// A temporary web root holds a copy of dist/ (as ./dist/) and the harness page from
// tests/e2e/pages/, served by scripts/serve.mjs on 127.0.0.1 (a secure context, so OPFS
// works). Every test launches Chromium with a fresh user-data dir, so OPFS starts empty.
// playwright-core only, driving the system Chromium; nothing is downloaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../scripts/serve.mjs';
import { launchContext, ENGINE_NAME } from './harness.mjs';
import { bruteForce, assertSameResults } from '../fixtures/reference.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(repo, 'dist');
const fixtures = JSON.parse(fs.readFileSync(path.join(repo, 'tests/fixtures/fixtures.json'), 'utf8'));
const METRICS = ['cosine', 'dot', 'euclidean'];
const TEST_TIMEOUT = 60_000; // a hang fails the test instead of stalling the run

let tmp;
let server;

before(async () => {
  for (const f of ['sqlite-vector.js', 'worker.js']) {
    assert.ok(fs.existsSync(path.join(dist, f)), `dist/${f} is missing: run \`npm run build\` first`);
  }
  assert.ok(fs.readdirSync(dist).some((f) => f.endsWith('.wasm')), 'dist/ holds no .wasm: run `npm run build` first');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-e2e-'));
  const root = path.join(tmp, 'www');
  fs.cpSync(path.join(repo, 'tests/e2e/pages'), root, { recursive: true });
  fs.cpSync(dist, path.join(root, 'dist'), { recursive: true });
  server = await startServer({ root });
});

after(async () => {
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A fresh Chromium profile (empty OPFS) for the duration of fn(context, helpers). */
async function withBrowser(fn) {
  const userDataDir = fs.mkdtempSync(path.join(tmp, 'profile-'));
  const context = await launchContext(userDataDir); // Chromium, or Firefox under firefox.test.mjs
  const log = [];
  const watch = (page, name) => {
    page.on('pageerror', (e) => log.push(`[${name} pageerror] ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') log.push(`[${name} console.${m.type()}] ${m.text()}`);
    });
    page.on('worker', (w) => log.push(`[${name}] worker started: ${w.url().replace(server.url, '')}`));
  };
  const open = async (name = 'tab') => {
    const page = await context.newPage();
    watch(page, name);
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 15_000 });
    return page;
  };
  const reload = async (page) => {
    await page.reload();
    await page.waitForFunction(() => window.harnessReady === true, null, { timeout: 15_000 });
  };
  try {
    await fn({ context, open, reload, log });
  } catch (e) {
    if (log.length) e.message += `\n--- browser log ---\n${log.join('\n')}`;
    throw e;
  } finally {
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

/** Asserts an { ok: false, error } from window.attempt with a VectorDBError of `code`. */
function assertCode(outcome, code, what) {
  assert.equal(outcome.ok, false, `${what}: expected a rejection with ${code}, got ${JSON.stringify(outcome.value)?.slice(0, 200)}`);
  assert.equal(outcome.error.isVectorDBError, true, `${what}: instanceof VectorDBError in the page (${JSON.stringify(outcome.error)})`);
  assert.equal(outcome.error.isError, true, `${what}: instanceof Error`);
  assert.equal(outcome.error.code, code, `${what}: code ${outcome.error.code} (${outcome.error.message}), expected ${code}`);
}

const f32 = (a) => Array.from(Float32Array.from(a));

test(`dist in ${ENGINE_NAME}: insert + search equals brute force, stats, get, persisted across reload`, { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ open, reload }) => {
    const page = await open();
    const run = await page.evaluate(async ({ fx, metrics }) => {
      const db = await sv.createVectorDB();
      const backend = db.getBackendType();
      await db.initialize();
      const ids = await db.insertBatch(fx.vectors);
      const stats = await db.stats();
      const searches = [];
      for (const [qi, q] of fx.queries.entries()) {
        for (const metric of metrics) {
          for (const [fi, filter] of fx.filters.entries()) {
            for (const k of fx.k) {
              const rs = await db.search(q, k, { metric, filter, includeEmbedding: false });
              searches.push({ qi, metric, fi, k, ids: rs.map((r) => r.id), scores: rs.map((r) => r.score) });
              const rt = await db.search(q, k, { metric, filter, threshold: fx.thresholds[metric], includeEmbedding: false });
              searches.push({ qi, metric, fi, k, threshold: fx.thresholds[metric], ids: rt.map((r) => r.id), scores: rt.map((r) => r.score) });
            }
          }
        }
      }
      const defaults = plain(await db.search(fx.queries[0]));
      const noEmb = plain(await db.search(fx.queries[0], 3, { includeEmbedding: false }));
      const g = await db.get('v007');
      const got = { id: g.id, type: g.embedding?.constructor?.name, embedding: Array.from(g.embedding), metadata: g.metadata, timestamp: g.timestamp };
      const missing = await db.get('nope');
      return { backend, ids, stats, searches, defaults, noEmb, got, missing, now: Date.now() };
    }, { fx: fixtures, metrics: METRICS });

    assert.equal(run.backend, 'wasm');
    assert.deepEqual(run.ids, fixtures.vectors.map((v) => v.id));
    assert.equal(run.stats.backend, 'wasm');
    assert.equal(run.stats.persistent, true);
    assert.equal(run.stats.path, 'sqlite-vector.db');
    assert.equal(run.stats.count, fixtures.vectors.length);
    assert.equal(run.stats.dimension, fixtures.dimension);
    assert.equal(typeof run.stats.size, 'number');
    assert.ok(run.stats.size > 0, `size ${run.stats.size}`);

    assert.equal(run.searches.length, fixtures.queries.length * METRICS.length * fixtures.filters.length * fixtures.k.length * 2);
    for (const s of run.searches) {
      const opts = { metric: s.metric, filter: fixtures.filters[s.fi], threshold: s.threshold };
      const q = fixtures.queries[s.qi];
      const expected = bruteForce(fixtures.vectors, q, s.k, opts);
      const pool = bruteForce(fixtures.vectors, q, Infinity, opts);
      const actual = s.ids.map((id, i) => ({ id, score: s.scores[i] }));
      assertSameResults(actual, expected, { pool, message: `q${s.qi} ${s.metric} k=${s.k} threshold=${s.threshold} filter=${JSON.stringify(opts.filter)}` });
    }

    const byId = new Map(fixtures.vectors.map((v) => [v.id, v]));
    assertSameResults(run.defaults, bruteForce(fixtures.vectors, fixtures.queries[0], 5), { pool: bruteForce(fixtures.vectors, fixtures.queries[0], Infinity), message: 'defaults' });
    for (const r of run.defaults) {
      assert.equal(r.hasEmbedding, true, 'includeEmbedding defaults to true');
      assert.equal(r.embeddingType, 'Float32Array');
      assert.deepEqual(r.embedding, f32(byId.get(r.id).embedding));
      assert.deepEqual(r.metadata, byId.get(r.id).metadata);
    }
    assert.equal(run.noEmb.length, 3);
    for (const r of run.noEmb) assert.equal(r.hasEmbedding, false, 'includeEmbedding false omits it');

    assert.equal(run.got.id, 'v007');
    assert.equal(run.got.type, 'Float32Array');
    assert.deepEqual(run.got.embedding, f32(byId.get('v007').embedding));
    assert.deepEqual(run.got.metadata, byId.get('v007').metadata);
    assert.ok(typeof run.got.timestamp === 'number' && run.got.timestamp > run.now - 120_000 && run.got.timestamp <= run.now + 2000, `timestamp ${run.got.timestamp}`);
    assert.equal(run.missing, null);

    // Reload the page (same profile, same OPFS), without close(): committed data is there.
    await reload(page);
    const after = await page.evaluate(async ({ q }) => {
      const db = await sv.createVectorDB();
      const stats = await db.stats();
      const res = plain(await db.search(q, 5, { includeEmbedding: false }));
      const g = await db.get('v123');
      const got = g && { embedding: Array.from(g.embedding), metadata: g.metadata };
      const l2 = plain(await db.search(q, 200, { metric: 'euclidean', filter: { group: 'b' }, includeEmbedding: false }));
      return { stats, res, got, l2 };
    }, { q: fixtures.queries[5] });
    assert.equal(after.stats.count, fixtures.vectors.length, 'count after reload');
    assert.equal(after.stats.dimension, fixtures.dimension, 'dimension after reload');
    assert.equal(after.stats.persistent, true);
    assertSameResults(after.res, bruteForce(fixtures.vectors, fixtures.queries[5], 5), { pool: bruteForce(fixtures.vectors, fixtures.queries[5], Infinity), message: 'search after reload' });
    const l2opts = { metric: 'euclidean', filter: { group: 'b' } };
    assertSameResults(after.l2, bruteForce(fixtures.vectors, fixtures.queries[5], 200, l2opts), { message: 'filtered search after reload' });
    assert.deepEqual(after.got, { embedding: f32(byId.get('v123').embedding), metadata: byId.get('v123').metadata });
  });
});

test(`dist in ${ENGINE_NAME}: exclusive: true keeps the database to one tab (LOCKED), which opens once the first tab closes`, { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ open }) => {
    const first = await open('tab1');
    const firstStats = await first.evaluate(async () => {
      const db = await sv.createVectorDB({ exclusive: true });
      window.db = db;
      await db.insertBatch([{ id: 'shared-1', embedding: [1, 2, 3], metadata: { from: 'tab1' } }, { id: 'shared-2', embedding: [3, 2, 1] }]);
      return db.stats();
    });
    assert.equal(firstStats.count, 2);

    const second = await open('tab2');
    const locked = await second.evaluate(async () => {
      const db = await sv.createVectorDB(); // a sharing opener facing an exclusive holder
      const outcome = await Promise.race([
        attempt(() => db.initialize()),
        sleep(5000).then(() => ({ hung: true })),
      ]);
      // a rejected handle must not keep anything alive
      await attempt(() => db.close());
      return outcome;
    });
    assert.notEqual(locked.hung, true, 'opening a database held by another tab must not hang (> 5 s)');
    assertCode(locked, 'LOCKED', 'second tab opening the same path');

    // Other operations in the second tab are refused the same way, never served from a copy.
    const lockedOps = await second.evaluate(async () => {
      const db = await sv.createVectorDB({ exclusive: true });
      const r = await Promise.race([attempt(() => db.stats()), sleep(5000).then(() => ({ hung: true }))]);
      await attempt(() => db.close());
      return r;
    });
    assert.notEqual(lockedOps.hung, true, 'stats() in the second tab must not hang');
    assertCode(lockedOps, 'LOCKED', 'stats() in the second tab');

    // The first tab is unaffected.
    const stillThere = await first.evaluate(async () => (await window.db.stats()).count);
    assert.equal(stillThere, 2);

    await first.close();

    // Now the second tab can open it (retrying LOCKED while the closed tab's worker winds down).
    const reopened = await second.evaluate(async () => {
      const deadline = Date.now() + 5000;
      const codes = [];
      for (;;) {
        const db = await sv.createVectorDB({ exclusive: true });
        const r = await Promise.race([attempt(() => db.initialize()), sleep(5000).then(() => ({ hung: true }))]);
        if (r.hung) return { hung: true, codes };
        if (r.ok) {
          const stats = await db.stats();
          const g = await db.get('shared-1');
          const res = plain(await db.search([1, 2, 3], 1, { includeEmbedding: false }));
          await db.close();
          return { ok: true, codes, stats, got: { embedding: Array.from(g.embedding), metadata: g.metadata }, res };
        }
        codes.push(r.error.code);
        await attempt(() => db.close());
        if (r.error.code !== 'LOCKED' || Date.now() > deadline) return { ok: false, codes, error: r.error };
        await sleep(100);
      }
    });
    assert.notEqual(reopened.hung, true, 'opening after the holder closed must not hang');
    assert.equal(reopened.ok, true, `open after the first tab closed: ${JSON.stringify(reopened)}`);
    assert.equal(reopened.stats.count, 2);
    assert.deepEqual(reopened.got, { embedding: [1, 2, 3], metadata: { from: 'tab1' } });
    assert.deepEqual(reopened.res.map((r) => r.id), ['shared-1']);
  });
});

test(`dist in ${ENGINE_NAME}: a worker killed in the middle of a batch leaves the database whole`, { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ open }) => {
    const BASE = 100;
    const BIG = 100_000;
    const first = await open('writer');
    await first.evaluate(async ({ BASE, BIG }) => {
      const db = await sv.createVectorDB({ path: 'crash.db' });
      const vec = (i) => Float32Array.from({ length: 128 }, (_, j) => Math.sin(i * 7 + j));
      await db.insertBatch(Array.from({ length: BASE }, (_, i) => ({ id: `base-${i}`, embedding: vec(i) })));
      // Not awaited: the tab is closed while the worker is writing this batch.
      window.pending = db.insertBatch(Array.from({ length: BIG }, (_, i) => ({ id: `big-${i}`, embedding: vec(BASE + i) })));
      window.pending.then(() => (window.bigDone = true), () => {});
    }, { BASE, BIG });
    await first.waitForTimeout(700);
    const finished = await first.evaluate(() => window.bigDone === true);
    await first.close(); // kills the worker mid-transaction (unless the batch already finished)

    const second = await open('reader');
    const seen = await second.evaluate(async () => {
      const deadline = Date.now() + 8000;
      for (;;) {
        const db = await sv.createVectorDB({ path: 'crash.db' });
        const r = await attempt(() => db.stats());
        if (r.ok) {
          const top = plain(await db.search(Float32Array.from({ length: 128 }, (_, j) => Math.sin(3 * 7 + j)), 1, { includeEmbedding: false }));
          const id = await db.insert({ id: 'after-crash', embedding: new Array(128).fill(0.5) });
          const count = (await db.stats()).count;
          await db.close();
          return { ok: true, before: r.value.count, top, id, count };
        }
        await attempt(() => db.close());
        if (r.error.code !== 'LOCKED' || Date.now() > deadline) return { ok: false, error: r.error };
        await sleep(100);
      }
    });
    assert.equal(seen.ok, true, `reopen after the crash: ${JSON.stringify(seen)}`);
    console.error(`crash test: finished=${finished} count=${seen.before}`);
    // All or nothing: the killed batch is either entirely there or entirely absent.
    assert.ok(seen.before === BASE || seen.before === BASE + BIG, `count after the crash is ${seen.before} (finished before close: ${finished})`);
    if (finished) assert.equal(seen.before, BASE + BIG);
    assert.equal(seen.top[0].id, 'base-3');
    assert.equal(seen.id, 'after-crash');
    assert.equal(seen.count, seen.before + 1);
  });
});

test(`dist in ${ENGINE_NAME}: ':memory:' is not persisted; named paths are separate databases`, { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ open, reload }) => {
    const page = await open();
    const before = await page.evaluate(async () => {
      const mem = await sv.createVectorDB({ path: ':memory:' });
      await mem.insertBatch([{ id: 'm1', embedding: [1, 0] }, { id: 'm2', embedding: [0, 1] }]);
      const memStats = await mem.stats();
      const memSearch = plain(await mem.search([1, 0.1], 2, { includeEmbedding: false }));
      // two named databases at once, each in its own worker, each with its own dimension
      const a = await sv.createVectorDB({ path: 'alpha.db' });
      const b = await sv.createVectorDB({ path: 'beta.db', metric: 'euclidean' });
      await a.insert({ id: 'a1', embedding: [1, 2, 3] });
      await b.insertBatch([{ id: 'b1', embedding: [1, 1] }, { id: 'b2', embedding: [5, 5] }]);
      const aStats = await a.stats();
      const bStats = await b.stats();
      const bSearch = plain(await b.search([4, 4], 2, { includeEmbedding: false }));
      // native-only options are ignored in the browser, not an error
      const opts = await sv.createVectorDB({ path: ':memory:', cacheSize: 2000, walMode: true, mmapSize: 1 << 20 });
      const optsInsert = await attempt(() => opts.insert({ id: 'o', embedding: [1] }));
      return { memStats, memSearch, aStats, bStats, bSearch, optsInsert };
    });
    assert.equal(before.memStats.persistent, false);
    assert.equal(before.memStats.path, ':memory:');
    assert.equal(before.memStats.backend, 'wasm');
    assert.equal(before.memStats.count, 2);
    assert.deepEqual(before.memSearch.map((r) => r.id), ['m1', 'm2']);
    assert.equal(before.aStats.path, 'alpha.db');
    assert.equal(before.aStats.persistent, true);
    assert.equal(before.aStats.count, 1);
    assert.equal(before.aStats.dimension, 3);
    assert.equal(before.bStats.path, 'beta.db');
    assert.equal(before.bStats.count, 2);
    assert.equal(before.bStats.dimension, 2);
    assert.deepEqual(before.bSearch.map((r) => r.id), ['b2', 'b1'], 'config.metric euclidean is the default');
    assert.ok(Math.abs(before.bSearch[0].score - Math.SQRT2) < 1e-5, `euclidean distance ${before.bSearch[0].score}`);
    assert.deepEqual(before.optsInsert, { ok: true, value: 'o' }, 'cacheSize/walMode/mmapSize accepted');

    await reload(page);
    const after = await page.evaluate(async () => {
      const mem = await sv.createVectorDB({ path: ':memory:' });
      const memStats = await mem.stats();
      const memGet = await mem.get('m1');
      const a = await sv.createVectorDB({ path: 'alpha.db' });
      const b = await sv.createVectorDB({ path: 'beta.db' });
      const def = await sv.createVectorDB();
      return { memStats, memGet, aStats: await a.stats(), bStats: await b.stats(), defStats: await def.stats() };
    });
    assert.equal(after.memStats.count, 0, ':memory: is empty after a reload');
    assert.equal(after.memStats.dimension, null);
    assert.equal(after.memGet, null);
    assert.equal(after.aStats.count, 1, 'alpha.db persisted');
    assert.equal(after.aStats.dimension, 3);
    assert.equal(after.bStats.count, 2, 'beta.db persisted');
    assert.equal(after.bStats.dimension, 2);
    assert.equal(after.defStats.count, 0, 'the default database never received data');
    assert.equal(after.defStats.path, 'sqlite-vector.db');
  });
});

test(`dist in ${ENGINE_NAME}: error codes cross the worker boundary; batches are all or nothing; close`, { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ open, reload }) => {
    const page = await open();
    const r = await page.evaluate(async () => {
      const out = {};
      out.native = await attempt(() => sv.createNativeVectorDB());
      const db = await sv.createVectorDB({ path: 'errors.db' });
      out.backend = db.getBackendType();
      await db.insertBatch([{ id: 'a', embedding: [1, 2, 3], metadata: { k: 1 } }, { id: 'b', embedding: [3, 2, 1] }]);
      out.dimInsert = await attempt(() => db.insert({ id: 'c', embedding: [1, 2] }));
      out.dimQuery = await attempt(() => db.search([1, 2, 3, 4]));
      out.emptyVec = await attempt(() => db.insert({ id: 'c', embedding: [] }));
      out.nanVec = await attempt(() => db.insert({ id: 'c', embedding: [1, NaN, 3] }));
      out.infVec = await attempt(() => db.insert({ id: 'c', embedding: [1, Infinity, 3] }));
      out.strVec = await attempt(() => db.insert({ id: 'c', embedding: ['a', 'b', 'c'] }));
      out.notArray = await attempt(() => db.insert({ id: 'c', embedding: 'abc' }));
      out.nanQuery = await attempt(() => db.search([NaN, 1, 2]));
      out.dup = await attempt(() => db.insert({ id: 'a', embedding: [1, 1, 1] }));
      out.k0 = await attempt(() => db.search([1, 2, 3], 0));
      out.kFrac = await attempt(() => db.search([1, 2, 3], 1.5));
      out.kNeg = await attempt(() => db.search([1, 2, 3], -1));
      out.metric = await attempt(() => db.search([1, 2, 3], 1, { metric: 'manhattan' }));
      out.filterOp = await attempt(() => db.search([1, 2, 3], 1, { filter: { k: { $regex: 'x' } } }));
      out.metadata = await attempt(() => db.insert({ id: 'c', embedding: [1, 1, 1], metadata: 5 }));
      out.metadataArr = await attempt(() => db.insert({ id: 'c', embedding: [1, 1, 1], metadata: [1] }));
      out.idEmpty = await attempt(() => db.insert({ id: '', embedding: [1, 1, 1] }));
      out.idNumber = await attempt(() => db.insert({ id: 5, embedding: [1, 1, 1] }));
      out.batchDupInside = await attempt(() => db.insertBatch([{ id: 'n1', embedding: [1, 1, 1] }, { id: 'n2', embedding: [1, 1, 2] }, { id: 'n1', embedding: [1, 1, 3] }]));
      out.batchDupTable = await attempt(() => db.insertBatch([{ id: 'n1', embedding: [1, 1, 1] }, { id: 'b', embedding: [1, 1, 2] }, { id: 'n3', embedding: [1, 1, 3] }]));
      out.batchBadMiddle = await attempt(() => db.insertBatch([{ id: 'n1', embedding: [1, 1, 1] }, { id: 'n2', embedding: [1, NaN, 2] }, { id: 'n3', embedding: [1, 1, 3] }]));
      out.batchDimMiddle = await attempt(() => db.insertBatch([{ id: 'n1', embedding: [1, 1, 1] }, { id: 'n2', embedding: [1, 2] }, { id: 'n3', embedding: [1, 1, 3] }]));
      out.statsAfter = await db.stats();
      out.n1 = await db.get('n1');
      out.searchIds = (await db.search([1, 1, 1], 10, { includeEmbedding: false })).map((x) => x.id).sort();
      // generated ids and a good batch still work
      out.genIds = await db.insertBatch([{ embedding: [0, 0, 1] }, { embedding: [0, 1, 0] }]);
      out.genId = await db.insert({ embedding: [1, 0, 0] });
      out.delTrue = await db.delete('b');
      out.delFalse = await db.delete('b');
      out.getDeleted = await db.get('b');
      out.searchAfterDelete = (await db.search([3, 2, 1], 10, { includeEmbedding: false })).map((x) => x.id);
      // Float32Array inputs work and stay intact in the caller's hands (not detached by a transfer)
      const emb = new Float32Array([0.5, 0.25, 0.125]);
      const q = new Float32Array([0.5, 0.25, 0.125]);
      const batchEmb = [new Float32Array([2, 2, 2]), new Float32Array([3, 3, 3])];
      out.f32Insert = await db.insert({ id: 'f32', embedding: emb });
      await db.insertBatch([{ id: 'f32b0', embedding: batchEmb[0] }, { id: 'f32b1', embedding: batchEmb[1] }]);
      out.f32Search = (await db.search(q, 1, { metric: 'euclidean', includeEmbedding: false })).map((x) => [x.id, x.score]);
      out.f32After = { emb: Array.from(emb), q: Array.from(q), b0: Array.from(batchEmb[0]), b1: Array.from(batchEmb[1]) };
      out.f32Get = Array.from((await db.get('f32b1')).embedding);
      for (const id of ['f32', 'f32b0', 'f32b1']) await db.delete(id);
      out.statsEnd = await db.stats();
      return out;
    });
    assertCode(r.native, 'BACKEND_UNAVAILABLE', 'createNativeVectorDB in the browser');
    assert.equal(r.backend, 'wasm');
    assertCode(r.dimInsert, 'DIMENSION_MISMATCH', 'insert of a wrong length');
    assertCode(r.dimQuery, 'DIMENSION_MISMATCH', 'query of a wrong length');
    assertCode(r.emptyVec, 'INVALID_VECTOR', 'empty vector');
    assertCode(r.nanVec, 'INVALID_VECTOR', 'NaN component');
    assertCode(r.infVec, 'INVALID_VECTOR', 'Infinity component');
    assertCode(r.strVec, 'INVALID_VECTOR', 'strings');
    assertCode(r.notArray, 'INVALID_VECTOR', 'not an array');
    assertCode(r.nanQuery, 'INVALID_VECTOR', 'NaN query');
    assertCode(r.dup, 'DUPLICATE_ID', 'insert of an existing id');
    assertCode(r.k0, 'INVALID_ARGUMENT', 'k = 0');
    assertCode(r.kFrac, 'INVALID_ARGUMENT', 'k = 1.5');
    assertCode(r.kNeg, 'INVALID_ARGUMENT', 'k = -1');
    assertCode(r.metric, 'INVALID_ARGUMENT', 'unknown metric');
    assertCode(r.filterOp, 'INVALID_ARGUMENT', 'unknown filter operator');
    assertCode(r.metadata, 'INVALID_ARGUMENT', 'metadata 5');
    assertCode(r.metadataArr, 'INVALID_ARGUMENT', 'metadata [1]');
    assertCode(r.idEmpty, 'INVALID_ARGUMENT', "id ''");
    assertCode(r.idNumber, 'INVALID_ARGUMENT', 'id 5');
    assertCode(r.batchDupInside, 'DUPLICATE_ID', 'batch with a duplicate inside');
    assertCode(r.batchDupTable, 'DUPLICATE_ID', 'batch with an id already in the table');
    assertCode(r.batchBadMiddle, 'INVALID_VECTOR', 'batch with a NaN vector in the middle');
    assertCode(r.batchDimMiddle, 'DIMENSION_MISMATCH', 'batch with a wrong length in the middle');
    assert.equal(r.statsAfter.count, 2, 'no failed call wrote anything');
    assert.equal(r.statsAfter.dimension, 3);
    assert.equal(r.n1, null, 'n1 (first item of failed batches) not written');
    assert.deepEqual(r.searchIds, ['a', 'b']);
    const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    for (const id of [...r.genIds, r.genId]) assert.match(id, UUID);
    assert.equal(new Set([...r.genIds, r.genId]).size, 3);
    assert.equal(r.delTrue, true);
    assert.equal(r.delFalse, false);
    assert.equal(r.getDeleted, null);
    assert.ok(!r.searchAfterDelete.includes('b'), `deleted id not searched: ${r.searchAfterDelete}`);
    assert.equal(r.f32Insert, 'f32');
    assert.deepEqual(r.f32Search, [['f32', 0]]);
    assert.deepEqual(r.f32After, { emb: [0.5, 0.25, 0.125], q: [0.5, 0.25, 0.125], b0: [2, 2, 2], b1: [3, 3, 3] }, "the caller's Float32Arrays are left intact");
    assert.deepEqual(r.f32Get, [3, 3, 3]);
    assert.equal(r.statsEnd.count, 4);

    // After a reload the failed batches are still absent and the good writes present.
    await reload(page);
    const again = await page.evaluate(async () => {
      const db = await sv.createVectorDB({ path: 'errors.db' });
      const stats = await db.stats();
      const n1 = await db.get('n1');
      const b = await db.get('b');
      const a = await db.get('a');
      await db.close();
      const closed = {
        initialize: await attempt(() => db.initialize()),
        insert: await attempt(() => db.insert({ id: 'z', embedding: [1, 1, 1] })),
        insertBatch: await attempt(() => db.insertBatch([{ id: 'z', embedding: [1, 1, 1] }])),
        search: await attempt(() => db.search([1, 1, 1])),
        get: await attempt(() => db.get('a')),
        delete: await attempt(() => db.delete('a')),
        stats: await attempt(() => db.stats()),
        close: await attempt(() => db.close()),
      };
      // the database itself is intact for the next opener
      const db2 = await sv.createVectorDB({ path: 'errors.db' });
      const reopened = await db2.stats();
      await db2.close();
      return { stats, n1, b, a: a && { embedding: Array.from(a.embedding), metadata: a.metadata }, closed, reopened };
    });
    assert.equal(again.stats.count, 4);
    assert.equal(again.n1, null);
    assert.equal(again.b, null);
    assert.deepEqual(again.a, { embedding: [1, 2, 3], metadata: { k: 1 } });
    for (const [op, outcome] of Object.entries(again.closed)) assertCode(outcome, 'CLOSED', `${op} after close()`);
    assert.equal(again.reopened.count, 4, 'reopen after close() in the same tab');
  });
});

/** Runs fn(arg, ctx) in the page's own worker `name` (tests/e2e/pages/user-worker.js). */
const inWorker = (page, name, fn, arg) =>
  page.evaluate(({ name, src, arg }) => window.runInWorker(name, src, arg), { name, src: fn.toString(), arg });

/** Checks lists of { id, score } against the float64 brute force of the fixtures. */
function assertBruteForce(lists, { queries, k, metric, filter, threshold }, label) {
  assert.equal(lists.length, queries.length, `${label}: one answer per query`);
  for (const [qi, actual] of lists.entries()) {
    const opts = { metric, filter, threshold };
    assertSameResults(actual, bruteForce(fixtures.vectors, queries[qi], k, opts), {
      pool: bruteForce(fixtures.vectors, queries[qi], Infinity, opts),
      message: `${label} q${qi} ${metric} k=${k} threshold=${threshold} filter=${JSON.stringify(filter)}`,
    });
  }
}

test(`dist in ${ENGINE_NAME}: createVectorDB inside a dedicated worker runs there (no nested worker), equals brute force, persists`, { timeout: TEST_TIMEOUT * 2 }, async () => {
  await withBrowser(async ({ open, reload }) => {
    const page = await open();
    await page.evaluate(() => startWorker('w1'));
    const run = await inWorker(page, 'w1', async ({ fx, metrics }, { sv, dbs, plain, attempt, workersConstructed, hasWorker, isDedicatedWorker }) => {
      const db = await sv.createVectorDB({ path: 'inworker.db' });
      dbs.set('db', db);
      const backend = db.getBackendType();
      const ids = await db.insertBatch(fx.vectors);
      const stats = await db.stats();
      const searches = [];
      const batches = [];
      const pick = (rs) => rs.map((r) => ({ id: r.id, score: r.score }));
      for (const metric of metrics) {
        for (const [fi, filter] of fx.filters.entries()) {
          for (const k of fx.k) {
            for (const [qi, q] of fx.queries.entries()) {
              searches.push({ qi, metric, fi, k, res: pick(await db.search(q, k, { metric, filter, includeEmbedding: false })) });
            }
            batches.push({ metric, fi, k, lists: (await db.searchBatch(fx.queries, k, { metric, filter, includeEmbedding: false })).map(pick) });
          }
        }
      }
      const defaults = plain(await db.search(fx.queries[0]));
      const batchDefaults = (await db.searchBatch(fx.queries.slice(0, 2))).map(plain);
      // the caller's Float32Arrays are copied, not detached, as on a page
      const q = new Float32Array(fx.queries[1]);
      const e = new Float32Array(fx.vectors[0].embedding.map((x) => x / 2));
      await db.insert({ id: 'half', embedding: e, metadata: { big: 12345678901234567890, order: { z: 1, a: 2 } } });
      const f32Res = plain(await db.search(q, 1, { metric: 'euclidean', filter: { order: { a: 2, z: 1 } } }));
      const f32Intact = { q: Array.from(q), e: Array.from(e) };
      await db.delete('half');
      const g = await db.get('v007');
      const got = { id: g.id, type: g.embedding.constructor.name, embedding: Array.from(g.embedding), metadata: g.metadata };
      const errors = {
        dimQuery: await attempt(() => db.search([1, 2, 3])),
        dimBatch: await attempt(() => db.searchBatch([fx.queries[0], [1, 2, 3]])),
        nanInsert: await attempt(() => db.insert({ id: 'nan', embedding: new Array(fx.dimension).fill(NaN) })),
        dup: await attempt(() => db.insert({ id: 'v001', embedding: fx.vectors[1].embedding })),
        k0: await attempt(() => db.search(fx.queries[0], 0)),
        filterOp: await attempt(() => db.search(fx.queries[0], 1, { filter: { n: { $regex: 'x' } } })),
        notJson: await attempt(() => db.insert({ id: 'fn', embedding: fx.vectors[1].embedding, metadata: { f: () => 1 } })),
        // a second handle on the same path in this worker shares it (the first leads), unless
        // it asks for it exclusively
        samePath: await attempt(async () => {
          const other = await sv.createVectorDB({ path: 'inworker.db' });
          try {
            const s = await other.stats();
            return { role: s.role, count: s.count };
          } finally {
            await other.close().catch(() => {});
          }
        }),
        samePathExclusive: await attempt(() => sv.createVectorDB({ path: 'inworker.db', exclusive: true }).then((o) => o.stats())),
      };
      // another database in the same worker works alongside
      const other = await sv.createVectorDB({ path: 'other.db', metric: 'euclidean' });
      await other.insertBatch([{ id: 'o1', embedding: [1, 1] }, { id: 'o2', embedding: [5, 5] }]);
      const otherRes = plain(await other.search([4, 4], 2, { includeEmbedding: false }));
      const otherStats = await other.stats();
      await other.close();
      return {
        backend, ids, stats, searches, batches, defaults, batchDefaults, f32Res, f32Intact, got, errors, otherRes, otherStats,
        countAfter: (await db.stats()).count,
        hasWorker, isDedicatedWorker, workers: workersConstructed(),
      };
    }, { fx: fixtures, metrics: METRICS });

    assert.equal(run.isDedicatedWorker, true, 'the scenario ran in a dedicated worker');
    assert.equal(run.hasWorker, true, 'Worker exists in this worker (a nested worker would have been counted)');
    assert.equal(run.workers, 0, 'createVectorDB inside a worker started no nested worker');
    assert.equal(run.backend, 'wasm');
    assert.deepEqual(run.ids, fixtures.vectors.map((v) => v.id));
    assert.equal(run.stats.backend, 'wasm');
    assert.equal(run.stats.persistent, true, 'OPFS from inside the worker');
    assert.equal(run.stats.path, 'inworker.db');
    assert.equal(run.stats.count, fixtures.vectors.length);
    assert.equal(run.stats.dimension, fixtures.dimension);
    assert.ok(run.stats.size > 0);

    assert.equal(run.searches.length, METRICS.length * fixtures.filters.length * fixtures.k.length * fixtures.queries.length);
    for (const s of run.searches) {
      const opts = { metric: s.metric, filter: fixtures.filters[s.fi] };
      const q = fixtures.queries[s.qi];
      assertSameResults(s.res, bruteForce(fixtures.vectors, q, s.k, opts), { pool: bruteForce(fixtures.vectors, q, Infinity, opts), message: `in worker q${s.qi} ${s.metric} k=${s.k} filter=${JSON.stringify(opts.filter)}` });
    }
    assert.equal(run.batches.length, METRICS.length * fixtures.filters.length * fixtures.k.length);
    for (const b of run.batches) {
      assertBruteForce(b.lists, { queries: fixtures.queries, k: b.k, metric: b.metric, filter: fixtures.filters[b.fi] }, 'searchBatch in worker');
    }

    const byId = new Map(fixtures.vectors.map((v) => [v.id, v]));
    assertSameResults(run.defaults, bruteForce(fixtures.vectors, fixtures.queries[0], 5), { pool: bruteForce(fixtures.vectors, fixtures.queries[0], Infinity), message: 'defaults in worker' });
    for (const r of run.defaults) {
      assert.equal(r.embeddingType, 'Float32Array');
      assert.deepEqual(r.embedding, f32(byId.get(r.id).embedding));
      assert.deepEqual(r.metadata, byId.get(r.id).metadata);
    }
    assert.deepEqual(run.batchDefaults[0], run.defaults, 'searchBatch defaults are those of search');
    assertSameResults(run.batchDefaults[1], bruteForce(fixtures.vectors, fixtures.queries[1], 5), { pool: bruteForce(fixtures.vectors, fixtures.queries[1], Infinity) });

    assert.deepEqual(run.f32Intact, { q: f32(fixtures.queries[1]), e: f32(fixtures.vectors[0].embedding.map((x) => x / 2)) }, "the caller's Float32Arrays are left intact");
    assert.equal(run.f32Res.length, 1);
    assert.equal(run.f32Res[0].id, 'half');
    assert.deepEqual(run.f32Res[0].embedding, f32(fixtures.vectors[0].embedding.map((x) => x / 2)));
    assert.deepEqual(run.f32Res[0].metadata, { big: 12345678901234567890, order: { z: 1, a: 2 } });
    assert.deepEqual(Object.keys(run.f32Res[0].metadata.order), ['z', 'a'], 'metadata key order');
    assert.deepEqual(run.got, { id: 'v007', type: 'Float32Array', embedding: f32(byId.get('v007').embedding), metadata: byId.get('v007').metadata });

    assertCode(run.errors.dimQuery, 'DIMENSION_MISMATCH', 'query of a wrong length, in worker');
    assertCode(run.errors.dimBatch, 'DIMENSION_MISMATCH', 'searchBatch with a wrong length, in worker');
    assertCode(run.errors.nanInsert, 'INVALID_VECTOR', 'NaN insert, in worker');
    assertCode(run.errors.dup, 'DUPLICATE_ID', 'duplicate id, in worker');
    assertCode(run.errors.k0, 'INVALID_ARGUMENT', 'k = 0, in worker');
    assertCode(run.errors.filterOp, 'INVALID_ARGUMENT', 'unknown filter operator, in worker');
    assertCode(run.errors.notJson, 'INVALID_ARGUMENT', 'metadata with a function, in worker');
    assert.deepEqual(run.errors.samePath, { ok: true, value: { role: 'follower', count: fixtures.vectors.length } }, 'a second handle on the same path in the same worker shares it');
    assertCode(run.errors.samePathExclusive, 'LOCKED', 'an exclusive second handle on the same path in the same worker');
    assert.deepEqual(run.otherRes.map((r) => r.id), ['o2', 'o1']);
    assert.equal(run.otherStats.path, 'other.db');
    assert.equal(run.otherStats.persistent, true);
    assert.equal(run.countAfter, fixtures.vectors.length, 'no failed call wrote anything');

    // The page shares the database its worker holds (the worker leads).
    const fromPage = await page.evaluate(async () => {
      const db = await sv.createVectorDB({ path: 'inworker.db' });
      const r = await Promise.race([attempt(async () => ({ role: (await db.stats()).role, count: (await db.stats()).count })), sleep(5000).then(() => ({ hung: true }))]);
      await attempt(() => db.close());
      return r;
    });
    assert.deepEqual(fromPage, { ok: true, value: { role: 'follower', count: fixtures.vectors.length } }, 'the page shares the path its worker holds');

    // close() in the worker, then the same worker opens it again; later calls on the closed
    // handle reject with CLOSED.
    const again = await inWorker(page, 'w1', async (_, { sv, dbs, attempt, workersConstructed }) => {
      const db = dbs.get('db');
      await db.close();
      const closed = { search: await attempt(() => db.search([1])), batch: await attempt(() => db.searchBatch([])), stats: await attempt(() => db.stats()) };
      const db2 = await sv.createVectorDB({ path: 'inworker.db' });
      const stats = await db2.stats();
      await db2.close();
      return { closed, stats, workers: workersConstructed() };
    });
    for (const [op, outcome] of Object.entries(again.closed)) assertCode(outcome, 'CLOSED', `${op} after close() in the worker`);
    assert.equal(again.stats.count, fixtures.vectors.length, 'reopened in the same worker after close()');
    assert.equal(again.workers, 0);
    await page.evaluate(() => stopWorker('w1'));

    // A second worker of the page opens what the first wrote, and is killed (by the reload)
    // without close().
    await page.evaluate(() => startWorker('w2'));
    const second = await inWorker(page, 'w2', async ({ queries }, { sv, workersConstructed }) => {
      const db = await sv.createVectorDB({ path: 'inworker.db' });
      const stats = await db.stats();
      const lists = (await db.searchBatch(queries, 5, { metric: 'euclidean', filter: { group: 'b' }, includeEmbedding: false })).map((rs) => rs.map((r) => ({ id: r.id, score: r.score })));
      await db.insert({ id: 'from-w2', embedding: new Array(queries[0].length).fill(0.5) });
      return { stats, lists, count: (await db.stats()).count, workers: workersConstructed() };
    }, { queries: fixtures.queries });
    assert.equal(second.stats.count, fixtures.vectors.length, 'a second worker sees what the first wrote');
    assert.equal(second.stats.persistent, true);
    assertBruteForce(second.lists, { queries: fixtures.queries, k: 5, metric: 'euclidean', filter: { group: 'b' } }, 'second worker');
    assert.equal(second.count, fixtures.vectors.length + 1);
    assert.equal(second.workers, 0);

    await reload(page);
    await page.evaluate(() => startWorker('w3'));
    const third = await inWorker(page, 'w3', async ({ q }, { sv, plain, workersConstructed }) => {
      // the killed worker's lock is gone with it; retry LOCKED briefly while it winds down
      const deadline = Date.now() + 5000;
      for (;;) {
        const db = await sv.createVectorDB({ path: 'inworker.db' });
        try {
          const stats = await db.stats();
          const res = plain(await db.search(q, 5, { includeEmbedding: false }));
          const g = await db.get('from-w2');
          await db.close();
          return { stats, res, got: g && Array.from(g.embedding), workers: workersConstructed() };
        } catch (e) {
          await db.close().catch(() => {});
          if (e.code !== 'LOCKED' || Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }, { q: fixtures.queries[4] });
    assert.equal(third.stats.count, fixtures.vectors.length + 1, 'persisted across a reload');
    assert.deepEqual(third.got, new Array(fixtures.dimension).fill(0.5));
    const withW2 = [...fixtures.vectors, { id: 'from-w2', embedding: new Array(fixtures.dimension).fill(0.5) }];
    assertSameResults(third.res, bruteForce(withW2, fixtures.queries[4], 5), { pool: bruteForce(withW2, fixtures.queries[4], Infinity), message: 'after reload, in a new worker' });
    assert.equal(third.workers, 0);

    // The page's own worker opens the file the in-worker database wrote.
    const pageView = await page.evaluate(async () => {
      const db = await sv.createVectorDB({ path: 'inworker.db' });
      const stats = await db.stats();
      await db.close();
      return stats;
    });
    assert.equal(pageView.count, fixtures.vectors.length + 1);
  });
});

test(`dist in ${ENGINE_NAME}: searchBatch on a page over OPFS is one message, one answer per query, equal to brute force`, { timeout: TEST_TIMEOUT }, async () => {
  await withBrowser(async ({ open, reload }) => {
    const page = await open();
    const run = await page.evaluate(async ({ fx, metrics }) => {
      const db = await sv.createVectorDB({ path: 'batch.db' });
      await db.insertBatch(fx.vectors);
      const pick = (rs) => rs.map((r) => ({ id: r.id, score: r.score }));
      // every message the page sends to a worker during one searchBatch
      const post = Worker.prototype.postMessage;
      let posted = 0;
      Worker.prototype.postMessage = function (...args) {
        posted++;
        return post.apply(this, args);
      };
      let lists;
      try {
        lists = await db.searchBatch(fx.queries, 5, { includeEmbedding: false });
      } finally {
        Worker.prototype.postMessage = post;
      }
      const batches = [];
      for (const metric of metrics) {
        for (const [fi, filter] of fx.filters.entries()) {
          for (const k of fx.k) {
            for (const threshold of [undefined, fx.thresholds[metric]]) {
              const options = { metric, filter, includeEmbedding: false };
              if (threshold !== undefined) options.threshold = threshold;
              const got = (await db.searchBatch(fx.queries, k, options)).map(pick);
              const loop = [];
              for (const q of fx.queries) loop.push(pick(await db.search(q, k, options)));
              batches.push({ metric, fi, k, threshold, got, loop });
            }
          }
        }
      }
      const queries = fx.queries.slice(0, 3).map((q) => new Float32Array(q));
      const withEmb = (await db.searchBatch(queries, 4)).map(plain);
      const intact = queries.map((q) => Array.from(q));
      const q0 = fx.queries[0];
      const errors = {
        nan: await attempt(() => db.searchBatch([q0, q0.map(() => NaN), q0])),
        empty: await attempt(() => db.searchBatch([q0, []])),
        strings: await attempt(() => db.searchBatch([q0.map(String), q0])),
        dim: await attempt(() => db.searchBatch([q0, q0, [1, 2, 3]])),
        k0: await attempt(() => db.searchBatch([q0], 0)),
        metric: await attempt(() => db.searchBatch([q0], 1, { metric: 'manhattan' })),
        notArray: await attempt(() => db.searchBatch('nope')),
      };
      return { posted, lists, batches, withEmb, intact, empty: await db.searchBatch([]), errors, stats: await db.stats() };
    }, { fx: fixtures, metrics: METRICS });

    assert.equal(run.posted, 1, 'searchBatch of every query is one message to the worker');
    assertBruteForce(run.lists, { queries: fixtures.queries, k: 5, metric: 'cosine' }, 'counted batch');
    assert.equal(run.batches.length, METRICS.length * fixtures.filters.length * fixtures.k.length * 2);
    for (const b of run.batches) {
      assert.deepEqual(b.got, b.loop, `searchBatch equals a loop of search: ${b.metric} k=${b.k} threshold=${b.threshold} filter=${JSON.stringify(fixtures.filters[b.fi])}`);
      assertBruteForce(b.got, { queries: fixtures.queries, k: b.k, metric: b.metric, filter: fixtures.filters[b.fi], threshold: b.threshold }, 'page batch');
    }
    const byId = new Map(fixtures.vectors.map((v) => [v.id, v]));
    assert.equal(run.withEmb.length, 3);
    for (const [qi, res] of run.withEmb.entries()) {
      assertSameResults(res, bruteForce(fixtures.vectors, fixtures.queries[qi], 4), { pool: bruteForce(fixtures.vectors, fixtures.queries[qi], Infinity) });
      for (const r of res) {
        assert.equal(r.embeddingType, 'Float32Array');
        assert.deepEqual(r.embedding, f32(byId.get(r.id).embedding));
        assert.deepEqual(r.metadata, byId.get(r.id).metadata);
      }
    }
    assert.deepEqual(run.intact, fixtures.queries.slice(0, 3).map(f32), "the caller's Float32Arrays are left intact");
    assert.deepEqual(run.empty, []);
    assertCode(run.errors.nan, 'INVALID_VECTOR', 'a NaN query in the middle');
    assertCode(run.errors.empty, 'INVALID_VECTOR', 'an empty query');
    assertCode(run.errors.strings, 'INVALID_VECTOR', 'a query of strings');
    assertCode(run.errors.dim, 'DIMENSION_MISMATCH', 'a query of the wrong length last');
    assertCode(run.errors.k0, 'INVALID_ARGUMENT', 'k = 0');
    assertCode(run.errors.metric, 'INVALID_ARGUMENT', 'unknown metric');
    assertCode(run.errors.notArray, 'INVALID_ARGUMENT', 'queries not an array');
    assert.equal(run.stats.count, fixtures.vectors.length);

    await reload(page);
    const after = await page.evaluate(async ({ queries }) => {
      const db = await sv.createVectorDB({ path: 'batch.db' });
      const lists = (await db.searchBatch(queries, 200, { metric: 'dot', filter: { n: { $gte: 50 } }, includeEmbedding: false })).map((rs) => rs.map((r) => ({ id: r.id, score: r.score })));
      await db.close();
      return lists;
    }, { queries: fixtures.queries });
    assertBruteForce(after, { queries: fixtures.queries, k: 200, metric: 'dot', filter: { n: { $gte: 50 } } }, 'after reload');
  });
});
