// The native backend in Node: a real file across processes, exclusive while open, native-only
// options honoured, calls off the JS thread, and the fallback to wasm said out loud.
//
//   node --test tests/node/native.test.mjs
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVectorDB, createNativeVectorDB, createWasmVectorDB } from '../../dist/node.js';
import { bruteForce, assertSameResults } from '../fixtures/reference.mjs';
import { mulberry32 } from '../fixtures/rng.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = path.join(repo, 'dist/node.js');
const fixtures = JSON.parse(fs.readFileSync(path.join(repo, 'tests/fixtures/fixtures.json'), 'utf8'));

let tmp;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-native-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs an ES module body in a new Node process with `sv` (the package) in scope. */
function node(body, env = {}) {
  const script = `import * as sv from ${JSON.stringify(entry)};\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr, json: r.stdout.trim() ? JSON.parse(r.stdout.trim().split('\n').pop()) : null };
}

describe('native backend', () => {
  test('createVectorDB() in Node is native and persists to a file across processes', () => {
    const file = path.join(tmp, 'persist.db');
    const wrote = node(`
      const db = await sv.createVectorDB({ path: ${JSON.stringify(file)} });
      await db.insertBatch(${JSON.stringify(fixtures.vectors)});
      console.log(JSON.stringify({ backend: db.getBackendType(), stats: await db.stats() }));
      await db.close();
    `);
    assert.equal(wrote.json.backend, 'native');
    assert.deepEqual(wrote.json.stats, { count: fixtures.vectors.length, dimension: fixtures.dimension, size: wrote.json.stats.size, backend: 'native', path: file, persistent: true, index: null });
    assert.ok(fs.statSync(file).size >= wrote.json.stats.size, 'the database is a real file on disk');

    const q = fixtures.queries[2];
    const read = node(`
      const db = await sv.createVectorDB({ path: ${JSON.stringify(file)} });
      const hits = await db.search(${JSON.stringify(q)}, 7, { metric: 'euclidean', includeEmbedding: false });
      console.log(JSON.stringify({ stats: await db.stats(), hits }));
      await db.close();
    `);
    assert.equal(read.json.stats.count, fixtures.vectors.length);
    const pool = bruteForce(fixtures.vectors, q, Infinity, { metric: 'euclidean' });
    assertSameResults(read.json.hits, bruteForce(fixtures.vectors, q, 7, { metric: 'euclidean' }), { pool });
  });

  test('a file open in one process is LOCKED for another until closed', async () => {
    const file = path.join(tmp, 'locked.db');
    const db = await createNativeVectorDB({ path: file });
    await db.insert({ id: 'a', embedding: [1, 2, 3] });
    const probe = `
      try {
        const db = await sv.createNativeVectorDB({ path: ${JSON.stringify(file)} });
        console.log(JSON.stringify({ count: (await db.stats()).count }));
        await db.close();
      } catch (e) {
        console.log(JSON.stringify({ code: e.code, message: e.message }));
      }
    `;
    const held = node(probe).json;
    assert.equal(held.code, 'LOCKED', JSON.stringify(held));
    // the same process, a second handle: also refused (its index could not see the writes)
    const second = await createNativeVectorDB({ path: file });
    await assert.rejects(second.initialize(), (e) => e.code === 'LOCKED');
    await db.close();
    assert.deepEqual(node(probe).json, { count: 1 });
  });

  test('walMode, mmapSize and cacheSize reach SQLite', async () => {
    const file = path.join(tmp, 'tuned.db');
    const db = await createNativeVectorDB({ path: file, walMode: true, mmapSize: 8 << 20, cacheSize: 4096 });
    await db.insert({ id: 'a', embedding: [1, 2] });
    const info = await db.info();
    assert.equal(info.journalMode, 'wal');
    assert.equal(info.mmapSize, 8 << 20);
    assert.equal(info.cacheSizeKib, 4096);
    assert.ok(fs.existsSync(`${file}-wal`), 'a WAL file beside the database');
    await db.close();

    const plain = await createNativeVectorDB({ path: path.join(tmp, 'plain.db') });
    await plain.insert({ id: 'a', embedding: [1, 2] });
    const p = await plain.info();
    assert.equal(p.journalMode, 'delete');
    assert.equal(p.mmapSize, 0);
    assert.equal(p.cacheSizeKib, 100_000, 'API.md default cache for native');
    assert.ok(!fs.existsSync(path.join(tmp, 'plain.db-wal')));
    await plain.close();
  });

  test('a large batch insert and search run off the JS thread: timers keep firing', async () => {
    const dim = 128;
    const n = 60_000;
    const rand = mulberry32(7);
    const vectors = Array.from({ length: n }, (_, i) => {
      const e = new Float32Array(dim);
      for (let j = 0; j < dim; j++) e[j] = rand() - 0.5;
      return { id: `v${i}`, embedding: e };
    });
    const db = await createNativeVectorDB({ path: path.join(tmp, 'big.db') });
    await db.initialize();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const pending = db.insertBatch(vectors);
      // With the work on libuv's pool, timers fire while it runs (the wasm build in process
      // would hold the JS thread for the whole batch).
      const ticksAtStart = ticks;
      await pending;
      const duringInsert = ticks - ticksAtStart;
      assert.ok(duringInsert > 0, `the event loop ran ${duringInsert} timer callbacks during the insert`);
    } finally {
      clearInterval(timer);
    }
    const q = vectors[123].embedding;
    const hits = await db.search(q, 3, { metric: 'euclidean' });
    assert.equal(hits[0].id, 'v123');
    assert.equal(hits[0].score, 0);
    assert.equal((await db.stats()).count, n);
    await db.close();
  });

  test('without the addon, auto falls back to wasm and says why on stderr, once', () => {
    const r = node(`
      const a = await sv.createVectorDB();
      const b = await sv.createVectorDB({ path: ':memory:' });
      let native;
      try { await sv.createNativeVectorDB(); } catch (e) { native = e.code + ': ' + e.message; }
      await a.insert({ id: 'x', embedding: [1] });
      console.log(JSON.stringify({ a: a.getBackendType(), b: b.getBackendType(), stats: (await a.stats()).backend, native }));
    `, { SQLITE_VECTOR_ADDON: path.join(tmp, 'no-such-addon.node') });
    assert.equal(r.json.a, 'wasm');
    assert.equal(r.json.b, 'wasm');
    assert.equal(r.json.stats, 'wasm');
    assert.match(r.json.native, /^BACKEND_UNAVAILABLE: .*no-such-addon/);
    const lines = r.stderr.split('\n').filter((l) => l.includes('sqlite-vector'));
    assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
    assert.match(lines[0], /native backend unavailable \(.*no-such-addon.*\); using the wasm build/);
  });

  test('a file that is not the addon is refused the same way', () => {
    const fake = path.join(tmp, 'fake.node');
    fs.writeFileSync(fake, 'not a shared library');
    const r = node(`
      const db = await sv.createVectorDB();
      console.log(JSON.stringify({ backend: db.getBackendType() }));
    `, { SQLITE_VECTOR_ADDON: fake });
    assert.equal(r.json.backend, 'wasm');
    assert.match(r.stderr, /native backend unavailable/);
  });

  test('with the addon present nothing is written to stderr', () => {
    const r = node(`
      const db = await sv.createVectorDB();
      console.log(JSON.stringify({ backend: db.getBackendType() }));
    `);
    assert.equal(r.json.backend, 'native');
    assert.equal(r.stderr, '');
  });
});

/** Same hits: ids, embeddings and metadata exactly; scores within 1e-5 (kernels differ). */
function assertSameHits(actual, expected, what) {
  assert.deepEqual(actual.map((h) => h.id), expected.map((h) => h.id), `${what}: ids`);
  for (const [i, h] of actual.entries()) {
    const e = expected[i];
    assert.ok(Math.abs(h.score - e.score) <= 1e-5 * Math.max(1, Math.abs(e.score)), `${what}: score ${i}: ${h.score} vs ${e.score}`);
    assert.deepEqual(h.embedding, e.embedding, `${what}: embedding ${i}`);
    assert.deepEqual(h.metadata, e.metadata, `${what}: metadata ${i}`);
  }
}

describe('export and open-from-bytes in Node', () => {
  test('native -> wasm -> native round trip keeps ids, vectors, metadata and answers', async () => {
    const a = await createNativeVectorDB({ path: path.join(tmp, 'rt.db') });
    await a.insertBatch(fixtures.vectors);
    const q = fixtures.queries[5];
    const want = await a.search(q, 10, { filter: fixtures.filters[3] });
    const bytes = await a.export();
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 15)), 'SQLite format 3');
    await a.close();

    const w = await createWasmVectorDB({ data: bytes });
    assertSameHits(await w.search(q, 10, { filter: fixtures.filters[3] }), want, 'wasm from native bytes');
    const back = await w.export();
    await w.close();

    const n = await createNativeVectorDB({ path: path.join(tmp, 'rt2.db'), data: back });
    assertSameHits(await n.search(q, 10, { filter: fixtures.filters[3] }), want, 'native from wasm bytes');
    const v = fixtures.vectors[9];
    const got = await n.get(v.id);
    assert.deepEqual([...got.embedding], [...Float32Array.from(v.embedding)]);
    assert.deepEqual(got.metadata, v.metadata);
    await n.close();
  });

  test('bad bytes are CORRUPT and an occupied path needs overwrite; the existing file survives', async () => {
    const file = path.join(tmp, 'occupied.db');
    const db = await createNativeVectorDB({ path: file });
    await db.insertBatch(fixtures.vectors.slice(0, 10));
    const good = await db.export();
    await db.close();
    const before = fs.readFileSync(file);

    const openWith = async (config) => {
      const d = await createNativeVectorDB(config);
      try {
        await d.initialize();
        return (await d.stats()).count;
      } finally {
        await d.close().catch(() => {});
      }
    };
    const codeOf = (config) => openWith(config).then(() => 'OK', (e) => e.code);
    const other = await createWasmVectorDB({ dimension: 3 }); // a sqlite-vector file, another dimension
    await other.insert({ id: 'z', embedding: [1, 2, 3] });
    const foreign = await other.export();
    await other.close();
    const notOurs = Uint8Array.from(foreign);
    // Rename the marker table so the file is valid SQLite but not ours: flip one byte of the
    // schema text ("vector_meta" -> "vectoR_meta") where it appears.
    const text = new TextDecoder('latin1').decode(notOurs);
    for (let at = text.indexOf('vector_meta'); at !== -1; at = text.indexOf('vector_meta', at + 1)) notOurs[at + 6] = 'R'.charCodeAt(0);

    assert.equal(await codeOf({ path: file, data: new Uint8Array(5000), overwrite: true }), 'CORRUPT');
    assert.equal(await codeOf({ path: file, data: good.slice(0, good.length - 4096), overwrite: true }), 'CORRUPT');
    assert.equal(await codeOf({ path: file, data: notOurs, overwrite: true }), 'CORRUPT');
    assert.equal(await codeOf({ path: file, data: good }), 'INVALID_ARGUMENT');
    assert.equal(await codeOf({ path: file, data: 'bytes' }), 'INVALID_ARGUMENT');
    assert.deepEqual(fs.readFileSync(file), before, 'the refused imports left the file byte for byte as it was');
    assert.equal(fs.existsSync(path.join(tmp, 'never.db')), false);
    assert.equal(await codeOf({ path: path.join(tmp, 'never.db'), data: new Uint8Array(5000) }), 'CORRUPT');
    assert.equal(fs.existsSync(path.join(tmp, 'never.db')), false, 'a refused import creates no file');

    assert.equal(await openWith({ path: file, data: foreign, overwrite: true }), 1);
    assert.equal(await codeOf({ path: file, dimension: fixtures.dimension }), 'DIMENSION_MISMATCH');
  });
});
