// hnswlib-node (approximate; native, compiled by bench/setup.sh): one cosine HNSW index,
// written to a file after the build so a new process can reopen it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function create(spec) {
  const { M, efConstruction, efSearch } = spec.hnsw;
  let index = null;
  let file = null;
  return {
    name: 'hnswlib-node',
    storage: 'memory (index file written after the build, for the reopen)',
    metrics: ['cosine'],
    notes: [`HNSW M=${M}, efConstruction=${efConstruction}; its API takes plain arrays, so each vector is converted`],
    naReason: (m) => `ANN index built for cosine only (${m} would need its own index)`,
    filters: 'not measured (no attribute storage; searchKnn takes a JS callback filter)',
    variants: () => efSearch.map((ef) => ({ name: `ef=${ef}`, apply: () => index.setEf(ef) })),
    async open({ path, dim, single, reopen }) {
      const { HierarchicalNSW } = require('hnswlib-node');
      index = new HierarchicalNSW('cosine', dim);
      file = path;
      if (reopen) {
        index.readIndexSync(path);
        index.setEf(efSearch[Math.floor(efSearch.length / 2)]);
      } else {
        index.initIndex(single ? spec.opts.singleCount : spec.n, M, efConstruction, 100);
      }
    },
    async insertBatch(base, dim, from, count) {
      for (let i = from; i < from + count; i++) index.addPoint(Array.from(base.subarray(i * dim, (i + 1) * dim)), i);
    },
    async insertOne(base, dim, i) {
      index.addPoint(Array.from(base.subarray(i * dim, (i + 1) * dim)), i);
    },
    async afterInsert() {
      index.writeIndexSync(file);
    },
    async search(q, k) {
      return index.searchKnn(Array.from(q), k).neighbors;
    },
    async close() {
      index = null;
    },
    async memory() {
      return { rss: process.memoryUsage().rss };
    },
  };
}
