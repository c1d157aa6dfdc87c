// Issue 9, item 4: the fixed cost of a call. One loop, run on the page (our worker behind a
// postMessage round trip) and inside a dedicated worker (createVectorDB runs the database on
// that thread): `count` single awaited searches against one `searchBatch` of the same queries
// (one message: its time per query is the scan itself plus next to nothing), and stats().
// Driven by bench/overhead.mjs; reports with postMessage (worker) or window.overheadResult (page).
import { createVectorDB } from '/dist/sqlite-vector.js';

function rand(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

export async function measure({ n = 10000, dim = 128, count = 500, path }) {
  const r = rand(7);
  const db = await createVectorDB({ path, dimension: dim });
  for (let at = 0; at < n; at += 5000) {
    await db.insertBatch(Array.from({ length: Math.min(5000, n - at) }, () => ({ embedding: Float32Array.from({ length: dim }, r) })));
  }
  const queries = Array.from({ length: count }, () => Float32Array.from({ length: dim }, r));
  const opts = { includeEmbedding: false };
  for (let i = 0; i < 20; i++) await db.search(queries[i], 10, opts); // warm up
  await db.searchBatch(queries.slice(0, 20), 10, opts);
  const best = async (f) => { let b = Infinity; for (let round = 0; round < 3; round++) { const t = performance.now(); await f(); b = Math.min(b, performance.now() - t); } return b; };
  const single = await best(async () => { for (const q of queries) await db.search(q, 10, opts); });
  const batch = await best(() => db.searchBatch(queries, 10, opts));
  const stats = await best(async () => { for (let i = 0; i < count; i++) await db.stats(); });
  await db.close();
  return { n, dim, count, singleMs: single / count, batchMs: batch / count, statsMs: stats / count, ratio: single / batch };
}

if (typeof window === 'undefined') {
  self.onmessage = ({ data }) => measure(data).then((result) => postMessage({ result }), (e) => postMessage({ error: String(e?.stack ?? e) }));
}
