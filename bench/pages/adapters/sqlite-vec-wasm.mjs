// sqlite-vec in the browser (npm sqlite-vec-wasm-demo 0.1.7-alpha.2): exact KNN through vec0
// (`WHERE embedding MATCH ? AND k = ?`), run in a dedicated worker like ours, vectors and
// queries posted to it as copies.
export function create() {
  let worker = null;
  let next = 1;
  const pending = new Map();
  const call = (op, args, transfer = []) => new Promise((resolve, reject) => {
    const id = next++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, op, args }, transfer);
  });
  const built = new Set();
  // One worker (and one opfs-sahpool) for the page's life, as an application would keep it.
  const start = () => new Promise((resolve, reject) => {
    worker = new Worker('/bench/pages/sqlite-vec-worker.mjs', { type: 'module' });
    worker.onmessage = ({ data }) => {
      if (data.ready) return resolve();
      const p = pending.get(data.id);
      pending.delete(data.id);
      if (data.ok) p.resolve(data.result);
      else p.reject(new Error(data.error));
    };
    worker.onerror = (e) => reject(new Error(`worker failed: ${e.message}`));
  });
  const adapter = {
    name: 'sqlite-vec-wasm',
    storage: null,
    metrics: ['cosine', 'euclidean'],
    notes: ['timed batch/single inserts go into the L2 vec0 table; the cosine table is built afterwards, untimed; h and c are vec0 metadata columns (filtered KNN: `AND h = ?` in the MATCH query)'],
    filters: true,
    naReason: () => 'vec0 has no dot-product distance (l2, cosine, l1 only)',
    async open({ path, dim, reopen }) {
      if (!worker) await start(); // inside the timed span of a reopen
      const info = await call('open', { path, dim, reopen });
      adapter.storage = info.storage;
      const note = `sqlite-vec ${info.version}, SQLite ${info.sqlite}, storage ${info.storage}`;
      if (!adapter.notes.includes(note)) adapter.notes.push(note);
      if (reopen) built.add('cosine');
    },
    async insertBatch(base, dim, from, count) {
      const flat = base.slice(from * dim, (from + count) * dim);
      await call('insertBatch', { flat, from, count, dim }, [flat.buffer]);
    },
    async insertOne(base, dim, i) {
      const flat = base.slice(i * dim, (i + 1) * dim);
      await call('insertOne', { flat, i, dim }, [flat.buffer]);
    },
    async prepareMetric(metric, base, dim, n, batch) {
      if (metric !== 'cosine' || built.has('cosine')) return;
      const flat = base.slice(0, n * dim);
      const ms = await call('buildTable', { name: 'vec_cos', flat, n, dim, batch }, [flat.buffer]);
      adapter.notes.push(`cosine vec0 table built in ${(ms / 1000).toFixed(2)} s (${Math.round((n * 1000) / ms)} vectors/s)`);
      built.add('cosine');
    },
    async search(q, k, metric, filter) {
      const copy = q.slice();
      return call('search', { q: copy, k, metric, filter: filter ? { field: filter.field, value: filter.value } : null }, [copy.buffer]);
    },
    async close() {
      await call('close');
      built.clear();
    },
    memory: () => call('memory'),
  };
  return adapter;
}
