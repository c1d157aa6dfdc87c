// The page side of the browser runs: loads the cached data over HTTP, runs one system through
// the shared protocol (bench/lib/protocol.mjs) and returns raw figures to bench/run.mjs.
import { wasmHeapBytes } from './wasm-memory.mjs';
import { runPhases, timeReopen } from '../lib/protocol.mjs';

const ADAPTERS = {
  'ours-opfs': () => import('./adapters/ours-opfs.mjs'),
  'ours-opfs-int8': () => import('./adapters/ours-opfs.mjs'),
  'ours-opfs-binary': () => import('./adapters/ours-opfs.mjs'),
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

window.bench = {
  async run(spec) {
    const data = { base: await fetchF32(spec.baseUrl), queries: await fetchF32(spec.queriesUrl), dim: spec.dim, n: spec.n };
    const adapter = await adapterFor(spec);
    return runPhases(adapter, data, spec.opts, log);
  },
  async reopen(spec) {
    const queries = await fetchF32(spec.queriesUrl);
    const adapter = await adapterFor(spec);
    return timeReopen(adapter, queries.subarray(0, spec.dim), { path: spec.opts.path, dim: spec.dim });
  },
};
window.benchReady = true;
