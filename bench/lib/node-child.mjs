// A child process that runs one Node-side system on one data set (or reopens its database)
// and reports raw figures to bench/run.mjs over IPC. One process per run keeps a crash, a
// leak or a slow native library from touching the other systems.
import '../pages/wasm-memory.mjs'; // first: records wasm memories before any library loads
import fs from 'node:fs';
import { runPhases, timeReopen } from './protocol.mjs';

const SYSTEMS = {
  'ours-wasm-node': async (spec) => (await import('./systems/ours-node.mjs')).create(spec, { native: false }),
  'ours-native': async (spec) => (await import('./systems/ours-node.mjs')).create(spec, { native: true }),
  'ours-native-int8': async (spec) => (await import('./systems/ours-node.mjs')).create(spec, { native: true }),
  'ours-native-hnsw': async (spec) => (await import('./systems/ours-node.mjs')).create(spec, { native: true }),
  'sqlite-vec-native': async (spec) => (await import('./systems/sqlite-vec-native.mjs')).create(spec),
  'hnswlib-node': async (spec) => (await import('./systems/hnswlib-node.mjs')).create(spec),
};

function readF32(file, count) {
  const fd = fs.openSync(file, 'r');
  try {
    const bytes = count === undefined ? fs.fstatSync(fd).size : count * 4;
    const out = new Float32Array(bytes / 4);
    fs.readSync(fd, new Uint8Array(out.buffer), 0, bytes, 0);
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

async function main(spec) {
  const make = SYSTEMS[spec.system];
  if (!make) throw new Error(`no Node adapter for ${spec.system}`);
  if (spec.mode === 'reopen') {
    const query = readF32(spec.queriesFile, spec.dim);
    const rssBase = process.memoryUsage().rss;
    const t0 = performance.now();
    const adapter = await make(spec); // libraries load in open(), inside the timed span
    const makeMs = performance.now() - t0;
    const r = await timeReopen(adapter, query, { path: spec.opts.path, dim: spec.dim });
    return { ...r, ms: r.ms + makeMs, rssBase };
  }
  const data = { base: readF32(spec.baseFile), queries: readF32(spec.queriesFile), dim: spec.dim, n: spec.n };
  const adapter = await make(spec);
  return runPhases(adapter, data, spec.opts, (m) => process.send({ log: m }));
}

process.once('message', (spec) => {
  main(spec).then(
    (result) => process.send({ ok: true, result }, () => process.exit(0)),
    (e) => process.send({ ok: false, error: String(e?.message ?? e), code: e?.code ?? null }, () => process.exit(0)),
  );
});
