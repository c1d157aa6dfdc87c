// Seeded fuzz of the public API on both Node backends against a reference model kept here:
// random calls (good arguments and bad ones) to insert, insertBatch, upsert, upsertBatch,
// update, delete, deleteMany, compact, search and get. Each call must resolve to what the
// model says or reject with the VectorDBError code it says; after each call the database
// holds exactly the model's rows (a full search, ties in insertion order, and the count).
//
//   node --test tests/node/fuzz.test.mjs                       (CI size: 2,000 calls a backend)
//   SV_FUZZ_CALLS=20000 SV_FUZZ_SEED=7 node --test tests/node/fuzz.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmVectorDB, createNativeVectorDB, VectorDBError } from '../../dist/node.js';
import { bruteForce, assertSameResults, matchesFilter } from '../fixtures/reference.mjs';
import { mulberry32 } from '../fixtures/rng.mjs';

const BACKENDS = (process.env.SV_BACKENDS ?? 'wasm,native').split(',');
const CALLS = Number(process.env.SV_FUZZ_CALLS ?? 2000);
const SEED = Number(process.env.SV_FUZZ_SEED ?? 20261129);
const D = 4;

/** Why the model refuses a call: an API.md code. */
class Refusal {
  constructor(code) {
    this.code = code;
  }
}
const refuse = (code) => new Refusal(code);

/** The database as API.md describes it: rows in insertion order. */
class Model {
  rows = [];
  find = (id) => this.rows.findIndex((r) => r.id === id);
  row = ({ id, embedding, metadata }) => ({ id, embedding: Float32Array.from(embedding), metadata: metadata ?? undefined });
  upsert(v) {
    const i = this.find(v.id);
    if (i >= 0) this.rows[i] = this.row(v);
    else this.rows.push(this.row(v));
  }
}

/** Generates one random call: `{ name, run(db), expect(model) }`; `expect` applies the call
 * to the model and returns its result or a Refusal. About one call in four is bad. */
function generator(rand, exact) {
  const int = (n) => Math.floor(rand() * n);
  const pick = (xs) => xs[int(xs.length)];
  const id = () => `id${int(40)}`;
  const vector = () => Array.from({ length: D }, () => int(9) / 4 - 1);
  const metadata = () => pick([undefined, { g: int(3) }, { g: int(3), t: pick(['a', 'b']) }, { t: 'a', n: { x: int(2) } }, { z: 1, a: [int(3), null] }]);
  const filter = () => pick([{ g: 1 }, { g: { $in: [0, 2] } }, { t: { $ne: 'a' } }, { 'n.x': 1 }, { g: null }, { g: { $gte: 1 }, t: 'b' }]);
  // A bad vector argument and its code, or null.
  const badVector = () =>
    pick([
      [[1, 2, 3], 'DIMENSION_MISMATCH'],
      [[1, NaN, 0, 0], 'INVALID_VECTOR'],
      [[1, 'x', 0, 0], 'INVALID_VECTOR'],
      [[], 'INVALID_VECTOR'],
      ['abcd', 'INVALID_VECTOR'],
    ]);
  const newVector = (withId) => ({ ...(withId ? { id: id() } : {}), embedding: vector(), metadata: metadata() });

  return function next(model) {
    const bad = rand() < 0.25;
    switch (pick(['insert', 'insertBatch', 'upsert', 'upsertBatch', 'update', 'update', 'delete', 'deleteMany', 'search', 'get', 'compact'])) {
      case 'insert': {
        const v = newVector(rand() < 0.7);
        let code = null;
        if (bad) [v.embedding, code] = pick([badVector(), [v.embedding, 'INVALID_ARGUMENT']]);
        if (code === 'INVALID_ARGUMENT') pick([() => (v.id = ''), () => (v.metadata = pick([5, [1], 'x']))])();
        return {
          name: `insert ${JSON.stringify(v)}`,
          run: (db) => db.insert(v),
          expect: (m) => {
            if (code) return refuse(code);
            if (v.id !== undefined && m.find(v.id) >= 0) return refuse('DUPLICATE_ID');
            return (generated) => m.rows.push(m.row({ ...v, id: v.id ?? generated }));
          },
        };
      }
      case 'insertBatch': {
        const vs = Array.from({ length: 1 + int(5) }, () => newVector(true));
        let code = null;
        if (bad) {
          // One defect only: the ids are new and distinct.
          vs.forEach((v, i) => (v.id = `new${i}`));
          [vs[int(vs.length)].embedding, code] = badVector();
        }
        return {
          name: `insertBatch ${JSON.stringify(vs)}`,
          run: (db) => db.insertBatch(vs),
          expect: (m) => {
            if (code) return refuse(code);
            const ids = vs.map((v) => v.id);
            if (new Set(ids).size < ids.length || ids.some((i) => m.find(i) >= 0)) return refuse('DUPLICATE_ID');
            vs.forEach((v) => m.rows.push(m.row(v)));
            return ids;
          },
        };
      }
      case 'upsert':
      case 'upsertBatch': {
        const one = rand() < 0.5;
        const vs = Array.from({ length: one ? 1 : 1 + int(6) }, () => newVector(true));
        let code = null;
        if (bad) {
          const v = vs[int(vs.length)];
          [v.embedding, code] = pick([badVector(), [v.embedding, 'INVALID_ARGUMENT']]);
          if (code === 'INVALID_ARGUMENT') pick([() => delete v.id, () => (v.id = ''), () => (v.metadata = [2])])();
        }
        return {
          name: `${one ? 'upsert' : 'upsertBatch'} ${JSON.stringify(vs)}`,
          run: (db) => (one ? db.upsert(vs[0]) : db.upsertBatch(vs)),
          expect: (m) => {
            if (code) return refuse(code);
            vs.forEach((v) => m.upsert(v));
            return one ? vs[0].id : vs.map((v) => v.id);
          },
        };
      }
      case 'update': {
        const target = rand() < 0.8 && model.rows.length ? pick(model.rows).id : id();
        const patch = pick([{ embedding: vector() }, { metadata: metadata() ?? null }, { embedding: vector(), metadata: metadata() ?? null }]);
        let code = null;
        if (bad) {
          [patch.embedding, code] = pick([badVector(), [undefined, 'INVALID_ARGUMENT']]);
          if (code === 'INVALID_ARGUMENT') pick([() => delete patch.metadata, () => (patch.extra = 1), () => (patch.metadata = 'x')])();
        }
        return {
          name: `update ${target} ${JSON.stringify(patch)}`,
          run: (db) => db.update(target, patch),
          expect: (m) => {
            if (code) return refuse(code);
            const r = m.rows[m.find(target)];
            if (!r) return false;
            if (patch.embedding !== undefined) r.embedding = Float32Array.from(patch.embedding);
            if (patch.metadata !== undefined) r.metadata = patch.metadata ?? undefined;
            return true;
          },
        };
      }
      case 'delete': {
        const target = bad ? '' : id();
        return {
          name: `delete ${target}`,
          run: (db) => db.delete(target),
          expect: (m) => {
            if (bad) return refuse('INVALID_ARGUMENT');
            const i = m.find(target);
            if (i >= 0) m.rows.splice(i, 1);
            return i >= 0;
          },
        };
      }
      case 'deleteMany': {
        let sel = pick([{ ids: Array.from({ length: int(6) }, id) }, { filter: filter() }, { ids: Array.from({ length: int(12) }, id), filter: filter() }]);
        if (bad) sel = pick([{}, { filter: { g: { $like: 1 } } }, { ids: 'id1' }, { ids: ['id1'], also: 1 }]);
        return {
          name: `deleteMany ${JSON.stringify(sel)}`,
          run: (db) => db.deleteMany(sel),
          expect: (m) => {
            if (bad) return refuse('INVALID_ARGUMENT');
            const n = m.rows.length;
            m.rows = m.rows.filter((r) => !((sel.ids?.includes(r.id) ?? true) && (!sel.filter || matchesFilter(r.metadata, sel.filter))));
            return n - m.rows.length;
          },
        };
      }
      case 'search': {
        const metric = pick(['cosine', 'euclidean', 'dot']);
        let [query, k, options] = [vector(), 1 + int(8), { metric, exact, ...(rand() < 0.5 ? { filter: filter() } : {}) }];
        let code = null;
        if (bad) {
          [query, code] = pick([badVector(), [query, 'INVALID_ARGUMENT']]);
          if (code === 'INVALID_ARGUMENT') pick([() => (k = 0), () => (k = 1.5), () => (options.metric = 'manhattan'), () => (options.filter = { g: { $bad: 1 } })])();
        }
        return {
          name: `search ${JSON.stringify([query, k, options])}`,
          run: (db) => db.search(query, k, options),
          expect: (m) => {
            if (code) return refuse(code);
            const pool = bruteForce(m.rows, query, Infinity, options);
            return (actual) => assertSameResults(actual, pool.slice(0, k), { pool });
          },
        };
      }
      case 'get': {
        const target = bad ? '' : id();
        return {
          name: `get ${target}`,
          run: (db) => db.get(target),
          expect: (m) => {
            if (bad) return refuse('INVALID_ARGUMENT');
            const r = m.rows[m.find(target)];
            return (got) => {
              if (!r) return assert.equal(got, null);
              assert.deepEqual([got.id, Array.from(got.embedding), got.metadata], [r.id, Array.from(r.embedding), r.metadata]);
            };
          },
        };
      }
      default:
        return {
          name: 'compact',
          run: (db) => db.compact(),
          expect: () => (c) => assert.ok(Number.isInteger(c.before) && Number.isInteger(c.after) && c.after > 0),
        };
    }
  };
}

/** Every row of the model, by a full search (ties in insertion order) and the count. */
async function assertState(db, model, exact) {
  assert.equal((await db.stats()).count, model.rows.length, 'count');
  if (!model.rows.length) return;
  const query = model.rows[0].embedding;
  const all = await db.search(query, 1000, { metric: 'euclidean', exact });
  const pool = bruteForce(model.rows, query, Infinity, { metric: 'euclidean' });
  assertSameResults(all, pool, { pool });
  const byId = new Map(model.rows.map((r) => [r.id, r]));
  for (const h of all) {
    assert.deepEqual(Array.from(h.embedding), Array.from(byId.get(h.id).embedding), `${h.id} embedding`);
    assert.deepEqual(h.metadata, byId.get(h.id).metadata, `${h.id} metadata`);
  }
}

// Without an index, and with each kind of index (searched with exact: true; the index must
// stay in step with every write for those answers to hold).
const INDEXES = [
  [null, CALLS],
  [{ type: 'flat', quantization: 'int8' }, Math.ceil(CALLS / 4)],
  [{ type: 'hnsw', m: 4, efConstruction: 16 }, Math.ceil(CALLS / 4)],
];

for (const backend of BACKENDS) {
  for (const [index, calls] of INDEXES) {
    test(`[${backend}] ${calls} seeded random calls equal the model, index ${JSON.stringify(index)} (seed ${SEED})`, async () => {
      const open = backend === 'native' ? createNativeVectorDB : createWasmVectorDB;
      const db = await open({ dimension: D });
      if (index) await db.createIndex(index);
      const exact = index ? true : undefined;
      const model = new Model();
      const next = generator(mulberry32(SEED), exact);
      const counts = {};
      for (let step = 0; step < calls; step++) {
        const call = next(model);
        const where = `seed ${SEED} step ${step}: ${call.name}`;
        const want = call.expect(model);
        const got = await call.run(db).then((value) => ({ value }), (error) => ({ error }));
        const outcome = want instanceof Refusal ? want.code : 'ok';
        counts[outcome] = (counts[outcome] ?? 0) + 1;
        if (want instanceof Refusal) {
          assert.ok(got.error instanceof VectorDBError, `${where}: expected ${want.code}, got ${got.error ?? JSON.stringify(got.value)}`);
          assert.equal(got.error.code, want.code, `${where}: ${got.error.message}`);
        } else {
          assert.ok(!got.error, `${where}: rejected with ${got.error?.code}: ${got.error?.message}`);
          try {
            if (typeof want === 'function') want(got.value);
            else assert.deepEqual(got.value, want);
          } catch (e) {
            e.message = `${where}: ${e.message}`;
            throw e;
          }
        }
        try {
          await assertState(db, model, exact);
        } catch (e) {
          e.message = `${where}: state: ${e.message}`;
          throw e;
        }
      }
      // The mix reached every outcome.
      for (const code of ['ok', 'INVALID_ARGUMENT', 'INVALID_VECTOR', 'DIMENSION_MISMATCH', 'DUPLICATE_ID']) {
        assert.ok(counts[code] > 0, `no call ended in ${code}: ${JSON.stringify(counts)}`);
      }
      await db.close();
    });
  }
}
