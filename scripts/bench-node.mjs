// Native addon vs the wasm build in Node, same data, same run (issue 3's figures; the full
// comparison with the peers is `npm run bench`).
//
//   node scripts/bench-node.mjs [--n=100000] [--dim=128] [--queries=200]
//
// Batch insert (native: a file on disk, synchronous=FULL; wasm: in memory), then exact k=10
// queries per metric. Prints vectors/s, ms per query and native/wasm ratios.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createNativeVectorDB, createWasmVectorDB } from '../dist/node.js';
import { mulberry32 } from '../tests/fixtures/rng.mjs';

const arg = (name, dflt) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const n = arg('n', 100_000);
const dim = arg('dim', 128);
const nq = arg('queries', 200);

const rand = mulberry32(42);
const vectors = Array.from({ length: n }, (_, i) => {
  const e = new Float32Array(dim);
  for (let j = 0; j < dim; j++) e[j] = rand() * 2 - 1;
  return { id: `v${i}`, embedding: e };
});
const queries = Array.from({ length: nq }, () => Float32Array.from({ length: dim }, () => rand() * 2 - 1));

async function measure(name, db) {
  await db.initialize();
  let t = performance.now();
  await db.insertBatch(vectors);
  const insertMs = performance.now() - t;
  const out = { name, insertPerSec: n / (insertMs / 1000) };
  for (const metric of ['cosine', 'euclidean', 'dot']) {
    await db.search(queries[0], 10, { metric, includeEmbedding: false }); // warm up
    t = performance.now();
    for (const q of queries) await db.search(q, 10, { metric, includeEmbedding: false });
    out[metric] = (performance.now() - t) / nq;
  }
  out.kernel = (await db.info()).kernel;
  await db.close();
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-bench-node-'));
try {
  const native = await measure('native (file)', await createNativeVectorDB({ path: path.join(tmp, 'b.db') }));
  const wasm = await measure('wasm (memory)', await createWasmVectorDB());
  console.log(`${n} x ${dim}-d, ${nq} queries, k=10 (${os.cpus()[0]?.model}, ${os.cpus().length} cores)`);
  console.log('backend         kernel     insert vec/s   cosine ms  euclid ms  dot ms');
  for (const r of [native, wasm]) {
    console.log(`${r.name.padEnd(15)} ${r.kernel.padEnd(10)} ${Math.round(r.insertPerSec).toString().padStart(12)}   ${r.cosine.toFixed(3).padStart(9)}  ${r.euclidean.toFixed(3).padStart(9)}  ${r.dot.toFixed(3).padStart(6)}`);
  }
  console.log(`native/wasm: insert ${(native.insertPerSec / wasm.insertPerSec).toFixed(2)}x, ` +
    `query speed cosine ${(wasm.cosine / native.cosine).toFixed(2)}x, euclidean ${(wasm.euclidean / native.euclidean).toFixed(2)}x, dot ${(wasm.dot / native.dot).toFixed(2)}x`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
