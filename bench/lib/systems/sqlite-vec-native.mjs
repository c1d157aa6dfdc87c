// Native sqlite-vec (npm sqlite-vec, its prebuilt extension from the npm registry) loaded into
// better-sqlite3 (compiled from source by bench/setup.sh), file-backed, library defaults
// (rollback journal, synchronous=FULL). Exact KNN through vec0, one table per metric; the
// attributes h and c are vec0 metadata columns, filtered in the KNN query's WHERE.
import { createRequire } from 'node:module';
import { attributesOf } from '../protocol.mjs';

const require = createRequire(import.meta.url);
const TABLES = { euclidean: 'vec_l2', cosine: 'vec_cos' };

export function create() {
  let db = null;
  const stmts = {};
  const built = new Set();
  const table = (name, dim) => {
    const metric = name === 'vec_cos' ? ' distance_metric=cosine' : '';
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${name} USING vec0(embedding float[${dim}]${metric}, h integer, c integer)`);
  };
  const blob = (base, i, dim) => Buffer.from(base.buffer, base.byteOffset + i * dim * 4, dim * 4);
  const insertRows = (name, base, from, count, dim, txn) => {
    const st = (stmts[`ins:${name}`] ??= db.prepare(`INSERT INTO ${name}(rowid, embedding, h, c) VALUES (?, ?, ?, ?)`));
    const run = () => {
      for (let i = from; i < from + count; i++) {
        const a = attributesOf(i);
        st.run(BigInt(i + 1), blob(base, i, dim), BigInt(a.h), BigInt(a.c)); // vec0 integer columns refuse REAL
      }
    };
    if (txn) db.transaction(run)();
    else run();
  };
  const adapter = {
    name: 'sqlite-vec-native',
    storage: 'file',
    metrics: ['cosine', 'euclidean'],
    notes: ['better-sqlite3 (SQLite compiled from source), rollback journal, synchronous=FULL; timed inserts go into the L2 vec0 table, the cosine table is built afterwards, untimed; h and c are vec0 metadata columns (filtered KNN: `AND h = ?` in the MATCH query)'],
    filters: true,
    naReason: () => 'vec0 has no dot-product distance (l2, cosine, l1 only)',
    async open({ path, dim, reopen }) {
      const Database = require('better-sqlite3'); // inside the timed span of a reopen
      const sqliteVec = require('sqlite-vec');
      db = new Database(path);
      sqliteVec.load(db);
      const v = db.prepare('select sqlite_version() s, vec_version() v').get();
      const note = `sqlite-vec ${v.v}, SQLite ${v.s}`;
      if (!adapter.notes.includes(note)) adapter.notes.push(note);
      if (reopen) built.add('cosine');
      else table('vec_l2', dim);
    },
    async insertBatch(base, dim, from, count) {
      insertRows('vec_l2', base, from, count, dim, true);
    },
    async insertOne(base, dim, i) {
      insertRows('vec_l2', base, i, 1, dim, false);
    },
    async prepareMetric(metric, base, dim, n, batch) {
      if (metric !== 'cosine' || built.has('cosine')) return;
      table('vec_cos', dim);
      const t0 = performance.now();
      for (let from = 0; from < n; from += batch) insertRows('vec_cos', base, from, Math.min(batch, n - from), dim, true);
      const ms = performance.now() - t0;
      adapter.notes.push(`cosine vec0 table built in ${(ms / 1000).toFixed(2)} s (${Math.round((n * 1000) / ms)} vectors/s)`);
      built.add('cosine');
    },
    async search(q, k, metric, filter) {
      const name = TABLES[metric];
      const vec = Buffer.from(q.buffer, q.byteOffset, q.byteLength);
      if (filter) {
        const st = (stmts[`qf:${name}:${filter.field}`] ??= db.prepare(`SELECT rowid FROM ${name} WHERE embedding MATCH ? AND k = ? AND ${filter.field} = ?`).pluck());
        return st.all(vec, k, filter.value).map((r) => Number(r) - 1);
      }
      const st = (stmts[`q:${name}`] ??= db.prepare(`SELECT rowid FROM ${name} WHERE embedding MATCH ? AND k = ?`).pluck());
      return st.all(vec, k).map((r) => Number(r) - 1);
    },
    async close() {
      for (const key of Object.keys(stmts)) delete stmts[key];
      built.clear();
      db.close();
      db = null;
    },
    async memory() {
      return { rss: process.memoryUsage().rss };
    },
  };
  return adapter;
}
