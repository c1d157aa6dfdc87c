// The dispatcher: runs `{op, args}` requests against one open database of either binding
// (the wasm build, or the native addon adapted by native.js; both satisfy binding.d.ts).
// Shared by the browser worker (requests over postMessage) and the Node entry (in process).
// Requests run strictly one after another, and concurrent writes share transactions
// (queue.js).
import { createQueue } from './queue.js';

/**
 * @param {import('./binding').Binding} binding
 * @param {{ persist: boolean, acquire?: (path: string) => Promise<() => void> }} env
 *   `persist`: store in OPFS; `acquire`: takes the cross-tab lock for a path, resolving to
 *   its release function, or rejecting with `{code: 'LOCKED'}`.
 */
export function createDispatcher(binding, env) {
  /** @type {import('./binding').Database | null} */
  let db = null;
  let release = null;
  // Relaxed durability: commits are synced by a flush within a second of a write.
  let relaxed = false;
  let flushTimer = null;

  const ops = {
    async open(config) {
      if (db) return db.stats();
      const { data, ...rest } = config ?? {};
      const path = rest.path ?? ':memory:';
      const persist = env.persist && path !== ':memory:';
      if (persist && env.acquire) release = await env.acquire(path);
      try {
        db = await binding.openDatabase(rest, persist, data ?? undefined);
        relaxed = rest.durability === 'relaxed';
      } catch (e) {
        release?.();
        release = null;
        throw e;
      }
      return db.stats();
    },
    insertBatch: ({ ids, flat, lengths, metadata }) => open().insertBatch(ids, flat, lengths, metadata),
    upsertBatch: ({ ids, flat, lengths, metadata }) => open().upsertBatch(ids, flat, lengths, metadata),
    update: ({ id, embedding, metadata }) => open().update(id, embedding, metadata),
    deleteMany: ({ ids, filter }) => open().deleteMany(ids, filter),
    compact: () => open().compact(),
    flush: () => db?.flush(),
    search: ({ query, k, options }) => open().search(query, k, options),
    // The queries packed back to back (`lengths` floats each); one search per query, in
    // order. The first failure rejects the whole call: nothing partial is returned.
    async searchBatch({ flat, lengths, k, options }) {
      const d = open();
      const out = new Array(lengths.length);
      let at = 0;
      for (let i = 0; i < lengths.length; i++) {
        out[i] = await d.search(flat.subarray(at, at + lengths[i]), k, options);
        at += lengths[i];
      }
      return out;
    },
    get: ({ id }) => open().get(id),
    delete: ({ id }) => open().delete(id),
    stats: () => open().stats(),
    export: () => open().export(),
    createIndex: ({ options }) => open().createIndex(options),
    dropIndex: () => open().dropIndex(),
    info: () => open().info(),
    async close() {
      clearTimeout(flushTimer);
      flushTimer = null;
      if (!db) return;
      try {
        await db.close();
      } finally {
        db.free?.();
        db = null;
        release?.();
        release = null;
      }
    },
  };

  function open() {
    if (!db) throw { code: 'CLOSED', message: 'the database is not open' };
    return db;
  }

  const WRITES = new Set(['insertBatch', 'upsertBatch', 'update', 'delete', 'deleteMany']);
  const handle = createQueue(async (op, args) => {
    const fn = ops[op];
    if (!fn) throw { code: 'INTERNAL', message: `unknown operation ${op}` };
    const result = await fn(args);
    if (relaxed && !flushTimer && WRITES.has(op)) {
      flushTimer = setTimeout(() => {
        flushTimer = null;
        handle('flush').catch(() => {}); // a failed sync is retried after the next write
      }, 1000);
      flushTimer.unref?.(); // never keeps a Node process alive: exiting loses nothing
    }
    return result;
  });
  return handle;
}

/** A thrown value as the `{code, message}` envelope that crosses the worker boundary. */
export function toEnvelope(e) {
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    return { code: e.code, message: String(e.message ?? e.code) };
  }
  const message = String(e?.message ?? e);
  // A Rust panic surfaces as a WebAssembly RuntimeError.
  return { code: 'INTERNAL', message: e?.name === 'RuntimeError' ? `wasm trap: ${message}` : message };
}

/** The buffers of a result (or of each result of a batch) to transfer instead of copying. */
export function transferablesOf(result) {
  const out = new Set(); // a buffer listed twice would make postMessage throw
  const add = (r) => {
    if (!r || typeof r !== 'object') return;
    for (const v of ArrayBuffer.isView(r) ? [r] : [r.scores, r.embeddings, r.embedding]) {
      if (ArrayBuffer.isView(v)) out.add(v.buffer);
    }
  };
  if (Array.isArray(result)) result.forEach(add);
  else add(result);
  return [...out];
}
