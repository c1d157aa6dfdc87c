// The page side of the browser runs: loads the cached data over HTTP, runs one system through
// the shared protocol (bench/lib/protocol.mjs) and returns raw figures to bench/run.mjs.
// `spec.inWorker`: the system runs in bench/pages/bench-worker.mjs (issue 10's like-with-like
// pair) and this page only relays; `bench.writes`: issue 11's write path (pages/writes.mjs).
import { wasmHeapBytes } from './wasm-memory.mjs';
import { runPhases, timeReopen } from '../lib/protocol.mjs';
import { inWorker, runWrites } from './writes.mjs';

const ADAPTERS = {
  'ours-opfs': () => import('./adapters/ours-opfs.mjs'),
  'ours-opfs-int8': () => import('./adapters/ours-opfs.mjs'),
  'ours-opfs-binary': () => import('./adapters/ours-opfs.mjs'),
  'ours-opfs-hnsw': () => import('./adapters/ours-opfs.mjs'),
  'ours-opfs-hnsw-int8': () => import('./adapters/ours-opfs.mjs'),
  'sqljs-baseline': () => import('./adapters/sqljs.mjs'),
  'sqlite-vec-wasm': () => import('./adapters/sqlite-vec-wasm.mjs'),
  'hnswlib-wasm': () => import('./adapters/hnswlib-wasm.mjs'),
};

async function fetchF32(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Float32Array(await r.arrayBuffer());
}

async function adapterFor(spec) {
  const load = ADAPTERS[spec.system];
  if (!load) throw new Error(`no browser adapter for ${spec.system}`);
  return (await load()).create(spec, { wasmHeapBytes });
}

const log = (m) => console.log(`[bench] ${m}`);
const WORKER = '/bench/pages/bench-worker.mjs';

window.bench = {
  async run(spec) {
    if (spec.inWorker) return inWorker(WORKER, 'run', spec, log);
    const data = { base: await fetchF32(spec.baseUrl), queries: await fetchF32(spec.queriesUrl), dim: spec.dim, n: spec.n };
    const adapter = await adapterFor(spec);
    return runPhases(adapter, data, spec.opts, log);
  },
  async reopen(spec) {
    if (spec.inWorker) {
      // From creating the worker (its imports of both libraries included) to the first answer.
      const query = (await fetchF32(spec.queriesUrl)).slice(0, spec.dim);
      const t0 = performance.now();
      const r = await inWorker(WORKER, 'reopen', { ...spec, query }, log);
      const total = performance.now() - t0;
      return { ...r, ms: total, workerStartMs: total - r.ms };
    }
    const queries = await fetchF32(spec.queriesUrl);
    const adapter = await adapterFor(spec);
    return timeReopen(adapter, queries.subarray(0, spec.dim), { path: spec.opts.path, dim: spec.dim });
  },
  writes: (spec) => runWrites(spec, log),
};
window.benchReady = true;
