// The public JS contract (shared/API.md) against the Node entry of the built package
// (dist/node.js: the wasm build in process, SQLite's in-memory VFS), checked against the
// independent float64 reference in tests/fixtures/reference.mjs on the shared fixtures.
//
//   node --test tests/node/
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  createVectorDB,
  createWasmVectorDB,
  createNativeVectorDB,
  VectorDBError,
} from '../../dist/node.js';
import { bruteForce, assertSameResults, matchesFilter } from '../fixtures/reference.mjs';
import { mulberry32 } from '../fixtures/rng.mjs';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/fixtures.json', import.meta.url), 'utf8'));
const METRICS = ['cosine', 'dot', 'euclidean'];
const BACKENDS = (process.env.SV_BACKENDS ?? 'wasm,native').split(',');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Asserts that `promiseOrFn` rejects with a VectorDBError of `code`. */
async function rejectsWith(promiseOrFn, code, what = '') {
  let err;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (e) {
    err = e;
  }
  const label = what ? `${what}: ` : '';
  assert.ok(err !== undefined, `${label}expected a rejection with ${code}, but it resolved`);
  assert.ok(err instanceof VectorDBError, `${label}expected a VectorDBError, got ${err?.constructor?.name}: ${err?.message}`);
  assert.ok(err instanceof Error, `${label}a VectorDBError is an Error`);
  assert.equal(err.code, code, `${label}expected code ${code}, got ${err.code} (${err.message})`);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0, `${label}the error has a message`);
  return err;
}

const f32 = (a) => Float32Array.from(a);
const sameF32 = (actual, expected, what) => {
  assert.ok(actual instanceof Float32Array, `${what}: embedding is a Float32Array (got ${actual?.constructor?.name})`);
  assert.deepEqual(Array.from(actual), Array.from(f32(expected)), `${what}: embedding equals the inserted values as f32`);
};


describe('exports and backends', () => {
  test('the Node entry exports the API names', () => {
    assert.equal(typeof createVectorDB, 'function');
    assert.equal(typeof createWasmVectorDB, 'function');
    assert.equal(typeof createNativeVectorDB, 'function');
    assert.equal(typeof VectorDBError, 'function');
    assert.ok(VectorDBError.prototype instanceof Error);
  });

  test("import('sqlite-vector') resolves to the Node entry", async () => {
    const pkg = await import('sqlite-vector');
    assert.equal(pkg.createVectorDB, createVectorDB);
    assert.equal(pkg.createWasmVectorDB, createWasmVectorDB);
    assert.equal(pkg.createNativeVectorDB, createNativeVectorDB);
    assert.equal(pkg.VectorDBError, VectorDBError);
    const db = await pkg.createVectorDB();
    await db.insert({ id: 'x', embedding: [1, 2] });
    assert.equal((await db.stats()).count, 1);
    await db.close();
  });

  test("auto picks the native addon in Node; 'wasm' and forceWasm pick wasm", { skip: !BACKENDS.includes('native') }, async () => {
    for (const [config, expected] of [
      [undefined, 'native'],
      [{}, 'native'],
      [{ backend: 'auto' }, 'native'],
      [{ backend: 'native' }, 'native'],
      [{ backend: 'wasm' }, 'wasm'],
      [{ forceWasm: true }, 'wasm'],
    ]) {
      const db = await createVectorDB(config);
      assert.equal(db.getBackendType(), expected, JSON.stringify(config));
      await db.initialize();
      assert.equal((await db.stats()).backend, expected, JSON.stringify(config));
      await db.close();
    }
    const w = await createWasmVectorDB();
    assert.equal(w.getBackendType(), 'wasm');
    await w.close();
    const n = await createNativeVectorDB();
    assert.equal(n.getBackendType(), 'native');
    assert.equal((await n.info()).kernel.length > 0, true);
    await n.close();
  });

  test('initialize is idempotent and optional', async () => {
    const db = await createVectorDB();
    await db.initialize();
    await db.initialize();
    await Promise.all([db.initialize(), db.initialize()]);
    assert.equal((await db.stats()).count, 0);
    await db.close();
    // every method opens on first use
    const lazy = await createVectorDB();
    assert.equal(await lazy.insert({ id: 'a', embedding: [1, 0] }), 'a');
    await lazy.initialize();
    assert.equal((await lazy.stats()).count, 1);
    await lazy.close();
    const lazy2 = await createVectorDB();
    const s = await lazy2.stats();
    assert.equal(s.count, 0);
    assert.equal(s.dimension, null);
    assert.equal(s.backend, lazy2.getBackendType());
    assert.equal(s.path, ':memory:');
    assert.equal(s.persistent, false);
    await lazy2.close();
  });

  test('cacheSize, walMode and mmapSize are accepted', async () => {
    const db = await createVectorDB({ cacheSize: 2000, walMode: true, mmapSize: 1 << 20 });
    await db.insert({ id: 'a', embedding: [1, 2] });
    assert.equal((await db.search([1, 2], 1))[0].id, 'a');
    await db.close();
  });

  test('separate in-memory databases do not share data', async () => {
    const a = await createVectorDB();
    const b = await createVectorDB();
    await a.insert({ id: 'only-a', embedding: [1, 2, 3] });
    assert.equal((await b.stats()).count, 0);
    assert.equal(await b.get('only-a'), null);
    await b.insert({ id: 'only-a', embedding: [1, 2] }); // its own dimension, its own ids
    assert.equal((await a.stats()).dimension, 3);
    assert.equal((await b.stats()).dimension, 2);
    await a.close();
    await b.close();
  });
});
// Every behaviour below runs on each backend of the Node entry: the wasm build in process and
// the native addon. SV_BACKENDS=wasm limits it (Deno and Bun run the wasm build only).
for (const backend of BACKENDS) {
  const open = (config) => (backend === 'native' ? createNativeVectorDB(config) : createWasmVectorDB(config));
  const fixtureDb = async (config = {}) => {
    const db = await open(config);
    const ids = await db.insertBatch(fixtures.vectors);
    assert.deepEqual(ids, fixtures.vectors.map((v) => v.id));
    return db;
  };

describe(`[${backend}] backend`, () => {
  describe('search equals brute force on the fixtures', () => {
    let db;
    before(async () => {
      db = await fixtureDb();
    });
    after(() => db?.close());

    test('stats after loading the fixtures', async () => {
      const s = await db.stats();
      assert.equal(s.count, fixtures.vectors.length);
      assert.equal(s.dimension, fixtures.dimension);
      assert.equal(typeof s.size, 'number');
      assert.ok(s.size > 0, `size ${s.size}`);
      assert.equal(s.backend, backend);
      assert.equal(s.path, ':memory:');
      assert.equal(s.persistent, false);
    });

    for (const metric of METRICS) {
      test(`every query x filter x k, metric ${metric}`, async () => {
        for (const [qi, query] of fixtures.queries.entries()) {
          for (const filter of fixtures.filters) {
            const pool = bruteForce(fixtures.vectors, query, Infinity, { metric, filter });
            for (const k of fixtures.k) {
              const expected = bruteForce(fixtures.vectors, query, k, { metric, filter });
              const actual = await db.search(query, k, { metric, filter, includeEmbedding: false });
              assertSameResults(actual, expected, { pool, message: `q${qi} ${metric} k=${k} filter=${JSON.stringify(filter)}` });
            }
          }
        }
      });

      test(`every query x filter with threshold ${fixtures.thresholds[metric]}, metric ${metric}`, async () => {
        const threshold = fixtures.thresholds[metric];
        let nonTrivial = 0;
        for (const [qi, query] of fixtures.queries.entries()) {
          for (const filter of fixtures.filters) {
            for (const k of fixtures.k) {
              const pool = bruteForce(fixtures.vectors, query, Infinity, { metric, threshold, filter });
              const expected = bruteForce(fixtures.vectors, query, k, { metric, threshold, filter });
              if (expected.length < k) nonTrivial++;
              const actual = await db.search(query, k, { metric, threshold, filter, includeEmbedding: false });
              assertSameResults(actual, expected, { pool, message: `q${qi} ${metric} k=${k} threshold=${threshold} filter=${JSON.stringify(filter)}` });
            }
          }
        }
        assert.ok(nonTrivial > 0, 'the threshold cuts some result lists');
      });
    }

    test('query as Float32Array gives the same results', async () => {
      for (const metric of METRICS) {
        const q = fixtures.queries[3];
        const a = await db.search(q, 10, { metric, includeEmbedding: false });
        const b = await db.search(f32(q), 10, { metric, includeEmbedding: false });
        assert.deepEqual(b.map((r) => r.id), a.map((r) => r.id));
        assert.deepEqual(b.map((r) => r.score), a.map((r) => r.score));
      }
    });

    test('defaults: k = 5, metric cosine, includeEmbedding true, metadata returned', async () => {
      const q = fixtures.queries[0];
      const res = await db.search(q);
      assertSameResults(res, bruteForce(fixtures.vectors, q, 5), { pool: bruteForce(fixtures.vectors, q, Infinity) });
      const res2 = await db.search(q, undefined, {});
      assert.deepEqual(res2.map((r) => r.id), res.map((r) => r.id));
      const byId = new Map(fixtures.vectors.map((v) => [v.id, v]));
      for (const r of res) {
        sameF32(r.embedding, byId.get(r.id).embedding, r.id);
        assert.deepEqual(r.metadata, byId.get(r.id).metadata, `${r.id}: metadata`);
      }
      const explicit = await db.search(q, 5, { includeEmbedding: true });
      for (const r of explicit) sameF32(r.embedding, byId.get(r.id).embedding, r.id);
    });

    test('includeEmbedding false omits the embedding, keeps id, score and metadata', async () => {
      const res = await db.search(fixtures.queries[1], 5, { includeEmbedding: false });
      assert.equal(res.length, 5);
      const byId = new Map(fixtures.vectors.map((v) => [v.id, v]));
      for (const r of res) {
        assert.equal(r.embedding, undefined, `${r.id}: no embedding`);
        assert.equal(typeof r.score, 'number');
        assert.deepEqual(r.metadata, byId.get(r.id).metadata);
      }
    });

    test('k larger than the count returns every vector; the filter bounds it too', async () => {
      const q = fixtures.queries[2];
      const res = await db.search(q, 1000, { includeEmbedding: false });
      assert.equal(res.length, fixtures.vectors.length);
      assertSameResults(res, bruteForce(fixtures.vectors, q, 1000));
      const filter = { group: 'a' };
      const fres = await db.search(q, 1000, { filter, includeEmbedding: false });
      assert.equal(fres.length, fixtures.vectors.filter((v) => matchesFilter(v.metadata, filter)).length);
    });

    test('exact ties come back in insertion order', async () => {
      // fixtures: v049 is a copy of v048, v099 of v098, ...; the last query equals v048.
      const q = fixtures.queries[fixtures.queries.length - 1];
      const top1 = await db.search(q, 1, { includeEmbedding: false });
      assert.deepEqual(top1.map((r) => r.id), ['v048']);
      const top2 = await db.search(q, 2, { includeEmbedding: false });
      assert.deepEqual(top2.map((r) => r.id), ['v048', 'v049']);
      assert.equal(top2[0].score, top2[1].score, 'bitwise equal embeddings give equal scores');
      const l2 = await db.search(q, 2, { metric: 'euclidean', includeEmbedding: false });
      assert.deepEqual(l2.map((r) => [r.id, r.score]), [['v048', 0], ['v049', 0]]);
      // a zero query: every cosine score is exactly 0, so the order is the insertion order
      const zero = await db.search(new Array(fixtures.dimension).fill(0), 200, { includeEmbedding: false });
      assert.deepEqual(zero.map((r) => r.id), fixtures.vectors.map((v) => v.id));
      assert.ok(zero.every((r) => r.score === 0), 'cosine with a zero query is 0');
    });

    test('the zero vector scores 0 under cosine', async () => {
      const v010 = fixtures.vectors[10];
      assert.ok(v010.embedding.every((x) => x === 0));
      const res = await db.search(fixtures.queries[0], 200, { includeEmbedding: false });
      assert.equal(res.find((r) => r.id === v010.id).score, 0);
    });

    test('a threshold nothing reaches gives []', async () => {
      assert.deepEqual(await db.search(fixtures.queries[0], 10, { threshold: 1.5 }), []);
      assert.deepEqual(await db.search(fixtures.queries[0], 10, { metric: 'euclidean', threshold: -1 }), []);
      assert.deepEqual(await db.search(fixtures.queries[0], 10, { filter: { group: 'nope' } }), []);
    });
  });

  describe('search equals brute force for many dimensions (kernel tails, heap)', () => {
    for (const dim of [1, 2, 3, 5, 7, 9, 15, 16, 17, 31, 33, 100, 257, 1536]) {
      test(`dimension ${dim}`, async () => {
        const rand = mulberry32(dim * 7919);
        const n = dim >= 1000 ? 150 : 300;
        const vectors = Array.from({ length: n }, (_, i) => ({
          id: `d${i}`,
          embedding: Array.from({ length: dim }, () => rand() * 2 - 1),
          metadata: { even: i % 2 === 0 },
        }));
        // a few exact copies and a scaled copy (same cosine, different dot/euclidean)
        vectors[n - 1].embedding = [...vectors[3].embedding];
        vectors[n - 2].embedding = vectors[4].embedding.map((x) => x * 2);
        const db = await open();
        await db.insertBatch(vectors);
        assert.equal((await db.stats()).dimension, dim);
        const queries = [
          ...Array.from({ length: 4 }, () => Array.from({ length: dim }, () => rand() * 2 - 1)),
          [...vectors[3].embedding],
        ];
        for (const [qi, q] of queries.entries()) {
          for (const metric of METRICS) {
            for (const filter of [undefined, { even: true }]) {
              const pool = bruteForce(vectors, q, Infinity, { metric, filter });
              for (const k of [1, 10, n]) {
                const actual = await db.search(q, k, { metric, filter, includeEmbedding: false });
                assertSameResults(actual, bruteForce(vectors, q, k, { metric, filter }), {
                  pool,
                  message: `dim ${dim} q${qi} ${metric} k=${k} filter=${JSON.stringify(filter)}`,
                });
              }
            }
          }
        }
        await db.close();
      });
    }
  });

  describe('ties and thresholds, exactly', () => {
    test('thresholds are inclusive', async () => {
      const db = await open();
      await db.insertBatch([
        { id: 'x', embedding: [1, 0] },
        { id: 'y', embedding: [0, 1] },
        { id: 'z', embedding: [3, 4] },
      ]);
      assert.deepEqual((await db.search([1, 0], 10, { threshold: 1 })).map((r) => r.id), ['x'], 'cosine >= 1');
      assert.deepEqual((await db.search([1, 0], 10, { threshold: 0 })).map((r) => r.id), ['x', 'z', 'y'], 'cosine >= 0');
      assert.deepEqual((await db.search([1, 2], 10, { metric: 'dot', threshold: 11 })).map((r) => r.id), ['z'], 'dot >= 11');
      assert.deepEqual((await db.search([1, 2], 10, { metric: 'dot', threshold: 1 })).map((r) => r.id), ['z', 'y', 'x'], 'dot >= 1');
      assert.deepEqual((await db.search([0, 0], 10, { metric: 'euclidean', threshold: 5 })).map((r) => r.id), ['x', 'y', 'z'], 'euclidean <= 5');
      assert.deepEqual((await db.search([0, 0], 10, { metric: 'euclidean', threshold: 1 })).map((r) => r.id), ['x', 'y'], 'euclidean <= 1');
      assert.deepEqual((await db.search([0, 0], 10, { metric: 'euclidean', threshold: 0 })).map((r) => r.id), [], 'euclidean <= 0');
      const scores = await db.search([0, 0], 10, { metric: 'euclidean' });
      assert.deepEqual(scores.map((r) => [r.id, r.score]), [['x', 1], ['y', 1], ['z', 5]], 'L2 distance, not squared');
      await db.close();
    });

    test('insertion order decides ties, also after deletes and re-inserts', async () => {
      const db = await open();
      const same = [0.25, -0.5, 0.75];
      await db.insertBatch(['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, embedding: same })));
      await db.insert({ id: 'f', embedding: same });
      const order = async (metric) => (await db.search(same, 10, { metric, includeEmbedding: false })).map((r) => r.id);
      for (const metric of METRICS) assert.deepEqual(await order(metric), ['a', 'b', 'c', 'd', 'e', 'f'], metric);
      assert.equal(await db.delete('b'), true);
      for (const metric of METRICS) assert.deepEqual(await order(metric), ['a', 'c', 'd', 'e', 'f'], `${metric} after deleting b`);
      await db.insert({ id: 'b', embedding: same });
      for (const metric of METRICS) assert.deepEqual(await order(metric), ['a', 'c', 'd', 'e', 'f', 'b'], `${metric} after re-inserting b`);
      assert.equal(await db.delete('a'), true);
      assert.equal(await db.delete('f'), true);
      for (const metric of METRICS) assert.deepEqual(await order(metric), ['c', 'd', 'e', 'b'], `${metric} after deleting a and f`);
      for (const metric of METRICS) {
        assert.deepEqual((await db.search(same, 2, { metric, includeEmbedding: false })).map((r) => r.id), ['c', 'd'], `${metric} k=2`);
      }
      await db.close();
    });
  });

  describe('searchBatch', () => {
    let db;
    before(async () => {
      db = await fixtureDb();
    });
    after(() => db?.close());

    /** What a loop of search gives, for comparison (the loop is checked against brute force). */
    const loop = async (queries, k, options) => {
      const out = [];
      for (const q of queries) out.push(await db.search(q, k, options));
      return out;
    };

    test('equals a loop of search (and brute force) for every metric x filter x k, with and without threshold', async () => {
      // arrays and Float32Arrays mixed, one of them a view at an offset into a larger buffer
      const queries = fixtures.queries.map((q, i) => (i % 3 === 1 ? f32(q) : i % 3 === 2 ? new Float32Array([9, ...q, 9]).subarray(1, 1 + q.length) : q));
      let checked = 0;
      for (const metric of METRICS) {
        for (const filter of fixtures.filters) {
          for (const k of fixtures.k) {
            for (const threshold of [undefined, fixtures.thresholds[metric]]) {
              const options = { metric, filter, includeEmbedding: false };
              if (threshold !== undefined) options.threshold = threshold;
              const batch = await db.searchBatch(queries, k, options);
              assert.ok(Array.isArray(batch), 'an array of result lists');
              assert.equal(batch.length, queries.length, 'one answer per query');
              assert.deepEqual(batch, await loop(queries, k, options), `${metric} k=${k} threshold=${threshold} filter=${JSON.stringify(filter)}`);
              for (const [qi, q] of fixtures.queries.entries()) {
                const ref = { metric, filter, threshold };
                assertSameResults(batch[qi], bruteForce(fixtures.vectors, q, k, ref), {
                  pool: bruteForce(fixtures.vectors, q, Infinity, ref),
                  message: `batch q${qi} ${metric} k=${k} threshold=${threshold} filter=${JSON.stringify(filter)}`,
                });
                checked++;
              }
            }
          }
        }
      }
      assert.equal(checked, METRICS.length * fixtures.filters.length * fixtures.k.length * 2 * fixtures.queries.length);
    });

    test('defaults (k = 5, cosine, embeddings and metadata) are those of search', async () => {
      const queries = fixtures.queries.slice(0, 4);
      const batch = await db.searchBatch(queries);
      assert.deepEqual(batch, await loop(queries, 5, {}));
      const byId = new Map(fixtures.vectors.map((v) => [v.id, v]));
      for (const [qi, res] of batch.entries()) {
        assert.equal(res.length, 5, `q${qi}`);
        for (const r of res) {
          sameF32(r.embedding, byId.get(r.id).embedding, `q${qi} ${r.id}`);
          assert.deepEqual(r.metadata, byId.get(r.id).metadata, `q${qi} ${r.id}: metadata`);
          assert.deepEqual(Object.keys(r.metadata ?? {}), Object.keys(byId.get(r.id).metadata ?? {}), 'key order');
        }
      }
      assert.deepEqual(await db.searchBatch(queries, undefined, undefined), batch);
    });

    test('an empty list gives [], one query gives one list, repeated queries give equal lists', async () => {
      assert.deepEqual(await db.searchBatch([]), []);
      assert.deepEqual(await db.searchBatch([], 3, { metric: 'dot' }), []);
      const q = fixtures.queries[2];
      assert.deepEqual(await db.searchBatch([q], 7, { metric: 'euclidean' }), [await db.search(q, 7, { metric: 'euclidean' })]);
      const twice = await db.searchBatch([q, q, q], 4);
      assert.deepEqual(twice[0], twice[1]);
      assert.deepEqual(twice[1], twice[2]);
      // the embeddings of separate answers are separate arrays
      twice[0][0].embedding[0] = 12345;
      assert.notEqual(twice[1][0].embedding[0], 12345);
    });

    test("many queries in one call; the caller's Float32Arrays stay intact", async () => {
      const rand = mulberry32(4242);
      const queries = Array.from({ length: 300 }, () => Float32Array.from({ length: fixtures.dimension }, () => rand() * 2 - 1));
      const copies = queries.map((q) => Array.from(q));
      const batch = await db.searchBatch(queries, 3, { metric: 'dot', filter: { group: { $in: ['a', 'c'] } }, includeEmbedding: false });
      assert.equal(batch.length, 300);
      assert.deepEqual(queries.map((q) => Array.from(q)), copies, 'queries not detached or changed');
      assert.deepEqual(batch, await loop(queries, 3, { metric: 'dot', filter: { group: { $in: ['a', 'c'] } }, includeEmbedding: false }));
    });

    test('a bad query anywhere rejects the whole call with the code search gives; nothing changes', async () => {
      const before = await db.stats();
      const good = fixtures.queries[0];
      const reference = await db.searchBatch([good, fixtures.queries[1]], 5);
      const cases = [
        ['NaN', [1, NaN, 3, 4, 5, 6, 7, 8]],
        ['Infinity', [1, Infinity, 3, 4, 5, 6, 7, 8]],
        ['[]', []],
        ['strings', ['1', '2', '3', '4', '5', '6', '7', '8']],
        ['null inside', [null, 1, 2, 3, 4, 5, 6, 7]],
        ['a string', 'abc'],
        ['a number', 5],
        ['null', null],
        ['undefined', undefined],
        ['an array-like object', { 0: 1, length: 1 }],
        ['Float32Array with NaN', f32([1, NaN, 3, 4, 5, 6, 7, 8])],
        ['too short', [1, 2, 3]],
        ['too long', new Array(fixtures.dimension + 1).fill(0.5)],
      ];
      for (const [name, bad] of cases) {
        const code = await db.search(bad).then(() => null, (e) => e.code);
        assert.ok(code, `search(${name}) rejects`);
        for (const at of [0, 1, 2]) {
          const queries = [good, good];
          queries.splice(at, 0, bad);
          await rejectsWith(db.searchBatch(queries), code, `${name} at ${at}`);
          await rejectsWith(db.searchBatch(queries, 2, { metric: 'euclidean', filter: { group: 'a' } }), code, `${name} at ${at}, with options`);
        }
      }
      for (const [name, k] of [['0', 0], ['-1', -1], ['1.5', 1.5], ['NaN', NaN], ["'5'", '5']]) {
        await rejectsWith(db.searchBatch([good, good], k), 'INVALID_ARGUMENT', `k = ${name}`);
      }
      await rejectsWith(db.searchBatch([good], 1, { metric: 'manhattan' }), 'INVALID_ARGUMENT', 'unknown metric');
      await rejectsWith(db.searchBatch([good], 1, { filter: { a: { $regex: 'x' } } }), 'INVALID_ARGUMENT', 'unknown filter operator');
      await rejectsWith(db.searchBatch([good], 1, null), 'INVALID_ARGUMENT', 'null options');
      for (const queries of [null, good.join(','), new Float32Array(good), { 0: good, length: 1 }]) {
        await rejectsWith(db.searchBatch(queries), 'INVALID_ARGUMENT', `queries ${Object.prototype.toString.call(queries)}`);
      }
      const after = await db.stats();
      assert.equal(after.count, before.count);
      assert.equal(after.dimension, before.dimension);
      assert.deepEqual(await db.searchBatch([good, fixtures.queries[1]], 5), reference, 'later calls answer as before');
    });

    test('on a fresh database: no dimension yet, [] for any query; the first insert fixes it', async () => {
      const fresh = await open();
      assert.deepEqual(await fresh.searchBatch([[1, 2, 3], [4, 5, 6]], 3), [[], []]);
      assert.equal((await fresh.stats()).dimension, null, 'a search does not fix the dimension');
      await fresh.insertBatch([{ id: 'a', embedding: [1, 0] }, { id: 'b', embedding: [0, 1] }]);
      const r = await fresh.searchBatch([[1, 0.1], [0.1, 1]], 1, { includeEmbedding: false });
      assert.deepEqual(r.map((x) => x.map((h) => h.id)), [['a'], ['b']]);
      await rejectsWith(fresh.searchBatch([[1, 0], [1, 0, 0]]), 'DIMENSION_MISMATCH', 'second query of the wrong length');
      await fresh.close();
      await rejectsWith(fresh.searchBatch([[1, 0]]), 'CLOSED', 'after close');
      await rejectsWith(fresh.searchBatch([]), 'CLOSED', 'empty batch after close');
    });
  });

  describe('ids', () => {
    test('any non-empty string is an id', async () => {
      const db = await open();
      const ids = ['ünïcødé 🙂', ' spaced ', 'x'.repeat(2000), "quote'\"", 'new\nline', '%_*', '0', 'null'];
      for (const [i, id] of ids.entries()) assert.equal(await db.insert({ id, embedding: [i + 1, 1] }), id);
      for (const [i, id] of ids.entries()) {
        const g = await db.get(id);
        assert.equal(g?.id, id);
        sameF32(g.embedding, [i + 1, 1], JSON.stringify(id));
      }
      const res = await db.search([1, 1], 100, { metric: 'euclidean', includeEmbedding: false });
      assert.deepEqual(res.map((r) => r.id), ids);
      assert.equal(await db.get('x'.repeat(1999)), null);
      for (const id of ids) assert.equal(await db.delete(id), true);
      assert.equal((await db.stats()).count, 0);
      await db.close();
    });
  });

  describe('config.metric sets the default metric', () => {
    for (const metric of METRICS) {
      test(`metric ${metric}`, async () => {
        const db = await fixtureDb({ metric });
        const q = fixtures.queries[4];
        const res = await db.search(q, 10, { includeEmbedding: false });
        assertSameResults(res, bruteForce(fixtures.vectors, q, 10, { metric }), {
          pool: bruteForce(fixtures.vectors, q, Infinity, { metric }),
        });
        // an explicit metric still wins
        const other = METRICS.find((m) => m !== metric);
        const res2 = await db.search(q, 10, { metric: other, includeEmbedding: false });
        assertSameResults(res2, bruteForce(fixtures.vectors, q, 10, { metric: other }), {
          pool: bruteForce(fixtures.vectors, q, Infinity, { metric: other }),
        });
        await db.close();
      });
    }
  });

  describe('filters beyond the fixtures', () => {
    const vectors = [
      { id: 'm0', embedding: [1, 0, 0], metadata: { s: 'red', n: 5, f: 1.5, b: true, z: null, arr: [1, 'x'], obj: { a: 1, b: { c: 'deep' } } } },
      { id: 'm1', embedding: [0, 1, 0], metadata: { s: 'blue', n: '5', b: false, arr: ['x', 1], obj: { b: { c: 'deep' }, a: 1 } } },
      { id: 'm2', embedding: [0, 0, 1], metadata: { s: 'Red', n: 7, f: -2, b: 1, obj: { a: 2 } } },
      { id: 'm3', embedding: [1, 1, 0], metadata: { s: 'green', n: 10.5, arr: [] } },
      { id: 'm4', embedding: [1, 0, 1] },
      { id: 'm5', embedding: [0, 1, 1], metadata: {} },
      { id: 'm6', embedding: [1, 1, 1], metadata: { s: 'zebra', n: -3, obj: 'not an object', 'key with space': 'ok', uni: 'ünïcødé 🙂' } },
    ];
    const filters = [
      { s: 'red' },
      { n: 5 },
      { n: '5' },
      { b: true },
      { b: 1 },
      { z: null },
      { missing: null },
      { arr: [1, 'x'] },
      { arr: [] },
      { obj: { b: { c: 'deep' }, a: 1 } },
      { 'obj.a': 1 },
      { 'obj.b.c': 'deep' },
      { 'obj.b': { c: 'deep' } },
      { 'obj.a': { $gte: 1 } },
      { s: { $eq: 'blue' } },
      { s: { $ne: 'red' } },
      { n: { $ne: 5 } },
      { z: { $ne: null } },
      { s: { $in: ['red', 'zebra', 7] } },
      { n: { $in: [5, 7] } },
      { s: { $nin: ['red', 'blue'] } },
      { s: { $in: [] } },
      { s: { $nin: [] } },
      { n: { $gt: 5 } },
      { n: { $gte: 5 } },
      { n: { $lt: 7 } },
      { n: { $lte: 7, $gt: -10 } },
      { f: { $gt: -3, $lt: 1.5 } },
      { s: { $gt: 'green' } },
      { s: { $lte: 'blue' } },
      { s: { $gte: 'R', $lt: 'S' } },
      { b: { $gt: 0 } },
      { s: 'red', n: 5 },
      { s: 'red', n: 6 },
      { 'key with space': 'ok' },
      { uni: 'ünïcødé 🙂' },
      { n: { $gte: 5 }, s: { $ne: 'red' } },
    ];
    let db;
    before(async () => {
      db = await open();
      await db.insertBatch(vectors);
    });
    after(() => db?.close());

    for (const filter of filters) {
      test(`filter ${JSON.stringify(filter)}`, async () => {
        const q = [0.3, 0.2, 0.1];
        for (const metric of METRICS) {
          const expected = bruteForce(vectors, q, 100, { metric, filter });
          const actual = await db.search(q, 100, { metric, filter, includeEmbedding: false });
          assertSameResults(actual, expected, { message: `${metric} ${JSON.stringify(filter)}` });
        }
      });
    }
  });

  describe('insert, ids and get', () => {
    test('insert returns the given id; get returns id, Float32Array, metadata and timestamp', async () => {
      const db = await open();
      const before = Date.now();
      const metadata = { title: 'ünïcødé 🙂', n: 1.25, tags: ['a', 'b'], nested: { deep: { x: null, t: true } } };
      assert.equal(await db.insert({ id: 'doc-1', embedding: [0.1, 0.2, 0.3], metadata }), 'doc-1');
      const after_ = Date.now();
      const got = await db.get('doc-1');
      assert.equal(got.id, 'doc-1');
      sameF32(got.embedding, [0.1, 0.2, 0.3], 'get');
      assert.deepEqual(got.metadata, metadata);
      assert.equal(typeof got.timestamp, 'number');
      assert.ok(Number.isFinite(got.timestamp));
      assert.ok(got.timestamp >= before - 2000 && got.timestamp <= after_ + 2000, `timestamp ${got.timestamp} is a ms time near ${before}`);
      assert.equal(await db.get('nope'), null);
      // Float32Array input
      const mine = f32([1, 2, 3]);
      assert.equal(await db.insert({ id: 'doc-2', embedding: mine }), 'doc-2');
      assert.deepEqual(Array.from(mine), [1, 2, 3], "the caller's Float32Array is left intact");
      const myQuery = f32([1, 2, 3]);
      assert.equal((await db.search(myQuery, 1, { metric: 'euclidean' }))[0].id, 'doc-2');
      assert.deepEqual(Array.from(myQuery), [1, 2, 3], "the caller's query is left intact");
      const got2 = await db.get('doc-2');
      sameF32(got2.embedding, [1, 2, 3], 'Float32Array input');
      assert.ok(got2.metadata === undefined || got2.metadata === null, `no metadata given -> none returned (${JSON.stringify(got2.metadata)})`);
      // the returned embedding is a copy: changing it does not change the database
      got2.embedding[0] = 99;
      sameF32((await db.get('doc-2')).embedding, [1, 2, 3], 'after mutating a returned embedding');
      // f64 values that are not f32 come back rounded to f32
      await db.insert({ id: 'doc-3', embedding: [Math.PI, Math.E, 1 / 3] });
      sameF32((await db.get('doc-3')).embedding, [Math.PI, Math.E, 1 / 3], 'f32 rounding');
      await db.close();
    });

    test('ids are generated when absent: UUID-like and unique', async () => {
      const db = await open();
      const single = [];
      for (let i = 0; i < 30; i++) single.push(await db.insert({ embedding: [i, 1] }));
      const batch = await db.insertBatch(Array.from({ length: 30 }, (_, i) => ({ embedding: [1, i] })));
      const mixed = await db.insertBatch([{ embedding: [1, 1] }, { id: 'given', embedding: [2, 2] }, { embedding: [3, 3] }]);
      assert.equal(mixed[1], 'given');
      const all = [...single, ...batch, mixed[0], mixed[2]];
      for (const id of all) assert.match(id, UUID);
      assert.equal(new Set(all).size, all.length, 'unique');
      assert.equal((await db.stats()).count, 63);
      for (const [i, id] of single.entries()) sameF32((await db.get(id)).embedding, [i, 1], id);
      for (const [i, id] of batch.entries()) sameF32((await db.get(id)).embedding, [1, i], id);
      // undefined id is the same as absent
      assert.match(await db.insert({ id: undefined, embedding: [5, 5] }), UUID);
      // RFC 9562 version 7, in generation order (time-ordered keys keep inserts fast).
      for (const id of all) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const generated = [...single, ...batch, mixed[0], mixed[2]];
      assert.deepEqual([...generated].sort(), generated, 'ids sort in generation order');
      await db.close();
    });

    test('metadata round-trips exactly: key order, every digit, integers beyond 2^53', async () => {
      const db = await open();
      const metadata = { z: 1, a: { y: 0.1 + 0.2, b: [1e-320, 2 ** 60 + 2 ** 8, -(2 ** 53) - 2] }, m: null, big: 12345678901234567890, e: 5e-324 };
      await db.insert({ id: 'm', embedding: [1, 0], metadata });
      const expected = JSON.parse(JSON.stringify(metadata));
      const got = (await db.get('m')).metadata;
      assert.deepStrictEqual(got, expected);
      assert.deepEqual(Object.keys(got), ['z', 'a', 'm', 'big', 'e']);
      assert.deepEqual(Object.keys(got.a), ['y', 'b']);
      const [hit] = await db.search([1, 0], 1);
      assert.deepStrictEqual(hit.metadata, expected);
      assert.deepEqual(Object.keys(hit.metadata), ['z', 'a', 'm', 'big', 'e']);
      await db.close();
    });

    test('inserting an existing id is DUPLICATE_ID and changes nothing', async () => {
      const db = await open();
      await db.insert({ id: 'a', embedding: [1, 2], metadata: { v: 1 } });
      await rejectsWith(db.insert({ id: 'a', embedding: [3, 4], metadata: { v: 2 } }), 'DUPLICATE_ID', 'insert');
      const got = await db.get('a');
      sameF32(got.embedding, [1, 2], 'unchanged');
      assert.deepEqual(got.metadata, { v: 1 });
      assert.equal((await db.stats()).count, 1);
      await db.close();
    });

    test('concurrent inserts all land', async () => {
      const db = await open();
      const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => db.insert({ id: `c${i}`, embedding: [i, -i, 1] })));
      assert.deepEqual(ids, Array.from({ length: 50 }, (_, i) => `c${i}`));
      assert.equal((await db.stats()).count, 50);
      const res = await db.search([49, -49, 1], 1, { metric: 'euclidean' });
      assert.equal(res[0].id, 'c49');
      await db.close();
    });
  });

  describe('insertBatch is all or nothing', () => {
    let db;
    const base = [
      { id: 'b0', embedding: [1, 0, 0] },
      { id: 'b1', embedding: [0, 1, 0] },
    ];
    before(async () => {
      db = await open();
      assert.deepEqual(await db.insertBatch(base), ['b0', 'b1']);
    });
    after(() => db?.close());

    const cases = [
      ['a duplicate id inside the batch', [{ id: 'n0', embedding: [1, 1, 1] }, { id: 'n1', embedding: [1, 2, 1] }, { id: 'n0', embedding: [1, 1, 2] }], 'DUPLICATE_ID'],
      ['an id that is already in the table', [{ id: 'n0', embedding: [1, 1, 1] }, { id: 'b1', embedding: [1, 2, 1] }, { id: 'n2', embedding: [1, 1, 2] }], 'DUPLICATE_ID'],
      ['a NaN vector in the middle', [{ id: 'n0', embedding: [1, 1, 1] }, { id: 'n1', embedding: [1, NaN, 1] }, { id: 'n2', embedding: [1, 1, 2] }], 'INVALID_VECTOR'],
      ['an Infinity vector in the middle', [{ id: 'n0', embedding: [1, 1, 1] }, { id: 'n1', embedding: [1, Infinity, 1] }, { id: 'n2', embedding: [1, 1, 2] }], 'INVALID_VECTOR'],
      ['an empty vector in the middle', [{ id: 'n0', embedding: [1, 1, 1] }, { id: 'n1', embedding: [] }, { id: 'n2', embedding: [1, 1, 2] }], 'INVALID_VECTOR'],
      ['a wrong length in the middle', [{ id: 'n0', embedding: [1, 1, 1] }, { id: 'n1', embedding: [1, 1] }, { id: 'n2', embedding: [1, 1, 2] }], 'DIMENSION_MISMATCH'],
      ['a bad id in the middle', [{ id: 'n0', embedding: [1, 1, 1] }, { id: '', embedding: [1, 2, 1] }, { id: 'n2', embedding: [1, 1, 2] }], 'INVALID_ARGUMENT'],
      ['bad metadata in the middle', [{ id: 'n0', embedding: [1, 1, 1] }, { id: 'n1', embedding: [1, 2, 1], metadata: 5 }, { id: 'n2', embedding: [1, 1, 2] }], 'INVALID_ARGUMENT'],
      ['a duplicate at the end of a long batch', [...Array.from({ length: 100 }, (_, i) => ({ id: `long${i}`, embedding: [i, 1, 1] })), { id: 'b0', embedding: [0, 0, 1] }], 'DUPLICATE_ID'],
    ];
    for (const [name, batch, code] of cases) {
      test(`${name} -> ${code}, nothing written`, async () => {
        await rejectsWith(db.insertBatch(batch), code, name);
        const s = await db.stats();
        assert.equal(s.count, 2, 'count unchanged');
        assert.equal(s.dimension, 3);
        for (const v of batch) {
          if (typeof v.id === 'string' && v.id !== '' && !v.id.startsWith('b')) assert.equal(await db.get(v.id), null, `${v.id} not written`);
        }
        const res = await db.search([1, 1, 1], 100, { includeEmbedding: false });
        assert.deepEqual(res.map((r) => r.id).sort(), ['b0', 'b1'], 'search sees only the old rows');
        sameF32((await db.get('b1')).embedding, [0, 1, 0], 'b1 unchanged');
      });
    }

    test('after failed batches a good batch still works', async () => {
      const ids = await db.insertBatch([{ id: 'n0', embedding: [1, 1, 1] }, { id: 'n1', embedding: [1, 2, 1] }]);
      assert.deepEqual(ids, ['n0', 'n1']);
      assert.equal((await db.stats()).count, 4);
    });

    test('an empty batch inserts nothing', async () => {
      assert.deepEqual(await db.insertBatch([]), []);
      assert.equal((await db.stats()).count, 4);
    });

    test('a failed first batch does not fix the dimension', async () => {
      const fresh = await open();
      await rejectsWith(fresh.insertBatch([{ id: 'x', embedding: [1, 2, 3] }, { id: 'y', embedding: [1, 2] }]), 'DIMENSION_MISMATCH');
      const s = await fresh.stats();
      assert.equal(s.count, 0);
      assert.equal(s.dimension, null);
      assert.equal(await fresh.insert({ id: 'y', embedding: [1, 2] }), 'y');
      assert.equal((await fresh.stats()).dimension, 2);
      await fresh.close();
    });

    test('insertBatch with a non-array is INVALID_ARGUMENT', async () => {
      for (const bad of [undefined, null, 5, 'x', { id: 'a', embedding: [1, 2, 3] }]) {
        await rejectsWith(db.insertBatch(bad), 'INVALID_ARGUMENT', `insertBatch(${JSON.stringify(bad)})`);
      }
      assert.equal((await db.stats()).count, 4);
    });
  });

  describe('dimension', () => {
    test('fixed by the first insert; later lengths and queries must match', async () => {
      const db = await open();
      assert.equal((await db.stats()).dimension, null);
      await db.insert({ id: 'a', embedding: [1, 2, 3] });
      assert.equal((await db.stats()).dimension, 3);
      await rejectsWith(db.insert({ id: 'b', embedding: [1, 2, 3, 4] }), 'DIMENSION_MISMATCH', 'longer insert');
      await rejectsWith(db.insert({ id: 'c', embedding: [1, 2] }), 'DIMENSION_MISMATCH', 'shorter insert');
      await rejectsWith(db.insertBatch([{ id: 'd', embedding: [1, 2] }]), 'DIMENSION_MISMATCH', 'batch');
      await rejectsWith(db.search([1, 2]), 'DIMENSION_MISMATCH', 'short query');
      await rejectsWith(db.search([1, 2, 3, 4]), 'DIMENSION_MISMATCH', 'long query');
      await rejectsWith(db.search(f32([1, 2, 3, 4])), 'DIMENSION_MISMATCH', 'long Float32Array query');
      assert.equal((await db.stats()).count, 1);
      assert.equal(await db.get('b'), null);
      await db.close();
    });

    test('config.dimension is set up front', async () => {
      const db = await open({ dimension: 4 });
      const s = await db.stats();
      assert.equal(s.dimension, 4);
      assert.equal(s.count, 0);
      await rejectsWith(db.insert({ id: 'a', embedding: [1, 2, 3] }), 'DIMENSION_MISMATCH', 'insert of 3 into 4');
      await rejectsWith(db.search([1, 2, 3]), 'DIMENSION_MISMATCH', 'query of 3 against 4');
      assert.equal(await db.insert({ id: 'a', embedding: [1, 2, 3, 4] }), 'a');
      assert.equal((await db.stats()).dimension, 4);
      await db.close();
    });

    test('a bad config.dimension is INVALID_ARGUMENT', async () => {
      for (const dimension of [0, -1, 1.5, 'x']) {
        await rejectsWith(async () => {
          const db = await open({ dimension });
          await db.initialize();
        }, 'INVALID_ARGUMENT', `dimension ${JSON.stringify(dimension)}`);
      }
    });
  });

  describe('INVALID_VECTOR', () => {
    const bad = [
      ['[]', []],
      ['[NaN]', [NaN]],
      ['NaN inside', [1, NaN, 3]],
      ['Infinity', [1, Infinity, 3]],
      ['-Infinity', [1, -Infinity, 3]],
      ["['a']", ['a']],
      ["['1', '2', '3']", ['1', '2', '3']],
      ['[null, 1, 2]', [null, 1, 2]],
      ['[true, 1, 2]', [true, 1, 2]],
      ['a number', 5],
      ['a string', 'abc'],
      ['null', null],
      ['an object', { 0: 1, 1: 2, 2: 3, length: 3 }],
      ['Float32Array with NaN', f32([1, NaN, 3])],
      ['empty Float32Array', new Float32Array(0)],
    ];

    test('on a fresh database (no dimension yet)', async () => {
      for (const [name, embedding] of bad) {
        const db = await open();
        await rejectsWith(db.insert({ id: 'x', embedding }), 'INVALID_VECTOR', `insert ${name}`);
        await rejectsWith(db.insertBatch([{ id: 'x', embedding }]), 'INVALID_VECTOR', `insertBatch ${name}`);
        const s = await db.stats();
        assert.equal(s.count, 0, name);
        assert.equal(s.dimension, null, `${name}: no dimension fixed`);
        await db.close();
      }
    });

    test('a missing embedding', async () => {
      const db = await open();
      await rejectsWith(db.insert({ id: 'x' }), 'INVALID_VECTOR', 'no embedding');
      await rejectsWith(db.insert({ id: 'x', embedding: undefined }), 'INVALID_VECTOR', 'undefined embedding');
      await db.close();
    });

    test('as search queries', async () => {
      const db = await open();
      await db.insert({ id: 'a', embedding: [1, 2, 3] });
      for (const [name, query] of bad) {
        await rejectsWith(db.search(query), 'INVALID_VECTOR', `query ${name}`);
      }
      await db.close();
    });
  });

  describe('INVALID_ARGUMENT', () => {
    let db;
    before(async () => {
      db = await open();
      await db.insertBatch([{ id: 'a', embedding: [1, 0] }, { id: 'b', embedding: [0, 1] }]);
    });
    after(() => db?.close());

    test('k that is not a positive integer', async () => {
      for (const k of [0, -1, 1.5, NaN, Infinity, -Infinity, '5']) {
        await rejectsWith(db.search([1, 0], k), 'INVALID_ARGUMENT', `k = ${String(k)}`);
      }
    });

    test('unknown metric', async () => {
      for (const metric of ['manhattan', 'COSINE', '', 5]) {
        await rejectsWith(db.search([1, 0], 1, { metric }), 'INVALID_ARGUMENT', `metric ${JSON.stringify(metric)}`);
      }
      await rejectsWith(async () => {
        const d = await open({ metric: 'manhattan' });
        await d.initialize();
        await d.insert({ id: 'a', embedding: [1, 0] });
        await d.search([1, 0]);
      }, 'INVALID_ARGUMENT', 'config.metric manhattan');
    });

    test('bad filters', async () => {
      for (const filter of [{ a: { $regex: 'x' } }, { a: { $exists: true } }, { $or: [{ a: 1 }] }, { a: { $in: 5 } }, { a: { $nin: 'x' } }, { a: { $gt: true } }, { a: { $lt: null } }, { a: { $gt: 1, b: 2 } }, 5, 'x', [1]]) {
        await rejectsWith(db.search([1, 0], 1, { filter }), 'INVALID_ARGUMENT', `filter ${JSON.stringify(filter)}`);
      }
    });

    test('metadata that is not a JSON object', async () => {
      for (const metadata of [5, 'x', [1], true]) {
        await rejectsWith(db.insert({ id: 'm', embedding: [1, 1], metadata }), 'INVALID_ARGUMENT', `metadata ${JSON.stringify(metadata)}`);
        await rejectsWith(db.insertBatch([{ id: 'm', embedding: [1, 1], metadata }]), 'INVALID_ARGUMENT', `batch metadata ${JSON.stringify(metadata)}`);
      }
      assert.equal((await db.stats()).count, 2);
      assert.equal(await db.get('m'), null);
    });

    test('ids that are not non-empty strings', async () => {
      // (null/undefined ids count as absent: an id is generated, see 'ids are generated')
      for (const id of ['', 5, 0, true, {}, ['a']]) {
        await rejectsWith(db.insert({ id, embedding: [1, 1] }), 'INVALID_ARGUMENT', `insert id ${JSON.stringify(id)}`);
        await rejectsWith(db.insertBatch([{ id, embedding: [1, 1] }]), 'INVALID_ARGUMENT', `insertBatch id ${JSON.stringify(id)}`);
      }
      for (const id of ['', 5, undefined, null]) {
        await rejectsWith(db.get(id), 'INVALID_ARGUMENT', `get(${JSON.stringify(id)})`);
        await rejectsWith(db.delete(id), 'INVALID_ARGUMENT', `delete(${JSON.stringify(id)})`);
      }
      assert.equal((await db.stats()).count, 2);
    });

    test('a vector that is not an object', async () => {
      for (const v of [null, 5, 'x', [1, 2]]) {
        let err;
        try {
          await db.insert(v);
        } catch (e) {
          err = e;
        }
        assert.ok(err instanceof VectorDBError, `insert(${JSON.stringify(v)}) rejects with a VectorDBError`);
        assert.ok(['INVALID_ARGUMENT', 'INVALID_VECTOR'].includes(err.code), `insert(${JSON.stringify(v)}): ${err.code}`);
      }
      assert.equal((await db.stats()).count, 2);
    });
  });

  describe('delete', () => {
    test('true, then false; the vector is gone from get and search', async () => {
      const db = await fixtureDb();
      const victim = fixtures.vectors[5];
      const q = victim.embedding;
      const before = await db.search(q, 1, { includeEmbedding: false });
      assert.equal(before[0].id, victim.id);
      assert.equal(await db.delete(victim.id), true);
      assert.equal(await db.delete(victim.id), false);
      assert.equal(await db.delete('never-existed'), false);
      assert.equal(await db.get(victim.id), null);
      assert.equal((await db.stats()).count, fixtures.vectors.length - 1);
      const rest = fixtures.vectors.filter((v) => v.id !== victim.id);
      for (const metric of METRICS) {
        const res = await db.search(q, 200, { metric, includeEmbedding: false });
        assert.ok(!res.some((r) => r.id === victim.id), `${metric}: deleted id not in results`);
        assertSameResults(res, bruteForce(rest, q, 200, { metric }));
        const filtered = await db.search(q, 200, { metric, filter: { group: victim.metadata.group }, includeEmbedding: false });
        assertSameResults(filtered, bruteForce(rest, q, 200, { metric, filter: { group: victim.metadata.group } }));
      }
      // the id can be used again
      assert.equal(await db.insert({ id: victim.id, embedding: victim.embedding, metadata: { again: true } }), victim.id);
      assert.deepEqual((await db.get(victim.id)).metadata, { again: true });
      assert.equal((await db.stats()).count, fixtures.vectors.length);
      await db.close();
    });

    test('delete everything, then insert again', async () => {
      const db = await open();
      await db.insertBatch([{ id: 'a', embedding: [1, 2] }, { id: 'b', embedding: [2, 1] }]);
      assert.equal(await db.delete('a'), true);
      assert.equal(await db.delete('b'), true);
      assert.equal((await db.stats()).count, 0);
      assert.deepEqual(await db.search([1, 2], 5), []);
      await db.insert({ id: 'c', embedding: [3, 3] });
      assert.deepEqual((await db.search([1, 2], 5)).map((r) => r.id), ['c']);
      await db.close();
    });
  });

  describe('close', () => {
    test('every call after close() rejects with CLOSED, close() included', async () => {
      const db = await open();
      await db.insert({ id: 'a', embedding: [1, 2] });
      await db.close();
      await rejectsWith(db.initialize(), 'CLOSED', 'initialize');
      await rejectsWith(db.insert({ id: 'b', embedding: [1, 2] }), 'CLOSED', 'insert');
      await rejectsWith(db.insertBatch([{ id: 'b', embedding: [1, 2] }]), 'CLOSED', 'insertBatch');
      await rejectsWith(db.search([1, 2]), 'CLOSED', 'search');
      await rejectsWith(db.get('a'), 'CLOSED', 'get');
      await rejectsWith(db.delete('a'), 'CLOSED', 'delete');
      await rejectsWith(db.stats(), 'CLOSED', 'stats');
      await rejectsWith(db.close(), 'CLOSED', 'close');
      if (typeof db.export === 'function') await rejectsWith(db.export(), 'CLOSED', 'export');
      // invalid arguments after close: still CLOSED (the database is gone either way)
      await rejectsWith(db.search([1, 2, 3], 0), 'CLOSED', 'search with bad args');
    });

    test('close() before any use, then CLOSED', async () => {
      const db = await open();
      await db.close();
      await rejectsWith(db.stats(), 'CLOSED', 'stats');
      await rejectsWith(db.initialize(), 'CLOSED', 'initialize');
    });
  });

  describe('quantized indexes (createIndex / dropIndex)', () => {
    for (const quantization of ['int8', 'binary']) {
      test(`${quantization}: exact: true equals brute force; approximate scores are exact; filters give min(k, matches)`, async () => {
        const db = await fixtureDb();
        assert.equal((await db.stats()).index, null);
        await db.createIndex({ type: 'flat', quantization });
        const s = await db.stats();
        assert.equal(s.index.type, 'flat');
        assert.equal(s.index.quantization, quantization);
        assert.ok(s.index.memoryBytes > 0);
        for (const metric of METRICS) {
          for (const [qi, query] of fixtures.queries.entries()) {
            for (const filter of fixtures.filters) {
              const pool = bruteForce(fixtures.vectors, query, Infinity, { metric, filter });
              for (const k of fixtures.k) {
                const expected = bruteForce(fixtures.vectors, query, k, { metric, filter });
                const exact = await db.search(query, k, { metric, filter, exact: true, includeEmbedding: false });
                assertSameResults(exact, expected, { pool, message: `exact q${qi} ${metric} k=${k} ${JSON.stringify(filter)}` });
                // Approximate: as many results, each with the exact score of its id, sorted.
                const approx = await db.search(query, k, { metric, filter });
                assert.equal(approx.length, expected.length, `approx q${qi} ${metric} k=${k}`);
                for (const hit of approx) {
                  const truth = pool.find((p) => p.id === hit.id);
                  assert.ok(truth, `${hit.id} matches the filter`);
                  assert.ok(Math.abs(truth.score - hit.score) <= 1e-5 * Math.max(1, Math.abs(truth.score)), `${hit.id}: ${hit.score} vs ${truth.score}`);
                  const v = fixtures.vectors.find((x) => x.id === hit.id);
                  sameF32(hit.embedding, v.embedding, hit.id);
                }
              }
            }
          }
        }
        // Writes keep the index in step; get reads the f32 vector back from the file.
        await db.insert({ id: 'new', embedding: fixtures.queries[0], metadata: { n: 1 } });
        const [top] = await db.search(fixtures.queries[0], 1, { metric: 'euclidean' });
        assert.equal(top.id, 'new');
        assert.equal(top.score, 0);
        sameF32((await db.get('new')).embedding, fixtures.queries[0], 'get');
        assert.equal(await db.delete('new'), true);
        assert.notEqual((await db.search(fixtures.queries[0], 1, { metric: 'euclidean' }))[0].id, 'new');
        await db.dropIndex();
        assert.equal((await db.stats()).index, null);
        const after = await db.search(fixtures.queries[1], 5, { metric: 'cosine', includeEmbedding: false });
        assertSameResults(after, bruteForce(fixtures.vectors, fixtures.queries[1], 5, { metric: 'cosine' }));
        await db.close();
      });
    }

    for (const quantization of ['none', 'int8']) {
      test(`hnsw (${quantization}): recall against brute force, exact: true, filters, writes, export`, async () => {
        const db = await fixtureDb();
        await db.createIndex({ type: 'hnsw', quantization, m: 8, efConstruction: 64 });
        const s = (await db.stats()).index;
        assert.deepEqual([s.type, s.quantization, s.m, s.efConstruction], ['hnsw', quantization, 8, 64]);
        let hit = 0;
        let total = 0;
        for (const [qi, query] of fixtures.queries.entries()) {
          for (const filter of fixtures.filters) {
            const pool = bruteForce(fixtures.vectors, query, Infinity, { metric: 'cosine', filter });
            const expected = bruteForce(fixtures.vectors, query, 10, { metric: 'cosine', filter });
            const exact = await db.search(query, 10, { filter, exact: true, includeEmbedding: false });
            assertSameResults(exact, expected, { pool, message: `exact q${qi} ${JSON.stringify(filter)}` });
            const approx = await db.search(query, 10, { filter, ef: 32, includeEmbedding: false });
            assert.equal(approx.length, expected.length, 'min(k, matches)');
            for (const h of approx) {
              const truth = pool.find((p) => p.id === h.id);
              assert.ok(truth && Math.abs(truth.score - h.score) <= 1e-5, `${h.id} exact score`);
            }
            hit += approx.filter((h) => expected.some((e) => e.id === h.id)).length;
            total += expected.length;
          }
        }
        assert.ok(hit / total >= 0.9, `recall ${hit / total}`);
        await db.insert({ id: 'new', embedding: fixtures.queries[0] });
        assert.equal((await db.search(fixtures.queries[0], 1))[0].id, 'new');
        assert.equal(await db.delete('new'), true);
        const copy = await open({ data: await db.export() });
        assert.equal((await copy.stats()).index.type, 'hnsw');
        await copy.close();
        await db.close();
      });
    }

    test('the index travels in export() and opens with the copy', async () => {
      const db = await fixtureDb();
      await db.createIndex({ type: 'flat', quantization: 'int8' });
      const copy = await open({ data: await db.export() });
      assert.equal((await copy.stats()).index.quantization, 'int8');
      const q = fixtures.queries[2];
      assertSameResults(await copy.search(q, 5, { exact: true, includeEmbedding: false }), bruteForce(fixtures.vectors, q, 5, {}));
      await copy.close();
      await db.close();
    });

    test('bad index and search options are INVALID_ARGUMENT', async () => {
      const empty = await open();
      await rejectsWith(empty.createIndex({ type: 'flat', quantization: 'int8' }), 'INVALID_ARGUMENT', 'no dimension yet');
      await empty.close();
      const db = await fixtureDb();
      await rejectsWith(db.createIndex({ type: 'flat', quantization: 'int4' }), 'INVALID_ARGUMENT', 'int4');
      await rejectsWith(db.createIndex({ type: 'ivf' }), 'INVALID_ARGUMENT', 'ivf');
      await rejectsWith(db.createIndex('flat'), 'INVALID_ARGUMENT', 'not an object');
      await rejectsWith(db.createIndex({ type: 'hnsw', quantization: 'binary' }), 'INVALID_ARGUMENT', 'hnsw over binary codes');
      await rejectsWith(db.createIndex({ type: 'hnsw', m: 1 }), 'INVALID_ARGUMENT', 'm = 1');
      await rejectsWith(db.createIndex({ type: 'flat', m: 8 }), 'INVALID_ARGUMENT', 'm on a flat index');
      await db.createIndex({ type: 'flat', quantization: 'binary' });
      for (const rescore of [0, -1, 1.5, 'x']) {
        await rejectsWith(db.search(fixtures.queries[0], 3, { rescore }), 'INVALID_ARGUMENT', `rescore ${rescore}`);
      }
      assert.equal((await db.stats()).index.quantization, 'binary', 'a failed call changed nothing');
      await db.close();
    });
  });

  describe('VectorDBError', () => {
    test('is an Error with code, message and name', async () => {
      const db = await open();
      const err = await rejectsWith(db.search([], 1), 'INVALID_VECTOR');
      assert.ok(err instanceof Error);
      assert.equal(typeof err.stack, 'string');
      await db.close();
    });
  });
});
}
