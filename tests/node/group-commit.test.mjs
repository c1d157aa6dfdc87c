// Group commit (js/queue.js): concurrent single writes share transactions, and every call
// still resolves or rejects exactly as it would have alone, in the order it was made.
//
//   node --test tests/node/group-commit.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmVectorDB, createNativeVectorDB, VectorDBError } from '../../dist/node.js';

const BACKENDS = (process.env.SV_BACKENDS ?? 'wasm,native').split(',');
const SAME = [0.5, 0.25, -1];

/** Every stored vector equal to SAME, in insertion order (ties). */
async function tiesInOrder(db) {
  const hits = await db.search(SAME, 100000, { metric: 'euclidean', threshold: 0, includeEmbedding: false });
  return hits.map((h) => h.id);
}

for (const backend of BACKENDS) {
  const open = (config) => (backend === 'native' ? createNativeVectorDB(config) : createWasmVectorDB(config));

  describe(`[${backend}] group commit`, () => {
    test('Promise.all of 1,000 inserts: all resolve, all are stored, in the order of the calls', async () => {
      const db = await open();
      const ids = await Promise.all(Array.from({ length: 1000 }, (_, i) => db.insert({ embedding: SAME, metadata: { i } })));
      assert.equal(new Set(ids).size, 1000);
      assert.equal((await db.stats()).count, 1000);
      assert.deepEqual(await tiesInOrder(db), ids, 'insertion order is call order');
      assert.deepEqual([...ids].sort(), ids, 'generated ids are in generation order');
      for (const [i, id] of ids.entries()) {
        if (i % 97 === 0) assert.deepEqual((await db.get(id)).metadata, { i });
      }
      await db.close();
    });

    test('a bad call among concurrent ones rejects alone; the others are written', async () => {
      const db = await open();
      const calls = Array.from({ length: 300 }, (_, i) => {
        if (i === 150) return db.insert({ id: 'x7', embedding: SAME }); // taken by call 7
        if (i === 200) return db.insert({ id: 'bad', embedding: [1, NaN, 0] });
        if (i === 250) return db.insertBatch([{ id: 'y1', embedding: SAME }, { id: 'y1', embedding: SAME }]);
        return db.insert({ id: `x${i}`, embedding: SAME });
      });
      const results = await Promise.allSettled(calls);
      const codes = results.map((r) => (r.status === 'rejected' ? r.reason.code : 'ok'));
      assert.equal(codes[150], 'DUPLICATE_ID');
      assert.equal(codes[200], 'INVALID_VECTOR');
      assert.equal(codes[250], 'DUPLICATE_ID');
      assert.ok(results.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof VectorDBError));
      assert.equal(codes.filter((c) => c === 'ok').length, 297);
      const want = Array.from({ length: 300 }, (_, i) => i).filter((i) => ![150, 200, 250].includes(i)).map((i) => `x${i}`);
      assert.deepEqual(await tiesInOrder(db), want);
      await db.close();
    });

    test('onChange: one event per call of a shared transaction, with its own ids; none for a refused call', async () => {
      const db = await open();
      const seen = [];
      db.onChange((e) => seen.push(e));
      const results = await Promise.allSettled([
        db.insert({ id: 'a', embedding: SAME }),
        db.insertBatch([{ id: 'b', embedding: SAME }, { embedding: SAME }]),
        db.insert({ id: 'a', embedding: SAME }), // DUPLICATE_ID: no event
        db.upsert({ id: 'c', embedding: SAME }),
        db.upsertBatch([{ id: 'a', embedding: SAME }, { id: 'd', embedding: SAME }]),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      await db.stats(); // events are delivered by the time a later call resolves
      const generated = results[1].value[1];
      assert.deepEqual(seen, [
        { op: 'insert', ids: ['a'] },
        { op: 'insert', ids: ['b', generated] },
        { op: 'upsert', ids: ['c'] },
        { op: 'upsert', ids: ['a', 'd'] },
      ]);
      await db.close();
    });

    test('concurrent upserts and other calls keep the order of the calls', async () => {
      const db = await open();
      const v = (x) => [x, 1, 0];
      const results = await Promise.all([
        db.upsert({ id: 'a', embedding: v(1) }),
        db.upsert({ id: 'b', embedding: v(2) }),
        db.upsertBatch([{ id: 'a', embedding: v(3), metadata: { n: 1 } }, { id: 'c', embedding: v(4) }]),
        db.delete('b'),
        db.upsert({ id: 'b', embedding: v(5) }),
        db.insert({ id: 'd', embedding: v(6) }),
        db.upsert({ id: 'a', embedding: v(7), metadata: { n: 2 } }),
        db.update('c', { metadata: { n: 3 } }),
        db.upsert({ id: 'c', embedding: v(8) }),
      ]);
      assert.deepEqual(results, ['a', 'b', ['a', 'c'], true, 'b', 'd', 'a', true, 'c']);
      const rows = {};
      for (const id of ['a', 'b', 'c', 'd']) {
        const r = await db.get(id);
        rows[id] = [r.embedding[0], r.metadata];
      }
      assert.deepEqual(rows, { a: [7, { n: 2 }], b: [5, undefined], c: [8, undefined], d: [6, undefined] });
      // Insertion order: a, c (b was deleted and inserted again after them), then b, d.
      const order = (await db.search([0, 0, 1], 10, { metric: 'dot' })).map((h) => h.id);
      assert.deepEqual(order, ['a', 'c', 'b', 'd'], 'dot scores all 0: ties in insertion order');
      await db.close();
    });
  });
}
