// The dispatcher: runs `{op, args}` requests against one open database of either binding
// (the wasm build, or the native addon adapted by native.js; both satisfy binding.d.ts).
// Shared by the browser worker (requests over postMessage) and the Node entry (in process).
// Requests run strictly one after another, and concurrent writes share transactions
// (queue.js).
import { uuid7 } from './uuid7.js';
import { createQueue } from './queue.js';

/**
 * The write operations, and what each means to other tabs. One line per operation:
 * - `change`: the `op` of the onChange event a committed call fires, and `ids(args, result)`
 *   the ids it touched (null: nothing changed, no event);
 * - `settle(db, args)`: for a call that a leader tab may or may not have committed before it
 *   died (share.js). Runs on the new leader, in the queue; returns `{ result }` when the call
 *   is provably already applied (answer that, run nothing), or null to run it now. Without
 *   `settle`, running the call again is harmless (it is idempotent in effect);
 * - `prepare(args)`: what a forwarding tab sends instead of `args` (follower.js), so that
 *   `settle` can recognise the call.
 */
export const WRITES = {
  insertBatch: { change: 'insert', ids: (args, ids) => ids, settle: settleInsert, prepare: nameAll },
  delete: { change: 'delete', ids: ({ id }, deleted) => (deleted ? [id] : null) },
  // Running these again after a lost answer leaves the same state (their answers may differ:
  // a repeated deleteMany counts 0), so they need no `settle`.
  upsertBatch: { change: 'upsert', ids: (args, ids) => ids },
  update: { change: 'update', ids: ({ id }, updated) => (updated ? [id] : null) },
  deleteMany: { change: 'delete', ids: ({ ids, filter }, n) => (n > 0 ? (filter === undefined ? ids ?? [] : []) : null) },
  compact: { change: 'compact', ids: () => [] },
  createIndex: {},
  dropIndex: {},
};

/** A forwarded batch names its vectors itself (UUID v7, as the core would). */
function nameAll(args) {
  return args.ids.includes(null) ? { ...args, ids: args.ids.map((id) => id ?? uuid7()) } : args;
}

/**
 * An insertBatch is all or nothing, and the ids of a forwarded batch are all known (share.js
 * fills generated ones in before sending). So: the first id absent → it did not commit, run
 * it; every id present with exactly this batch's embedding and metadata → it committed,
 * answer its ids; anything else → run it (the core then refuses it with DUPLICATE_ID).
 */
function settleInsert(db, { ids, flat, lengths, metadata }) {
  if (ids.length === 0 || ids.some((id) => typeof id !== 'string')) return null;
  let at = 0;
  for (let i = 0; i < ids.length; i++) {
    const stored = db.get(ids[i]);
    if (stored instanceof Promise) return null; // async bindings (native) never lead tabs
    if (!stored || !sameVector(stored, flat.subarray(at, at + lengths[i]), metadata[i])) return null;
    at += lengths[i];
  }
  return { result: ids };
}

function sameVector(stored, embedding, metadata) {
  const e = stored.embedding;
  if (e.length !== embedding.length || e.some((x, i) => !Object.is(x, embedding[i]))) return false;
  const json = (text) => (text == null ? null : JSON.stringify(JSON.parse(text)));
  return json(stored.metadata) === json(metadata);
}

/**
 * @param {import('./binding').Binding} binding
 * @param {{ persist: boolean, acquire?: (path: string) => Promise<() => void>,
 *   changed?: (event: { op: string, ids: string[] }) => void }} env
 *   `persist`: store in OPFS; `acquire`: takes the cross-tab lock for a path, resolving to
 *   its release function, or rejecting with `{code: 'LOCKED'}`; `changed`: told of every
 *   committed write (WRITES), in commit order, before the next call starts.
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

  /** A committed write: its onChange event, and with relaxed durability a flush soon. */
  function committed(op, args, result) {
    const write = WRITES[op];
    const ids = write?.change && write.ids(args, result);
    if (ids) env.changed?.({ op: write.change, ids: [...ids] });
    if (relaxed && !flushTimer && write?.change) {
      flushTimer = setTimeout(() => {
        flushTimer = null;
        handle('flush').catch(() => {}); // a failed sync is retried after the next write
      }, 1000);
      flushTimer.unref?.(); // never keeps a Node process alive: exiting loses nothing
    }
  }

  /**
   * Runs one call after every earlier one (concurrent writes may share a transaction; each
   * still settles, and fires its onChange event, as it would alone). `onStart()` is called
   * just before it runs (it may throw to refuse it); `recover: true` first asks the write's
   * `settle` (see WRITES).
   */
  const handle = createQueue({
    begin(op, args, { onStart } = {}) {
      if (!ops[op]) throw { code: 'INTERNAL', message: `unknown operation ${op}` };
      onStart?.();
    },
    async run(op, args, { recover = false } = {}) {
      const write = WRITES[op];
      if (recover && write?.settle) {
        const done = write.settle(open(), args);
        if (done) return done.result;
      }
      const result = await ops[op](args);
      committed(op, args, result);
      return result;
    },
    merged: (op, args) => ops[op](args),
    committed,
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
