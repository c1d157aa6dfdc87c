// Both of our bench adapters (Node and the browser page alike; plain ESM, served to the page
// from bench/lib/), through the public VectorDB API. `load()` imports the library (inside
// the timed span of a reopen), `connect(lib, { path, dim, metric })` creates the database,
// `memory(db)` reads the adapter's memory figures. `index` ('int8' | 'binary'): after the
// batch insert, `createIndex({ type: 'flat', quantization: index })` (timed), then every
// query goes through the index (cosine: a sweep of `rescore`, then `exact: true`).
import { attributesOf } from './protocol.mjs';

/**
 * The rescore sweep of the quantized systems (cosine), and the point of it that the tables'
 * q/s columns, the other metrics and the filtered queries use: the library's defaults when the
 * issue 9 rows were written (index.d.ts: 4 for int8, 16 for binary). Every point passes its
 * rescore explicitly, so the labels stay true if the library's defaults change.
 */
export const RESCORE_SWEEP = [1, 2, 4, 8, 16];
export const RESCORE_DEFAULT = { int8: 4, binary: 16 };

/** The tables' point of the HNSW ef sweep (issue 10; also the API's default ef). */
export const EF_HEADLINE = 64;
/** Extra points of the quantized hnsw rows: rescore passed explicitly at ef=EF_HEADLINE. */
export const HNSW_RESCORE = [4, 8, 16];

export function oursAdapter({ name, storage, notes, metrics, load, connect, memory, index = null, hnsw = null }) {
  let lib = null;
  let db = null;
  let searchOpts = {};
  const adapter = {
    name,
    storage,
    metrics,
    notes: [
      ...notes,
      ...(index ? [`flat ${index} index (createIndex after the batch insert); q/s columns at rescore ${RESCORE_DEFAULT[index]}`] : []),
      ...(hnsw ? [`hnsw index (m=${hnsw.m}, efConstruction=${hnsw.efConstruction}, quantization ${hnsw.quantization}) created on the empty database, then the batch insert (the graph is built by the inserts); cosine only; q/s columns at ef=${EF_HEADLINE}`] : []),
    ],
    filters: true,
    async open(args) {
      const t0 = performance.now();
      lib ??= await load();
      const t1 = performance.now();
      db = await connect(lib, args);
      await db.initialize(); // worker start or addon load, wasm instantiation, open, index load
      adapter.openBreakdown = { importMs: t1 - t0, initializeMs: performance.now() - t1 };
      if (hnsw && !args.reopen) {
        // Issue 10's build: the index exists before the first row, so every insert adds to the graph.
        const t2 = performance.now();
        await db.createIndex({ type: 'hnsw', m: hnsw.m, efConstruction: hnsw.efConstruction, quantization: hnsw.quantization });
        adapter.createIndexMs = performance.now() - t2;
      }
    },
    ...oursOps(() => db, () => searchOpts),
    async close() {
      await db.close();
      db = null;
    },
    async memory() {
      const m = await memory(db);
      const stats = db?.stats ? await db.stats().catch(() => null) : null;
      return { ...m, indexMemoryBytes: stats?.index?.memoryBytes ?? null };
    },
  };
  if (hnsw) {
    adapter.afterInsert = async () => {
      const stats = await db.stats();
      adapter.indexStats = { createIndexMs: adapter.createIndexMs, index: stats.index };
    };
    const variant = (ef, rescore) => ({
      name: rescore ? `ef=${ef} rescore=${rescore}` : `ef=${ef}`,
      headline: ef === EF_HEADLINE && !rescore,
      apply: () => { searchOpts = rescore ? { ef, rescore } : { ef }; },
    });
    // Quantized graphs: the ef sweep at the library's default rescore, then two rescore points
    // at the tables' ef (with int8 codes recall depends on rescore more than on ef).
    const extra = hnsw.quantization !== 'none' ? HNSW_RESCORE.map((r) => variant(EF_HEADLINE, r)) : [];
    adapter.variants = () => [...hnsw.efSearch.map((ef) => variant(ef)), ...extra];
    adapter.naReason = (m) => `hnsw index built for cosine only (${m} not measured)`;
  }
  if (index) {
    adapter.buildIndex = async () => {
      await db.createIndex({ type: 'flat', quantization: index });
      const stats = await db.stats();
      return { quantization: index, index: stats.index };
    };
    const def = RESCORE_DEFAULT[index];
    const variant = (rescore) => ({
      name: `rescore=${rescore}`,
      headline: rescore === def,
      apply: () => { searchOpts = { rescore }; },
    });
    adapter.variants = (metric) => (metric === 'cosine'
      ? [...RESCORE_SWEEP.map(variant), { name: 'exact:true', apply: () => { searchOpts = { exact: true }; } }]
      : [variant(def)]);
  }
  return adapter;
}

function oursOps(getDb, getSearchOpts) {
  return {
    async insertBatch(base, dim, from, count) {
      const vs = new Array(count);
      for (let i = 0; i < count; i++) {
        const r = from + i;
        vs[i] = { id: String(r), embedding: base.subarray(r * dim, (r + 1) * dim), metadata: attributesOf(r) };
      }
      await getDb().insertBatch(vs);
    },
    async insertOne(base, dim, r) {
      await getDb().insert({ id: String(r), embedding: base.subarray(r * dim, (r + 1) * dim), metadata: attributesOf(r) });
    },
    async search(q, k, metric, filter) {
      const opts = { metric, includeEmbedding: false, ...getSearchOpts() };
      if (filter) opts.filter = { [filter.field]: filter.value };
      const hits = await getDb().search(q, k, opts);
      return hits.map((h) => Number(h.id));
    },
  };
}
