// sqlite-vec-wasm-demo 0.1.7-alpha.2 (SQLite's official wasm build with vec0) in a dedicated
// worker. Storage: OPFS through SQLite's own opfs-sahpool VFS when it installs (durable, the
// same kind of storage as ours), otherwise :memory:. One vec0 table per metric (a vec0 column
// has one distance metric): vec_l2 (euclidean) and vec_cos (cosine); vec0 has no dot product.
// The attributes h and c are vec0 metadata columns, filtered in the KNN query's WHERE.
import { wasmHeapBytes } from './wasm-memory.mjs';
import { attributesOf } from '../lib/protocol.mjs';
import sqlite3InitModule from '/bench/node_modules/sqlite-vec-wasm-demo/sqlite3.mjs';

let sqlite3 = null;
let pool = null;
let poolError = null;
let db = null;
let storage = null;
const stmts = {};
const TABLES = { euclidean: 'vec_l2', cosine: 'vec_cos' };

const blob = (flat, i, dim) => new Uint8Array(flat.buffer, flat.byteOffset + i * dim * 4, dim * 4);

function table(name, dim) {
  const metric = name === 'vec_cos' ? ' distance_metric=cosine' : '';
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${name} USING vec0(embedding float[${dim}]${metric}, h integer, c integer)`);
}

function insertRows(name, flat, from, count, dim, txn) {
  const st = (stmts[`ins:${name}`] ??= db.prepare(`INSERT INTO ${name}(rowid, embedding, h, c) VALUES (?, ?, ?, ?)`));
  if (txn) db.exec('BEGIN');
  try {
    for (let i = 0; i < count; i++) {
      const a = attributesOf(from + i);
      st.bind([from + i + 1, blob(flat, i, dim), a.h, a.c]).stepReset();
    }
    if (txn) db.exec('COMMIT');
  } catch (e) {
    if (txn) db.exec('ROLLBACK');
    throw e;
  }
}

const ops = {
  async open({ path, dim, reopen }) {
    sqlite3 ??= await sqlite3InitModule({ print: () => {}, printErr: () => {} });
    if (!pool && !poolError) {
      // A previous page's worker may still be releasing its access handles: retry a little.
      for (let attempt = 0; !pool && attempt < 20; attempt++) {
        try {
          pool = await sqlite3.installOpfsSAHPoolVfs({ name: 'bench-sahpool', initialCapacity: 8 });
        } catch (e) {
          poolError = String(e?.message ?? e);
          await new Promise((r) => setTimeout(r, 150));
        }
      }
      if (pool) poolError = null;
    }
    if (pool) {
      db = new pool.OpfsSAHPoolDb(`/${path}`);
      storage = 'opfs (opfs-sahpool)';
    } else {
      db = new sqlite3.oo1.DB(':memory:');
      storage = `memory (opfs-sahpool unavailable: ${poolError})`;
    }
    if (!reopen) table('vec_l2', dim);
    return { storage, version: db.selectValue('select vec_version()'), sqlite: sqlite3.version.libVersion };
  },
  insertBatch({ flat, from, count, dim }) {
    insertRows('vec_l2', flat, from, count, dim, true);
  },
  insertOne({ flat, i, dim }) {
    insertRows('vec_l2', flat, i, 1, dim, false);
  },
  /** Builds the cosine table from the data (untimed: the timed insert is into vec_l2). */
  buildTable({ name, flat, n, dim, batch }) {
    table(name, dim);
    const t0 = performance.now();
    for (let from = 0; from < n; from += batch) {
      const count = Math.min(batch, n - from);
      insertRows(name, flat.subarray(from * dim, (from + count) * dim), from, count, dim, true);
    }
    return performance.now() - t0;
  },
  search({ q, k, metric, filter }) {
    const name = TABLES[metric];
    const vec = new Uint8Array(q.buffer, q.byteOffset, q.byteLength);
    let st;
    if (filter) {
      st = (stmts[`qf:${name}:${filter.field}`] ??= db.prepare(`SELECT rowid FROM ${name} WHERE embedding MATCH ? AND k = ? AND ${filter.field} = ?`));
      st.bind([vec, k, filter.value]);
    } else {
      st = (stmts[`q:${name}`] ??= db.prepare(`SELECT rowid FROM ${name} WHERE embedding MATCH ? AND k = ?`));
      st.bind([vec, k]);
    }
    const out = [];
    try {
      while (st.step()) out.push(st.get(0) - 1);
    } finally {
      st.reset();
    }
    return out;
  },
  close() {
    for (const k of Object.keys(stmts)) {
      stmts[k].finalize();
      delete stmts[k];
    }
    db.close();
    db = null;
  },
  memory: () => ({ wasmHeap: wasmHeapBytes() }),
};

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    postMessage({ id, ok: true, result: await ops[op](args) });
  } catch (e) {
    postMessage({ id, ok: false, error: String(e?.stack ?? e?.message ?? e) });
  }
};
postMessage({ ready: true });
