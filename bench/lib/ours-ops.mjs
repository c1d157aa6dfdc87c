// Both of our bench adapters (Node and the browser page alike; plain ESM, served to the page
// from bench/lib/), through the public VectorDB API. `load()` imports the library (inside
// the timed span of a reopen), `connect(lib, { path, dim, metric })` creates the database,
// `memory(db)` reads the adapter's memory figures.
export function oursAdapter({ name, storage, notes, metrics, load, connect, memory }) {
  let lib = null;
  let db = null;
  const adapter = {
    name,
    storage,
    metrics,
    notes,
    async open(args) {
      const t0 = performance.now();
      lib ??= await load();
      const t1 = performance.now();
      db = await connect(lib, args);
      await db.initialize(); // worker start or addon load, wasm instantiation, open, index load
      adapter.openBreakdown = { importMs: t1 - t0, initializeMs: performance.now() - t1 };
    },
    ...oursOps(() => db),
    async close() {
      await db.close();
      db = null;
    },
    memory: () => memory(db),
  };
  return adapter;
}

function oursOps(getDb) {
  return {
    async insertBatch(base, dim, from, count) {
      const vs = new Array(count);
      for (let i = 0; i < count; i++) {
        const r = from + i;
        vs[i] = { id: String(r), embedding: base.subarray(r * dim, (r + 1) * dim) };
      }
      await getDb().insertBatch(vs);
    },
    async insertOne(base, dim, r) {
      await getDb().insert({ id: String(r), embedding: base.subarray(r * dim, (r + 1) * dim) });
    },
    async search(q, k, metric) {
      const hits = await getDb().search(q, k, { metric, includeEmbedding: false });
      return hits.map((h) => Number(h.id));
    },
  };
}
