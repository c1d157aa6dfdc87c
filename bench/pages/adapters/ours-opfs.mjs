// Our wasm build in a dedicated worker over OPFS: dist/sqlite-vector.js as a user loads it.
import { oursOps } from '../../lib/ours-ops.mjs';
import { METRICS } from '../../lib/protocol.mjs';

let lib = null;

export function create() {
  let db = null;
  const adapter = {
    name: 'ours-opfs',
    storage: 'opfs',
    metrics: METRICS,
    notes: ['search with includeEmbedding: false (ids + scores, like the peers)'],
    async open({ path, dim, metric }) {
      const t0 = performance.now();
      lib ??= await import('/dist/sqlite-vector.js'); // inside the timed span of a reopen
      const t1 = performance.now();
      db = await lib.createVectorDB({ path, dimension: dim, metric });
      await db.initialize(); // worker start, wasm instantiation, OPFS pool, open, index load
      adapter.openBreakdown = { importMs: t1 - t0, initializeMs: performance.now() - t1 };
    },
    ...oursOps(() => db),
    async close() {
      await db.close();
      db = null;
    },
    async memory() {
      const info = db.info ? await db.info() : {};
      // The worker's wasm memory, read by bench/lib/browser.mjs through the DevTools protocol.
      const wasmHeap = window.__benchWorkerHeap ? await window.__benchWorkerHeap() : null;
      return { wasmHeap, indexBytes: info.indexBytes ?? null, kernel: info.kernel ?? null };
    },
  };
  return adapter;
}
