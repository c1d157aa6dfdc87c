// Issue 11's write path, run on the page (the user's view: page → our worker → OPFS) in the
// profile run.mjs chose (persistent, or a private context): the raw OPFS write probe, batch
// inserts with and without ids (time of every batch), concurrent and sequential single
// inserts (strict and relaxed durability), then the count of OPFS write calls.
import { attributesOf } from '../lib/protocol.mjs';

const now = () => performance.now();

/** Runs one op in a new bench/pages/opfs-worker.mjs and ends the worker. */
export function inWorker(url, op, spec, log) {
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { type: 'module' });
    w.onerror = (e) => { w.terminate(); reject(new Error(`${url}: ${e.message ?? 'worker error'}`)); };
    w.onmessage = ({ data }) => {
      if (data.ready) w.postMessage({ op, spec });
      else if (data.log) log(data.log);
      else {
        w.terminate();
        if (data.ok) resolve(data.result);
        else reject(new Error(data.error));
      }
    };
  });
}

async function fetchF32(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Float32Array(await r.arrayBuffer());
}

const row = (base, dim, r, withId = true) => ({
  ...(withId ? { id: String(r) } : {}),
  embedding: base.subarray(r * dim, (r + 1) * dim),
  metadata: attributesOf(r),
});

async function batches(lib, path, base, dim, n, batchSize, withId) {
  const db = await lib.createVectorDB({ path, dimension: dim });
  await db.initialize();
  const ms = [];
  const t0 = now();
  for (let from = 0; from < n; from += batchSize) {
    const vs = [];
    for (let r = from; r < Math.min(n, from + batchSize); r++) vs.push(row(base, dim, r, withId));
    const t = now();
    await db.insertBatch(vs);
    ms.push(now() - t);
  }
  const total = now() - t0;
  await db.close();
  return { n, batchSize, ms: total, rate: (n * 1000) / total, batchMs: ms, lastOverFirst: ms.at(-1) / ms[0], f32MBps: (n * dim * 4) / 1e6 / (total / 1000) };
}

async function concurrent(lib, path, base, dim, count, durability) {
  const db = await lib.createVectorDB({ path, dimension: dim, durability });
  await db.initialize();
  const t0 = now();
  await Promise.all(Array.from({ length: count }, (_, r) => db.insert(row(base, dim, r))));
  const ms = now() - t0;
  await db.close();
  return { n: count, ms, rate: (count * 1000) / ms, durability };
}

async function sequential(lib, path, base, dim, count, budgetMs, durability) {
  const db = await lib.createVectorDB({ path, dimension: dim, durability });
  await db.initialize();
  const t0 = now();
  let n = 0;
  while (n < count) {
    await db.insert(row(base, dim, n));
    n++;
    if (now() - t0 > budgetMs) break;
  }
  const ms = now() - t0;
  await db.close();
  return { n, ms, rate: (n * 1000) / ms, durability };
}

export async function runWrites(spec, log) {
  const { dim, n, opts: o } = spec;
  const out = { storage: 'opfs', profile: spec.private ? 'private (browser.newContext)' : 'persistent (launchPersistentContext)' };
  log(`raw OPFS write probe: ${o.probeBytes / 2 ** 20} MiB in ${o.probeChunks.map((c) => `${c / 1024} KiB`).join(' and ')} calls`);
  try {
    out.probe = await inWorker('/bench/pages/opfs-worker.mjs', 'probe', { totalBytes: o.probeBytes, chunks: o.probeChunks }, log);
  } catch (e) {
    out.probe = { error: String(e.message ?? e).split('\n')[0] };
  }
  const base = await fetchF32(spec.baseUrl);
  const lib = await import('/dist/sqlite-vector.js');
  log(`batch insert with ids (${n} in batches of ${o.batchSize})`);
  out.batchInsert = await batches(lib, 'w-ids.db', base, dim, n, o.batchSize, true);
  log('batch insert with generated ids');
  out.generatedIds = await batches(lib, 'w-gen.db', base, dim, n, o.batchSize, false);
  log(`concurrent single inserts (Promise.all of ${o.concurrent}), strict`);
  out.concurrentStrict = await concurrent(lib, 'w-conc.db', base, dim, Math.min(o.concurrent, n), 'strict');
  log(`concurrent single inserts (Promise.all of ${o.concurrent}), relaxed`);
  out.concurrentRelaxed = await concurrent(lib, 'w-conc-relaxed.db', base, dim, Math.min(o.concurrent, n), 'relaxed');
  log('sequential single inserts, strict');
  out.sequentialStrict = await sequential(lib, 'w-seq.db', base, dim, Math.min(o.singleCount, n), o.singleBudgetMs, 'strict');
  log('sequential single inserts, relaxed');
  out.sequentialRelaxed = await sequential(lib, 'w-seq-relaxed.db', base, dim, Math.min(o.relaxedCount, n), o.singleBudgetMs, 'relaxed');
  log('OPFS write calls of our VFS (database in a worker with FileSystemSyncAccessHandle.prototype.write counted)');
  try {
    out.writeCalls = await inWorker('/bench/pages/opfs-worker.mjs', 'countWrites', { baseUrl: spec.baseUrl, dim, n, batch: o.batchSize, singles: 100 }, log);
  } catch (e) {
    out.writeCalls = { error: String(e.message ?? e).split('\n')[0] };
  }
  return out;
}
