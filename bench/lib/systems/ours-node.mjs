// Our Node entry (dist/node.js): the wasm build in process (in memory) and the native addon.
import { oursAdapter } from '../ours-ops.mjs';
import { METRICS } from '../protocol.mjs';
import { wasmHeapBytes } from '../../pages/wasm-memory.mjs';

const DIST = new URL('../../../dist/node.js', import.meta.url).href;

export function create(spec, { native }) {
  return oursAdapter({
    name: spec.system,
    index: spec.index ?? null,
    hnsw: spec.hnswIndex ?? null,
    storage: native ? 'file' : 'memory',
    metrics: spec.hnswIndex ? ['cosine'] : METRICS,
    notes: ['search with includeEmbedding: false (ids, scores and each hit\'s metadata come back)'],
    load: () => import(DIST),
    connect: (lib, { path, dim, metric }) => {
      const config = { dimension: dim, metric, path: native ? path : ':memory:' };
      return native ? lib.createNativeVectorDB(config) : lib.createWasmVectorDB(config);
    },
    async memory(db) {
      const info = db?.info ? await db.info().catch(() => ({})) : {};
      return { wasmHeap: native ? null : wasmHeapBytes(), rss: process.memoryUsage().rss, indexBytes: info.indexBytes ?? null, kernel: info.kernel ?? null };
    },
  });
}
