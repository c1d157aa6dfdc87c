// Mutations (shared/API.md "Second release"): upsert, upsertBatch, update, deleteMany,
// compact and config.durability, through the Node entry on both backends, against a model
// kept here and the float64 reference (tests/fixtures/reference.mjs).
//
//   node --test tests/node/mutations.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWasmVectorDB, createNativeVectorDB, VectorDBError } from '../../dist/node.js';
import { bruteForce, assertSameResults } from '../fixtures/reference.mjs';

const BACKENDS = (process.env.SV_BACKENDS ?? 'wasm,native').split(',');
const TIE = [0.25, -0.5, 0.75, 1];

async function rejectsWith(promise, code, what = '') {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof VectorDBError, `${what}: expected a VectorDBError ${code}, got ${err?.code ?? 'a resolution'}`);
  assert.equal(err.code, code, `${what}: ${err.message}`);
}

/** The rows in insertion order, as API.md says mutations change them. */
class Model {
  rows = [];
  #find = (id) => this.rows.findIndex((r) => r.id === id);
  upsert({ id, embedding, metadata }) {
    const row = { id, embedding: Float32Array.from(embedding), metadata };
    const i = this.#find(id);
    if (i >= 0) this.rows[i] = row;
    else this.rows.push(row);
  }
  update(id, patch) {
    const r = this.rows[this.#find(id)];
    if (!r) return false;
    if (patch.embedding !== undefined) r.embedding = Float32Array.from(patch.embedding);
    if (patch.metadata !== undefined) r.metadata = patch.metadata ?? undefined;
    return true;
  }
}

/** The database holds exactly the model: get of every row, count, and search per metric
 * (with and without a filter, for the first and the last row) equal to brute force with
 * ties in insertion order. */
async function same(db, model, what, { exact } = {}) {
  assert.equal((await db.stats()).count, model.rows.length, `${what}: count`);
  for (const r of model.rows) {
    const got = await db.get(r.id);
    assert.ok(got, `${what}: ${r.id} is stored`);
    assert.deepEqual(Array.from(got.embedding), Array.from(r.embedding), `${what}: ${r.id} embedding`);
    assert.deepEqual(got.metadata, r.metadata, `${what}: ${r.id} metadata`);
  }
  for (const metric of ['cosine', 'euclidean', 'dot']) {
    for (const filter of [undefined, { g: 1 }]) {
      for (const query of [model.rows[0]?.embedding ?? TIE, model.rows.at(-1)?.embedding ?? TIE]) {
        const pool = bruteForce(model.rows, query, Infinity, { metric, filter });
        const actual = await db.search(query, 6, { metric, filter, exact, includeEmbedding: false });
        assertSameResults(actual, pool.slice(0, 6), { pool, message: `${what}: ${metric} ${JSON.stringify(filter)}` });
      }
    }
  }
}

for (const backend of BACKENDS) {
  const open = (config) => (backend === 'native' ? createNativeVectorDB(config) : createWasmVectorDB(config));

  describe(`[${backend}] mutations`, () => {
    test('upsert inserts, or replaces in place with the write time; upsertBatch: the last of an id wins', async () => {
      const db = await open();
      const model = new Model();
      for (const v of [{ id: 'a', embedding: TIE, metadata: { g: 1 } }, { id: 'b', embedding: TIE }, { id: 'c', embedding: TIE, metadata: { g: 2 } }]) {
        assert.equal(await db.upsert(v), v.id);
        model.upsert(v);
      }
      const before = (await db.get('a')).timestamp;
      await new Promise((r) => setTimeout(r, 5));
      // Replaced: new embedding and metadata (key order kept), same place among ties.
      const a = { id: 'a', embedding: Float32Array.from(TIE), metadata: { z: 1, g: 1, a: [1, { y: null }] } };
      assert.equal(await db.upsert(a), 'a');
      model.upsert(a);
      const got = await db.get('a');
      assert.ok(got.timestamp > before, 'timestamp is the write time');
      assert.deepEqual(Object.keys(got.metadata), ['z', 'g', 'a']);
      const batch = [
        { id: 'd', embedding: [1, 0, 0, 0], metadata: { g: 1 } },
        { id: 'b', embedding: [9, 9, 9, 9] },
        { id: 'd', embedding: TIE, metadata: { g: 3 } },
        { id: 'b', embedding: TIE, metadata: { g: 1, t: 'last' } },
      ];
      assert.deepEqual(await db.upsertBatch(batch), ['d', 'b', 'd', 'b']);
      batch.forEach((v) => model.upsert(v));
      await same(db, model, 'after upserts');
      const ties = await db.search(TIE, 10, { metric: 'euclidean', threshold: 0 });
      assert.deepEqual(ties.map((h) => h.id), ['a', 'b', 'c', 'd'], 'ties in insertion order');
      // Refused, and nothing of the batch written.
      await rejectsWith(db.upsert({ embedding: TIE }), 'INVALID_ARGUMENT', 'no id');
      await rejectsWith(db.upsert({ id: '', embedding: TIE }), 'INVALID_ARGUMENT', 'empty id');
      await rejectsWith(db.upsertBatch([{ id: 'e', embedding: TIE }, { embedding: TIE }]), 'INVALID_ARGUMENT', 'one id missing');
      await rejectsWith(db.upsertBatch([{ id: 'a', embedding: [5, 5, 5, 5] }, { id: 'e', embedding: [1, NaN, 0, 0] }]), 'INVALID_VECTOR', 'NaN');
      await rejectsWith(db.upsertBatch([{ id: 'a', embedding: [5, 5, 5, 5] }, { id: 'e', embedding: [1, 2] }]), 'DIMENSION_MISMATCH', 'length');
      await rejectsWith(db.upsert({ id: 'a', embedding: TIE, metadata: [1] }), 'INVALID_ARGUMENT', 'metadata');
      await rejectsWith(db.upsertBatch('a'), 'INVALID_ARGUMENT', 'not an array');
      assert.deepEqual(await db.upsertBatch([]), []);
      await same(db, model, 'after refused upserts');
      await db.close();
    });

    test('update changes the embedding, the metadata or both; refuses empty patches and unknown keys', async () => {
      const db = await open();
      const model = new Model();
      assert.equal(await db.update('a', { metadata: null }), false, 'empty database');
      for (const v of [{ id: 'a', embedding: TIE, metadata: { g: 1 } }, { id: 'b', embedding: TIE, metadata: { g: 2 } }, { id: 'c', embedding: TIE }]) {
        await db.insert(v);
        model.upsert(v);
      }
      for (const [id, patch] of [
        ['a', { embedding: [0, 1, 0, 0] }],
        ['b', { metadata: { g: 1, t: 'x' } }],
        ['c', { embedding: Float32Array.from(TIE), metadata: { g: 1 } }],
        ['a', { embedding: TIE, metadata: null }],
        ['b', { embedding: undefined, metadata: { g: 1 } }],
      ]) {
        assert.equal(await db.update(id, patch), true, `${id} ${JSON.stringify(patch)}`);
        model.update(id, patch);
      }
      assert.equal(await db.update('nope', { metadata: { g: 1 } }), false);
      assert.equal('metadata' in (await db.get('a')), false, 'metadata: null removed it');
      await same(db, model, 'after updates');
      for (const [patch, code] of [
        [{}, 'INVALID_ARGUMENT'],
        [{ embedding: undefined }, 'INVALID_ARGUMENT'],
        [{ metadata: { g: 1 }, tags: 1 }, 'INVALID_ARGUMENT'],
        [null, 'INVALID_ARGUMENT'],
        [[1, 2, 3, 4], 'INVALID_ARGUMENT'],
        [{ metadata: 'text' }, 'INVALID_ARGUMENT'],
        [{ metadata: { d: new Date() } }, 'INVALID_ARGUMENT'],
        [{ embedding: [1, 2] }, 'DIMENSION_MISMATCH'],
        [{ embedding: [] }, 'INVALID_VECTOR'],
        [{ embedding: [1, 2, Infinity, 4] }, 'INVALID_VECTOR'],
        [{ embedding: ['1', 2, 3, 4] }, 'INVALID_VECTOR'],
        [{ embedding: 'x' }, 'INVALID_VECTOR'],
      ]) {
        await rejectsWith(db.update('a', patch), code, JSON.stringify(patch));
      }
      await rejectsWith(db.update('', { metadata: null }), 'INVALID_ARGUMENT', 'empty id');
      await rejectsWith(db.update(7, { metadata: null }), 'INVALID_ARGUMENT', 'id not a string');
      await same(db, model, 'after refused updates');
      await db.close();
    });

    test('deleteMany deletes listed ids, filter matches, or listed ids that match', async () => {
      const db = await open();
      const vectors = Array.from({ length: 60 }, (_, i) => ({
        id: `v${i}`,
        embedding: [i, (i % 5) - 2, 1, -i / 10],
        ...(i % 7 ? { metadata: { g: i % 3, t: i % 2 ? 'b' : 'a' } } : {}),
      }));
      await db.insertBatch(vectors);
      let model = vectors.map((v) => ({ ...v, embedding: Float32Array.from(v.embedding) }));
      const remove = (keep) => {
        const n = model.length;
        model = model.filter(keep);
        return n - model.length;
      };
      const listed = ['v1', 'v2', 'v4', 'v1', 'missing'];
      assert.equal(await db.deleteMany({ ids: listed, filter: { g: 1 } }), remove((r) => !(listed.includes(r.id) && r.metadata?.g === 1)));
      assert.equal(await db.deleteMany({ ids: listed }), remove((r) => !listed.includes(r.id)));
      assert.equal(await db.deleteMany({ ids: [] }), 0);
      assert.equal(await db.deleteMany({ ids: [], filter: {} }), 0);
      const f = { t: 'b', g: { $gte: 1 } };
      assert.equal(await db.deleteMany({ filter: f }), remove((r) => !(r.metadata?.t === 'b' && r.metadata.g >= 1)));
      assert.equal(await db.deleteMany({ filter: { g: null } }), remove((r) => r.metadata?.g != null));
      for (const [sel, what] of [
        [{}, 'neither'],
        [{ ids: undefined, filter: undefined }, 'both undefined'],
        [{ filter: { g: { $bad: 1 } } }, 'unknown operator'],
        [{ ids: 'v5' }, 'ids not an array'],
        [{ ids: ['v5', ''] }, 'an empty id'],
        [{ ids: ['v5'], where: {} }, 'unknown key'],
        [{ filter: [1] }, 'filter an array'],
        [null, 'null'],
      ]) {
        await rejectsWith(db.deleteMany(sel), 'INVALID_ARGUMENT', what);
      }
      const m = new Model();
      model.forEach((r) => m.upsert(r));
      await same(db, m, 'after deleteMany');
      await db.close();
    });

    test('with an int8 index, mutations keep the codes in step (exact and approximate search)', async () => {
      const db = await open();
      const model = new Model();
      const rows = Array.from({ length: 200 }, (_, i) => ({ id: `v${i}`, embedding: [Math.sin(i), Math.cos(i * 0.7), (i % 9) / 9, 1], metadata: { g: i % 3 } }));
      await db.insertBatch(rows);
      rows.forEach((r) => model.upsert(r));
      await db.createIndex({ type: 'flat', quantization: 'int8' });
      const up = rows.slice(0, 40).map((r, i) => ({ id: r.id, embedding: [Math.cos(i), 0.5, -Math.sin(i), 1], metadata: { g: (i + 1) % 3 } }));
      await db.upsertBatch(up);
      up.forEach((v) => model.upsert(v));
      await db.update('v50', { embedding: TIE });
      model.update('v50', { embedding: TIE });
      await db.deleteMany({ filter: { g: 2 } });
      model.rows = model.rows.filter((r) => r.metadata?.g !== 2);
      await db.compact();
      await same(db, model, 'int8, exact', { exact: true });
      // Approximate: every score is the exact score of that id.
      const hits = await db.search(TIE, 10, { metric: 'dot' });
      const truth = new Map(bruteForce(model.rows, TIE, Infinity, { metric: 'dot' }).map((h) => [h.id, h.score]));
      for (const h of hits) assert.ok(Math.abs(h.score - truth.get(h.id)) < 1e-5, h.id);
      assert.equal((await db.stats()).index.quantization, 'int8');
      await db.close();
    });

    test('compact returns the space of deleted rows and keeps every row; the file opens on the other backend', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sv-compact-'));
      try {
        const path = backend === 'native' ? join(dir, 'c.db') : ':memory:';
        const db = await open({ path });
        const n = 3000;
        const vector = (i) => Array.from({ length: 64 }, (_, j) => ((i * 31 + j * 7) % 97) / 97 - 0.5);
        for (let at = 0; at < n; at += 1000) {
          await db.insertBatch(Array.from({ length: 1000 }, (_, j) => ({ id: `v${at + j}`, embedding: vector(at + j), metadata: { g: (at + j) % 3 } })));
        }
        const full = (await db.stats()).size;
        const gone = Array.from({ length: n }, (_, i) => i).filter((i) => i % 10 !== 3).map((i) => `v${i}`);
        assert.equal(await db.deleteMany({ ids: gone }), gone.length);
        const c = await db.compact();
        assert.equal(typeof c.before, 'number');
        assert.equal(c.after, (await db.stats()).size);
        // The floor is what a fresh file holding only the kept rows takes (every table takes
        // at least a page: with the browser build's 64 KiB pages that is most of this small file).
        const fresh = await open({ path: backend === 'native' ? join(dir, 'fresh.db') : ':memory:' });
        await fresh.insertBatch(Array.from({ length: n }, (_, i) => i).filter((i) => i % 10 === 3)
          .map((i) => ({ id: `v${i}`, embedding: vector(i), metadata: { g: i % 3 } })));
        const floor = (await fresh.stats()).size;
        const page = (await db.info()).pageSize;
        await fresh.close();
        assert.ok(c.after <= floor + 2 * page, `${c.after} bytes after compact, a fresh file with the kept rows ${floor}`);
        assert.ok(c.after * 2 < full, `${c.after} of ${full} bytes left`);
        if (backend === 'native') assert.equal(statSync(path).size, c.after, 'the file shrank');
        const model = new Model();
        for (let i = 3; i < n; i += 10) model.upsert({ id: `v${i}`, embedding: vector(i), metadata: { g: i % 3 } });
        await db.upsert({ id: 'later', embedding: vector(3) });
        model.upsert({ id: 'later', embedding: vector(3) });
        await same(db, model, 'after compact');
        // The mutated, compacted file opens on the other backend with the same answers.
        const other = await (backend === 'native' ? createWasmVectorDB : createNativeVectorDB)({ data: await db.export() });
        await same(other, model, 'the exported file elsewhere');
        await other.close();
        await db.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test("config.durability: 'strict' and 'relaxed' open, anything else is INVALID_ARGUMENT", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sv-durability-'));
      try {
        for (const durability of ['strict', 'relaxed']) {
          const path = backend === 'native' ? join(dir, `${durability}.db`) : ':memory:';
          const db = await open({ path, durability });
          await db.upsertBatch([{ id: 'a', embedding: [1, 2] }, { id: 'b', embedding: [3, 4] }]);
          if (backend === 'native') assert.equal((await db.info()).journalMode, durability === 'relaxed' ? 'wal' : 'delete');
          await db.close();
          if (backend === 'native') {
            const again = await open({ path });
            assert.equal((await again.stats()).count, 2);
            await again.close();
          }
        }
        if (backend === 'native') {
          // Relaxed: commits reach the log; the dispatcher checkpoints them into the file
          // within about a second of a write (polled here, not timed).
          const path = join(dir, 'flushed.db');
          const db = await open({ path, durability: 'relaxed' });
          await db.initialize();
          const before = statSync(path).size;
          await db.upsertBatch(Array.from({ length: 300 }, (_, i) => ({ id: `v${i}`, embedding: [i, 1, 2, 3] })));
          let grown = false;
          for (let i = 0; i < 100 && !grown; i++) {
            await new Promise((r) => setTimeout(r, 100));
            grown = statSync(path).size > before;
          }
          assert.ok(grown, 'the log was checkpointed into the file');
          await db.close();
        }
        for (const durability of ['fast', 1, null, 'STRICT']) {
          const db = await open({ durability });
          await rejectsWith(db.initialize(), 'INVALID_ARGUMENT', JSON.stringify(durability));
          await db.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('every mutation rejects with CLOSED after close', async () => {
      const db = await open();
      await db.insert({ id: 'a', embedding: [1, 2] });
      await db.close();
      await rejectsWith(db.upsert({ id: 'a', embedding: [1, 2] }), 'CLOSED', 'upsert');
      await rejectsWith(db.upsertBatch([]), 'CLOSED', 'upsertBatch');
      await rejectsWith(db.update('a', { metadata: null }), 'CLOSED', 'update');
      await rejectsWith(db.deleteMany({ ids: ['a'] }), 'CLOSED', 'deleteMany');
      await rejectsWith(db.compact(), 'CLOSED', 'compact');
    });
  });
}
