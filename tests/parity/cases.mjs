// The parity script: one list of operations, derived from tests/fixtures/fixtures.json, that
// every target runs (native Rust via examples/parity.rs, the Node addon, wasm in Node, wasm
// in a Chromium worker over OPFS). Plain ESM with no imports, so a browser page loads it too.
//
// Values JSON cannot hold are written as tokens: "NaN", "Infinity", "-Infinity" inside a
// vector. The Rust runner decodes them the same way (see examples/parity.rs).

export const METRICS = ['cosine', 'dot', 'euclidean'];

/** Every search of the script: query x metric x filter x (each k, and the threshold). */
export function paritySearches(fixtures) {
  const out = [];
  for (const [qi, query] of fixtures.queries.entries()) {
    for (const metric of METRICS) {
      for (const filter of fixtures.filters) {
        for (const k of fixtures.k) out.push({ qi, query, k, options: { metric, filter } });
        out.push({ qi, query, k: fixtures.vectors.length, options: { metric, filter, threshold: fixtures.thresholds[metric] } });
      }
    }
  }
  return out;
}

/** The quantized indexes the script builds, and the searches it runs on each (a sample of
 * the script's searches; each both with `exact: true` and approximately). */
export const INDEXES = [
  { name: 'int8', options: { type: 'flat', quantization: 'int8' }, floor: 0.95 },
  { name: 'binary', options: { type: 'flat', quantization: 'binary' }, floor: 0.6 },
  { name: 'hnsw', options: { type: 'hnsw', m: 8, efConstruction: 40 }, floor: 0.9 },
  { name: 'hnsw-int8', options: { type: 'hnsw', quantization: 'int8', m: 8, efConstruction: 40 }, floor: 0.9 },
];
export function indexedSearches(fixtures) {
  return paritySearches(fixtures).filter((_, i) => i % 5 === 0);
}

/**
 * Bad inputs, each with the code API.md gives it. They run in order on the database that
 * holds the fixtures (dimension `d`); none may change it (the runner checks the count after).
 */
export function parityErrors(fixtures) {
  const d = fixtures.dimension;
  const ok = (x = 0.5) => Array.from({ length: d }, (_, i) => x + i / 10);
  const taken = fixtures.vectors[0].id;
  const q = fixtures.queries[0];
  return [
    { name: 'insert: wrong dimension', op: 'insert', vectors: [{ id: 'e1', embedding: ok().slice(1) }], code: 'DIMENSION_MISMATCH' },
    { name: 'insert: empty vector', op: 'insert', vectors: [{ id: 'e2', embedding: [] }], code: 'INVALID_VECTOR' },
    { name: 'insert: NaN component', op: 'insert', vectors: [{ id: 'e3', embedding: [...ok().slice(1), 'NaN'] }], code: 'INVALID_VECTOR' },
    { name: 'insert: Infinity component', op: 'insert', vectors: [{ id: 'e4', embedding: ['Infinity', ...ok().slice(1)] }], code: 'INVALID_VECTOR' },
    { name: 'insert: -Infinity component', op: 'insert', vectors: [{ id: 'e5', embedding: ['-Infinity', ...ok().slice(1)] }], code: 'INVALID_VECTOR' },
    { name: 'insert: id taken', op: 'insert', vectors: [{ id: taken, embedding: ok() }], code: 'DUPLICATE_ID' },
    { name: 'insert: empty id', op: 'insert', vectors: [{ id: '', embedding: ok() }], code: 'INVALID_ARGUMENT' },
    { name: 'insert: metadata is an array', op: 'insert', vectors: [{ id: 'e6', embedding: ok(), metadata: [1, 2] }], code: 'INVALID_ARGUMENT' },
    { name: 'insert: metadata is a string', op: 'insert', vectors: [{ id: 'e7', embedding: ok(), metadata: 'x' }], code: 'INVALID_ARGUMENT' },
    {
      name: 'batch: id repeated inside the batch',
      op: 'insert',
      vectors: [{ id: 'b1', embedding: ok() }, { id: 'b2', embedding: ok(0.1) }, { id: 'b1', embedding: ok(0.2) }],
      code: 'DUPLICATE_ID',
    },
    {
      name: 'batch: last vector has the wrong dimension',
      op: 'insert',
      vectors: [{ id: 'b3', embedding: ok() }, { id: 'b4', embedding: [1] }],
      code: 'DIMENSION_MISMATCH',
    },
    {
      name: 'batch: one vector collides with a stored id',
      op: 'insert',
      vectors: [{ id: 'b5', embedding: ok() }, { id: taken, embedding: ok(0.3) }],
      code: 'DUPLICATE_ID',
    },
    { name: 'search: wrong dimension', op: 'search', query: q.slice(1), k: 5, options: {}, code: 'DIMENSION_MISMATCH' },
    { name: 'search: NaN in query', op: 'search', query: ['NaN', ...q.slice(1)], k: 5, options: {}, code: 'INVALID_VECTOR' },
    { name: 'search: empty query', op: 'search', query: [], k: 5, options: {}, code: 'INVALID_VECTOR' },
    { name: 'search: k = 0', op: 'search', query: q, k: 0, options: {}, code: 'INVALID_ARGUMENT' },
    { name: 'search: unknown metric', op: 'search', query: q, k: 5, options: { metric: 'manhattan' }, code: 'INVALID_ARGUMENT' },
    { name: 'search: unknown operator', op: 'search', query: q, k: 5, options: { filter: { group: { $regex: 'a' } } }, code: 'INVALID_ARGUMENT' },
    { name: 'search: $in without an array', op: 'search', query: q, k: 5, options: { filter: { group: { $in: 'a' } } }, code: 'INVALID_ARGUMENT' },
    { name: 'search: top-level operator', op: 'search', query: q, k: 5, options: { filter: { $or: [] } }, code: 'INVALID_ARGUMENT' },
    { name: 'search: $gt with a boolean', op: 'search', query: q, k: 5, options: { filter: { score: { $gt: true } } }, code: 'INVALID_ARGUMENT' },
    { name: 'get: empty id', op: 'get', id: '', code: 'INVALID_ARGUMENT' },
    { name: 'delete: empty id', op: 'delete', id: '', code: 'INVALID_ARGUMENT' },
    { name: 'open: dimension 0', op: 'open', config: { dimension: 0 }, code: 'INVALID_ARGUMENT' },
    { name: 'import: bytes that are not SQLite', op: 'import', data: 'junk', code: 'CORRUPT' },
    { name: 'import: a SQLite header and nothing else', op: 'import', data: 'header', code: 'CORRUPT' },
    { name: 'import: an export cut in half', op: 'import', data: 'truncated', code: 'CORRUPT' },
  ];
}

/** The bytes an `import` error case opens (`exported` is a good export of the fixtures). */
export function importBytes(kind, exported) {
  if (kind === 'junk') return new TextEncoder().encode('this is not a database, just some text. '.repeat(40));
  if (kind === 'header') {
    const b = new Uint8Array(4096);
    b.set(new TextEncoder().encode('SQLite format 3\0'));
    return b;
  }
  return exported.slice(0, Math.floor(exported.length / 2));
}

const decode = (v) => v.map((x) => (x === 'NaN' ? NaN : x === 'Infinity' ? Infinity : x === '-Infinity' ? -Infinity : x));

/**
 * Runs the script through the JS API. `create(config)` makes a database on the target
 * (`config` may hold `data` for an import). Returns plain data: each search's ids and scores,
 * each error case's code, and the count after the error cases.
 */
export async function runParity(create, fixtures, { path = ':memory:' } = {}) {
  const db = await create({ path });
  await db.insertBatch(fixtures.vectors);
  const searches = [];
  for (const s of paritySearches(fixtures)) {
    const hits = await db.search(s.query, s.k, { ...s.options, includeEmbedding: false });
    searches.push({ ids: hits.map((h) => h.id), scores: hits.map((h) => h.score) });
  }
  const indexed = {};
  for (const { name, options } of INDEXES) {
    await db.createIndex(options);
    const run = async (exact) => {
      const out = [];
      for (const s of indexedSearches(fixtures)) {
        const hits = await db.search(s.query, s.k, { ...s.options, exact, includeEmbedding: false });
        out.push({ ids: hits.map((h) => h.id), scores: hits.map((h) => h.score) });
      }
      return out;
    };
    indexed[name] = { exact: await run(true), approx: await run(false) };
    await db.dropIndex();
  }
  const exported = await db.export();
  const errors = [];
  for (const c of parityErrors(fixtures)) {
    let code = 'OK';
    try {
      if (c.op === 'insert') {
        await db.insertBatch(c.vectors.map((v) => ({ ...v, embedding: decode(v.embedding) })));
      } else if (c.op === 'search') {
        await db.search(decode(c.query), c.k, c.options);
      } else if (c.op === 'get') {
        await db.get(c.id);
      } else if (c.op === 'delete') {
        await db.delete(c.id);
      } else if (c.op === 'open') {
        const other = await create({ ...c.config, path: ':memory:' });
        try {
          await other.initialize();
        } finally {
          await other.close().catch(() => {});
        }
      } else if (c.op === 'import') {
        const other = await create({ path: ':memory:', data: importBytes(c.data, exported) });
        try {
          await other.initialize();
        } finally {
          await other.close().catch(() => {});
        }
      }
    } catch (e) {
      code = e.code ?? `not a VectorDBError: ${e}`;
    }
    errors.push({ name: c.name, code });
  }
  const count = (await db.stats()).count;
  await db.close();
  let closed = 'OK';
  try {
    await db.search(fixtures.queries[0], 1);
  } catch (e) {
    closed = e.code;
  }
  errors.push({ name: 'search after close', code: closed });
  return { searches, indexed, errors, count, exportedBytes: exported.length };
}
