// hnswlib-wasm 0.8.2 (approximate): one HNSW index for cosine, built point by point.
let lib = null;

export function create(spec, { wasmHeapBytes }) {
  const { M, efConstruction, efSearch } = spec.hnsw;
  let index = null;
  return {
    name: 'hnswlib-wasm',
    storage: 'memory',
    metrics: ['cosine'],
    notes: [`HNSW M=${M}, efConstruction=${efConstruction}; in memory (IDBFS persistence not measured)`],
    naReason: (m) => `ANN index built for cosine only (${m} would need its own index)`,
    filters: 'not measured (no attribute storage)',
    variants: () => efSearch.map((ef) => ({ name: `ef=${ef}`, apply: () => index.setEfSearch(ef) })),
    async open({ dim, single }) {
      if (!lib) lib = await (await import('/bench/node_modules/hnswlib-wasm/dist/hnswlib.js')).loadHnswlib();
      index = new lib.HierarchicalNSW('cosine', dim, '');
      index.initIndex(single ? spec.opts.singleCount : spec.n, M, efConstruction, 100);
    },
    async insertBatch(base, dim, from, count) {
      for (let i = from; i < from + count; i++) index.addPoint(base.subarray(i * dim, (i + 1) * dim), i, false);
    },
    async insertOne(base, dim, i) {
      index.addPoint(base.subarray(i * dim, (i + 1) * dim), i, false);
    },
    async search(q, k) {
      return index.searchKnn(q, k, undefined).neighbors;
    },
    async close() {
      index = null;
    },
    async memory() {
      return { wasmHeap: wasmHeapBytes() };
    },
  };
}
