// The scale bench's worker (bench/scale.mjs, driven through bench/pages/scale.html): it
// generates syn768-style rows itself (bench/lib/syngen.mjs, so no gigabytes cross the page),
// creates our database right here (createVectorDB inside a dedicated worker runs it on this
// thread, over OPFS), creates the binary flat index on the empty database, loads n rows in
// batches, then times queries at several rescore values and `exact: true`, and finally
// computes the exact cosine top-k by regenerating the rows in nested workers
// (scale-gt-worker.mjs). Messages to the page: {log}, {partial} (the result so far, so a
// crash still leaves figures), then {ok, result} or {ok: false, error}.
import { wasmHeapBytes } from './wasm-memory.mjs'; // first: records every wasm memory of this realm
import { centresFor, rowStream, queryRows } from '../lib/syngen.mjs';

const now = () => performance.now();
const log = (m) => postMessage({ log: m });
const MB = 1e6;
const errInfo = (e) => ({ code: e?.code ?? null, name: e?.name ?? null, message: String(e?.message ?? e).split('\n')[0] });

async function heapBytes() {
  const hooked = wasmHeapBytes();
  if (hooked) return hooked;
  try {
    // (only called once the library has initialised its glue: initSync() then returns the live instance)
    return (await import('/dist/sqlite_vector_wasm.js')).initSync().memory.buffer.byteLength;
  } catch {
    return null;
  }
}

function groundTruth(spec, queries, want) {
  // Split the queries over `gtWorkers` nested workers; each regenerates the whole base stream.
  const { dim, k } = spec;
  const nq = queries.length / dim;
  const parts = Math.max(1, Math.min(spec.gtWorkers, nq));
  const per = Math.ceil(nq / parts);
  return Promise.all(Array.from({ length: parts }, (_, p) => new Promise((resolve, reject) => {
    const from = p * per, to = Math.min(nq, from + per);
    const w = new Worker(new URL('./scale-gt-worker.mjs', import.meta.url), { type: 'module' });
    w.onerror = (e) => { w.terminate(); reject(new Error(`ground-truth worker: ${e.message ?? 'error'}`)); };
    w.onmessage = ({ data }) => {
      if (data.progress !== undefined) {
        if (p === 0) log(`ground truth: ${data.progress} / ${spec.loaded} rows regenerated (${(data.ms / 1000).toFixed(0)} s)`);
        return;
      }
      w.terminate();
      if (!data.ok) reject(new Error(data.error));
      else resolve({ from, to, ...data.result });
    };
    const mine = want.filter(([, q]) => q >= from && q < to).map(([row, q]) => [row, q - from]);
    w.postMessage({ dim, n: spec.loaded, chunk: spec.batch, queries: queries.slice(from * dim, to * dim), k, want: mine });
  }))).then((ps) => {
    const ids = new Int32Array(nq * k), keys = new Float64Array(nq * k);
    const extra = new Map(); // `${q}:${row}` → exact cosine
    let ms = 0;
    for (const p of ps) {
      ids.set(p.topIds, p.from * k);
      keys.set(p.topKeys, p.from * k);
      for (const [row, q, key] of p.wantKeys) extra.set(`${q + p.from}:${row}`, key);
      ms = Math.max(ms, p.ms);
    }
    return { ids, keys, extra, ms };
  });
}

/** recall@k as bench/lib/data.mjs counts it: in the true top k, or tied with the k-th within 1e-5. */
function recallOf(results, gt, k) {
  let hit = 0, strict = 0, total = 0, short = 0;
  for (let q = 0; q < results.length; q++) {
    const got = results[q];
    if (!got) continue;
    const truth = new Set(gt.ids.subarray(q * k, (q + 1) * k));
    const kth = gt.keys[q * k + k - 1];
    if (got.length < k) short++;
    const seen = new Set();
    for (const id of got.slice(0, k)) {
      if (seen.has(id)) continue;
      seen.add(id);
      if (truth.has(id)) { hit++; strict++; continue; }
      const key = gt.extra.get(`${q}:${id}`);
      if (key !== undefined && key >= kth - 1e-5) hit++;
    }
    total += k;
  }
  return { recall: total ? hit / total : null, strict: total ? strict / total : null, queries: total / k, short };
}

async function timeQueries(db, queries, dim, k, opts, { maxQueries, budgetMs, warmup }) {
  const nq = queries.length / dim;
  const q = (i) => queries.subarray(i * dim, (i + 1) * dim);
  for (let i = 0; i < Math.min(warmup, nq); i++) await db.search(q(nq - 1 - i), k, { ...opts, includeEmbedding: false });
  const results = [];
  const lat = [];
  const t0 = now();
  for (let i = 0; i < Math.min(maxQueries, nq); i++) {
    const t = now();
    const hits = await db.search(q(i), k, { ...opts, includeEmbedding: false });
    lat.push(now() - t);
    results.push(hits.map((h) => Number(h.id)));
    if (now() - t0 > budgetMs) break;
  }
  const ms = now() - t0;
  lat.sort((a, b) => a - b);
  return {
    queries: results.length, ms, qps: (results.length * 1000) / ms,
    msPerQuery: { mean: ms / results.length, p50: lat[Math.floor(lat.length / 2)], p95: lat[Math.min(lat.length - 1, Math.floor(lat.length * 0.95))], max: lat.at(-1) },
    results,
  };
}

async function run(spec) {
  const { n, dim, batch, k } = spec;
  const out = { n, dim, batch, k, where: 'dedicated worker (createVectorDB inside bench/pages/scale-worker.mjs), OPFS', phases: {}, failures: [] };
  const partial = () => postMessage({ partial: JSON.parse(JSON.stringify(out, (key, v) => (key === 'results' ? undefined : v))) });
  const heap = {};
  out.heap = heap;

  const t0 = now();
  const lib = await import('/dist/sqlite-vector.js');
  const db = await lib.createVectorDB({ path: spec.path, dimension: dim });
  await db.initialize();
  out.phases.openMs = now() - t0;
  heap.afterOpen = await heapBytes();
  const createIndex = async () => {
    const t1 = now();
    await db.createIndex({ type: 'flat', quantization: 'binary' });
    out.phases.createIndexMs = now() - t1;
    heap.afterCreateIndex = await heapBytes();
  };
  out.indexCreated = spec.indexAfterLoad ? 'after the load (control: the quantizer trains on every row)' : 'on the empty database, before the load';
  if (!spec.indexAfterLoad) await createIndex();
  log(`database open in this worker (${out.phases.openMs.toFixed(0)} ms), binary flat index ${out.indexCreated}; heap ${((heap.afterCreateIndex ?? (await heapBytes())) / MB).toFixed(1)} MB`);

  // ---- load ----
  const centres = centresFor(dim);
  const gen = rowStream(dim, centres, 'base');
  const load = { batches: 0, rows: 0, genMs: 0, insertMs: 0, wallMs: 0, progress: [], batchMs: { min: Infinity, max: 0 } };
  out.load = load;
  const tl = now();
  let lastReport = tl, lastRows = 0, lastInsertMs = 0;
  for (let from = 0; from < n; from += batch) {
    const count = Math.min(batch, n - from);
    const tg = now();
    const buf = gen.fill(new Float32Array(count * dim), count);
    const vs = new Array(count);
    for (let i = 0; i < count; i++) vs[i] = { id: String(from + i), embedding: buf.subarray(i * dim, (i + 1) * dim) };
    load.genMs += now() - tg;
    const ti = now();
    try {
      await db.insertBatch(vs);
    } catch (e) {
      load.error = { atRow: from, ...errInfo(e) };
      out.failures.push({ phase: 'load', ...load.error });
      log(`insertBatch at row ${from} failed: ${load.error.code ?? ''} ${load.error.message}`);
      break;
    }
    const bms = now() - ti;
    load.insertMs += bms;
    load.batchMs.min = Math.min(load.batchMs.min, bms);
    load.batchMs.max = Math.max(load.batchMs.max, bms);
    if (load.batches === 0) load.batchMs.first = bms;
    load.batchMs.last = bms;
    load.batches++;
    load.rows += count;
    const t = now();
    if (t - lastReport >= spec.reportMs || load.rows === n) {
      const h = await heapBytes();
      const dRows = load.rows - lastRows, dIns = load.insertMs - lastInsertMs;
      const p = {
        rows: load.rows, wallS: (t - tl) / 1000, heapMB: h / MB,
        insertRate: (load.rows * 1000) / load.insertMs, recentInsertRate: (dRows * 1000) / dIns,
        wallRate: (load.rows * 1000) / (t - tl),
      };
      load.progress.push(p);
      log(`loaded ${p.rows} / ${n} in ${p.wallS.toFixed(0)} s: insert ${p.insertRate.toFixed(0)} vectors/s (${((p.insertRate * dim * 4) / MB).toFixed(1)} MB/s; last ${dRows}: ${p.recentInsertRate.toFixed(0)}/s), with generation ${p.wallRate.toFixed(0)}/s; heap ${p.heapMB.toFixed(1)} MB`);
      lastReport = t; lastRows = load.rows; lastInsertMs = load.insertMs;
      partial();
    }
  }
  load.wallMs = now() - tl;
  if (spec.indexAfterLoad) {
    await createIndex();
    log(`createIndex after the load: ${(out.phases.createIndexMs / 1000).toFixed(1)} s`);
  }
  load.insertRate = (load.rows * 1000) / load.insertMs;
  load.insertMBps = (load.rows * dim * 4) / MB / (load.insertMs / 1000);
  load.wallRate = (load.rows * 1000) / load.wallMs;
  load.wallMBps = (load.rows * dim * 4) / MB / (load.wallMs / 1000);
  spec.loaded = load.rows;
  heap.afterLoad = await heapBytes();
  try {
    const stats = await db.stats();
    out.stats = { count: stats.count, dimension: stats.dimension, size: stats.size, index: stats.index, backend: stats.backend, path: stats.path, persistent: stats.persistent };
  } catch (e) {
    out.failures.push({ phase: 'stats', ...errInfo(e) });
  }
  log(`load done: ${load.rows} rows, insert ${load.insertRate.toFixed(0)} vectors/s (${load.insertMBps.toFixed(1)} MB/s), with generation ${load.wallRate.toFixed(0)}/s; heap ${(heap.afterLoad / MB).toFixed(1)} MB; index.memoryBytes ${out.stats?.index?.memoryBytes}; file ${out.stats?.size}`);
  partial();
  if (!load.rows) throw new Error(`nothing loaded: ${load.error?.message}`);

  // ---- queries ----
  const queries = queryRows(dim, spec.nq, centres);
  const variants = [
    ...spec.rescores.map((r) => ({ name: `rescore=${r}`, opts: { rescore: r }, budget: { maxQueries: spec.nq, budgetMs: spec.queryBudgetMs, warmup: spec.warmup } })),
    ...(spec.exactQueries > 0 ? [{ name: 'exact:true', opts: { exact: true }, budget: { maxQueries: spec.exactQueries, budgetMs: spec.exactBudgetMs, warmup: 1 } }] : []),
  ];
  out.queries = [];
  for (const v of variants) {
    try {
      log(`queries ${v.name} (up to ${v.budget.maxQueries}, ${v.budget.budgetMs / 1000} s)`);
      const r = await timeQueries(db, queries, dim, k, v.opts, v.budget);
      const h = await heapBytes();
      out.queries.push({ name: v.name, opts: v.opts, ...r, heapAfter: h });
      log(`${v.name}: ${r.qps.toFixed(2)} q/s (${r.queries} queries, p50 ${r.msPerQuery.p50.toFixed(1)} ms), heap ${(h / MB).toFixed(1)} MB`);
    } catch (e) {
      out.queries.push({ name: v.name, opts: v.opts, error: errInfo(e) });
      out.failures.push({ phase: `queries ${v.name}`, ...errInfo(e) });
      log(`${v.name} failed: ${errInfo(e).message}`);
    }
    partial();
  }
  heap.afterQueries = await heapBytes();
  try {
    const stats = await db.stats();
    out.statsAfterQueries = { count: stats.count, size: stats.size, index: stats.index };
  } catch { /* recorded above if it fails */ }
  await db.close().catch((e) => out.failures.push({ phase: 'close', ...errInfo(e) }));

  // ---- ground truth (rows regenerated, nothing held) and recall ----
  if (spec.groundTruth) {
    log(`ground truth: exact cosine top ${k} of ${spec.nq} queries over ${load.rows} regenerated rows (${spec.gtWorkers} workers)`);
    const want = new Set();
    for (const v of out.queries) for (const [q, got] of (v.results ?? []).entries()) for (const id of got) want.add(`${id}:${q}`);
    try {
      const gt = await groundTruth(spec, queries, [...want].map((s) => s.split(':').map(Number)));
      out.groundTruth = { ms: gt.ms, queries: spec.nq, rows: load.rows, metric: 'cosine', workers: spec.gtWorkers, ids: Array.from(gt.ids), kth: Array.from({ length: spec.nq }, (_, q) => gt.keys[q * k + k - 1]) };
      for (const v of out.queries) if (v.results) Object.assign(v, { recall: recallOf(v.results, gt, k) });
      log(`ground truth in ${(gt.ms / 1000).toFixed(1)} s; recall@${k}: ${out.queries.map((v) => `${v.name} ${v.recall?.recall?.toFixed(3)}`).join(', ')}`);
    } catch (e) {
      out.failures.push({ phase: 'ground truth', ...errInfo(e) });
      log(`ground truth failed: ${errInfo(e).message}`);
    }
  }
  for (const v of out.queries) delete v.results;
  out.totalMs = now() - t0;
  return out;
}

self.onmessage = ({ data: { spec } }) => {
  run(spec).then(
    (result) => postMessage({ ok: true, result }),
    (e) => postMessage({ ok: false, error: String(e?.stack ?? e?.message ?? e) }),
  );
};
postMessage({ ready: true });
