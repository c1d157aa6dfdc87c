// Issue 10's like-with-like worker: one dedicated module worker that imports hnswlib-wasm AND
// our package, and runs either system through the same loop (bench/lib/protocol.mjs) on this
// thread. Ours: createVectorDB called here runs the database in this worker (OPFS sync handles,
// no second worker, no postMessage per call); hnswlib-wasm: its index in this worker's memory.
// Driven by bench/pages/harness.mjs: {op: 'run' | 'reopen', spec} → {log} messages, then
// {ok, result} or {ok: false, error}.
import { wasmHeapBytes } from './wasm-memory.mjs'; // first: records every wasm memory of this realm
import { runPhases, timeReopen } from '../lib/protocol.mjs';
import '/bench/node_modules/hnswlib-wasm/dist/hnswlib.js'; // both libraries are loaded in this worker
import '/dist/sqlite-vector.js';

const ADAPTERS = {
  'ours-worker-hnsw': () => import('./adapters/ours-in-worker.mjs'),
  'hnswlib-wasm-worker': () => import('./adapters/hnswlib-wasm.mjs'),
};

async function fetchF32(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Float32Array(await r.arrayBuffer());
}

const log = (m) => postMessage({ log: m });

async function adapterFor(spec) {
  const load = ADAPTERS[spec.system];
  if (!load) throw new Error(`no in-worker adapter for ${spec.system}`);
  return (await load()).create(spec, { wasmHeapBytes });
}

const OPS = {
  async run(spec) {
    const data = { base: await fetchF32(spec.baseUrl), queries: await fetchF32(spec.queriesUrl), dim: spec.dim, n: spec.n };
    const adapter = await adapterFor(spec);
    const out = await runPhases(adapter, data, spec.opts, log);
    out.where = 'dedicated worker (bench/pages/bench-worker.mjs)';
    return out;
  },
  async reopen(spec) {
    const query = spec.query ?? (await fetchF32(spec.queriesUrl)).subarray(0, spec.dim);
    const adapter = await adapterFor(spec);
    return timeReopen(adapter, query, { path: spec.opts.path, dim: spec.dim });
  },
};

self.onmessage = ({ data: { op, spec } }) => {
  OPS[op](spec).then(
    (result) => postMessage({ ok: true, result }),
    (e) => postMessage({ ok: false, error: String(e?.stack ?? e?.message ?? e) }),
  );
};
postMessage({ ready: true });
