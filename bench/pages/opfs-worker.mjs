// Issue 11's write-path worker. `probe`: the machine's raw OPFS write speed, a file written
// through one FileSystemSyncAccessHandle in calls of a fixed size (then flushed), the physical
// limit our VFS writes against. `countWrites`: our package created in this worker (the database
// runs here, the same VFS as in our own worker) with FileSystemSyncAccessHandle.prototype.write
// wrapped, to count write calls and bytes per call of a batch insert and of single inserts.
import { attributesOf } from '../lib/protocol.mjs';

const SAH = globalThis.FileSystemSyncAccessHandle?.prototype;
const counts = { write: 0, writeBytes: 0, read: 0, readBytes: 0, flush: 0, truncate: 0 };
const sizes = new Map();
if (SAH && !SAH.__benchCounted) {
  const { write, read, flush, truncate } = SAH;
  SAH.write = function (buf, opts) {
    counts.write++;
    counts.writeBytes += buf.byteLength;
    sizes.set(buf.byteLength, (sizes.get(buf.byteLength) ?? 0) + 1);
    return write.call(this, buf, opts);
  };
  SAH.read = function (buf, opts) {
    counts.read++;
    counts.readBytes += buf.byteLength;
    return read.call(this, buf, opts);
  };
  SAH.flush = function () { counts.flush++; return flush.call(this); };
  SAH.truncate = function (n) { counts.truncate++; return truncate.call(this, n); };
  SAH.__benchCounted = true;
}
function snapshot() {
  const s = { ...counts };
  for (const k of Object.keys(counts)) counts[k] = 0;
  const top = [...sizes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([bytes, calls]) => ({ bytes, calls }));
  sizes.clear();
  return { ...s, bytesPerWrite: s.write ? s.writeBytes / s.write : null, commonSizes: top };
}

async function fetchF32(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Float32Array(await r.arrayBuffer());
}

const OPS = {
  /** Writes `totalBytes` in `chunk`-byte calls to a new OPFS file, per chunk size; MB/s incl. flush. */
  async probe({ totalBytes, chunks }) {
    const root = await navigator.storage.getDirectory();
    const out = [];
    for (const chunk of chunks) {
      const name = `bench-probe-${chunk}.bin`;
      const fh = await root.getFileHandle(name, { create: true });
      const h = await fh.createSyncAccessHandle();
      const buf = new Uint8Array(chunk);
      for (let i = 0; i < chunk; i++) buf[i] = (i * 31) & 255;
      const calls = Math.ceil(totalBytes / chunk);
      h.truncate(0);
      snapshot();
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) h.write(buf, { at: i * chunk });
      const t1 = performance.now();
      h.flush();
      const ms = performance.now() - t0;
      h.close();
      await root.removeEntry(name);
      snapshot();
      const bytes = calls * chunk;
      out.push({ chunk, bytes, calls, ms, writeMs: t1 - t0, flushMs: ms - (t1 - t0), mbps: bytes / 1e6 / (ms / 1000), msPerCall: (t1 - t0) / calls });
    }
    return out;
  },
  /** Our batch insert (with ids) and single inserts in this worker, counting OPFS calls. */
  async countWrites({ baseUrl, dim, n, batch, singles }) {
    const base = await fetchF32(baseUrl);
    const { createVectorDB } = await import('/dist/sqlite-vector.js');
    const db = await createVectorDB({ path: 'bench-count.db', dimension: dim });
    await db.initialize();
    snapshot();
    const count = Math.min(batch, n - singles);
    const vs = [];
    for (let r = 0; r < count; r++) vs.push({ id: String(r), embedding: base.subarray(r * dim, (r + 1) * dim), metadata: attributesOf(r) });
    let t0 = performance.now();
    await db.insertBatch(vs);
    const batchOut = { vectors: count, f32Bytes: count * dim * 4, ms: performance.now() - t0, ...snapshot() };
    t0 = performance.now();
    for (let i = 0; i < singles; i++) {
      const r = count + i;
      await db.insert({ id: String(r), embedding: base.subarray(r * dim, (r + 1) * dim), metadata: attributesOf(r) });
    }
    const singleOut = { calls: singles, ms: performance.now() - t0, ...snapshot() };
    await db.close();
    // The same single inserts with durability 'relaxed' (a new database): fewer flushes expected.
    const rdb = await createVectorDB({ path: 'bench-count-relaxed.db', dimension: dim, durability: 'relaxed' });
    await rdb.initialize();
    snapshot();
    t0 = performance.now();
    for (let r = 0; r < singles; r++) {
      await rdb.insert({ id: String(r), embedding: base.subarray(r * dim, (r + 1) * dim), metadata: attributesOf(r) });
    }
    const relaxedOut = { calls: singles, ms: performance.now() - t0, ...snapshot() };
    await rdb.close();
    return { batch: batchOut, single: singleOut, singleRelaxed: relaxedOut, counted: !!SAH };
  },
};

self.onmessage = ({ data: { op, spec } }) => {
  OPS[op](spec).then(
    (result) => postMessage({ ok: true, result }),
    (e) => postMessage({ ok: false, error: String(e?.stack ?? e?.message ?? e) }),
  );
};
postMessage({ ready: true });
