// Our wasm build in a dedicated worker over OPFS: dist/sqlite-vector.js as a user loads it.
// `spec.hnswIndex`: the hnsw rows (issue 10), index created on the empty database.
import { oursAdapter } from '../../lib/ours-ops.mjs';
import { METRICS } from '../../lib/protocol.mjs';

export function create(spec) {
  return oursAdapter({
    name: spec.system,
    index: spec.index ?? null,
    hnsw: spec.hnswIndex ?? null,
    storage: 'opfs',
    metrics: spec.hnswIndex ? ['cosine'] : METRICS,
    notes: ['search with includeEmbedding: false (ids, scores and each hit\'s metadata come back)'],
    load: () => import('/dist/sqlite-vector.js'),
    connect: (lib, { path, dim, metric }) => lib.createVectorDB({ path, dimension: dim, metric }),
    async memory(db) {
      const info = db.info ? await db.info() : {};
      // The worker's wasm memory, read by bench/lib/browser.mjs through the DevTools protocol.
      const wasmHeap = window.__benchWorkerHeap ? await window.__benchWorkerHeap() : null;
      return { wasmHeap, indexBytes: info.indexBytes ?? null, kernel: info.kernel ?? null };
    },
  });
}
