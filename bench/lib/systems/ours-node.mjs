// Our Node entry (dist/node.js): the wasm build in process (in memory) and the native addon.
import { oursOps } from '../ours-ops.mjs';
import { METRICS } from '../protocol.mjs';
import { wasmHeapBytes } from '../../pages/wasm-memory.mjs';

const DIST = new URL('../../../dist/node.js', import.meta.url).href;

export function create(spec, { native }) {
  let db = null;
  let lib = null;
  const adapter = {
    name: native ? 'ours-native' : 'ours-wasm-node',
    storage: native ? 'file' : 'memory',
    metrics: METRICS,
    notes: ['search with includeEmbedding: false'],
    async open({ path, dim, metric }) {
      const t0 = performance.now();
      lib ??= await import(DIST); // inside the timed span of a reopen
      const t1 = performance.now();
      const config = { dimension: dim, metric, path: native ? path : ':memory:' };
      db = native ? await lib.createNativeVectorDB(config) : await lib.createWasmVectorDB(config);
      await db.initialize();
      adapter.openBreakdown = { importMs: t1 - t0, initializeMs: performance.now() - t1 };
    },
    ...oursOps(() => db),
    async close() {
      await db.close();
      db = null;
    },
    async memory() {
      const info = db?.info ? await db.info().catch(() => ({})) : {};
      return { wasmHeap: native ? null : wasmHeapBytes(), rss: process.memoryUsage().rss, indexBytes: info.indexBytes ?? null, kernel: info.kernel ?? null };
    },
  };
  return adapter;
}
