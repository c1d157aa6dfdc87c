// Our package created INSIDE the bench's dedicated worker (bench/pages/bench-worker.mjs):
// createVectorDB called in a dedicated worker runs the database on that thread (OPFS sync
// handles, no second worker, no postMessage per call). Issue 10's like-with-like row, measured
// with the same loop as hnswlib-wasm in the same kind of worker.
import { oursAdapter } from '../../lib/ours-ops.mjs';
import { METRICS } from '../../lib/protocol.mjs';

export function create(spec, { wasmHeapBytes }) {
  return oursAdapter({
    name: spec.system,
    index: spec.index ?? null,
    hnsw: spec.hnswIndex ?? null,
    storage: 'opfs (database in the bench worker)',
    metrics: spec.hnswIndex ? ['cosine'] : METRICS,
    notes: ['createVectorDB called inside the bench\'s dedicated worker (the database runs there); search with includeEmbedding: false'],
    load: () => import('/dist/sqlite-vector.js'),
    connect: (lib, { path, dim, metric }) => lib.createVectorDB({ path, dimension: dim, metric }),
    async memory(db) {
      const info = db?.info ? await db.info().catch(() => ({})) : {};
      // This realm's wasm memories: ours only (hnswlib-wasm is imported but not instantiated).
      return { wasmHeap: wasmHeapBytes(), indexBytes: info.indexBytes ?? null, kernel: info.kernel ?? null };
    },
  });
}
