// The seed's design on sql.js 1.16 (in memory, as sql.js is): embeddings as BLOBs in a table;
// search = SELECT every row, similarity in JavaScript, sort, slice k. The attributes h and c
// are plain INTEGER columns (before the BLOB, so a scan need not read the vectors' overflow
// pages to test them); a filtered search puts the condition in the SELECT's WHERE.
import { attributesOf } from '../../lib/protocol.mjs';

let SQL = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

const DIR = '/bench/node_modules/sql.js/dist/';

function similarity(metric, q, v) {
  let dot = 0, qq = 0, vv = 0, l2 = 0;
  for (let i = 0; i < q.length; i++) {
    const a = q[i], b = v[i];
    if (metric === 'euclidean') { const d = a - b; l2 += d * d; } else { dot += a * b; qq += a * a; vv += b * b; }
  }
  if (metric === 'euclidean') return Math.sqrt(l2);
  if (metric === 'dot') return dot;
  return qq > 0 && vv > 0 ? dot / (Math.sqrt(qq) * Math.sqrt(vv)) : 0;
}

export function create(spec, { wasmHeapBytes }) {
  let db = null;
  let insert = null;
  return {
    name: 'sqljs-baseline',
    storage: 'memory',
    metrics: ['cosine', 'euclidean', 'dot'],
    notes: ['sql.js keeps the database in memory (a MEMFS file in JS typed arrays; no durable storage): its insert rate is in-memory; h and c are INTEGER columns without an index (filtered search: `WHERE h = ?`, a scan)'],
    filters: true,
    async open() {
      if (!SQL) {
        await loadScript(DIR + 'sql-wasm-browser.js');
        SQL = await window.initSqlJs({ locateFile: (f) => DIR + f });
      }
      db = new SQL.Database();
      db.run('CREATE TABLE vectors (id INTEGER PRIMARY KEY, h INTEGER, c INTEGER, embedding BLOB NOT NULL)');
      insert = db.prepare('INSERT INTO vectors (id, h, c, embedding) VALUES (?, ?, ?, ?)');
    },
    async insertBatch(base, dim, from, count) {
      db.run('BEGIN');
      for (let i = from; i < from + count; i++) {
        const a = attributesOf(i);
        insert.run([i, a.h, a.c, new Uint8Array(base.buffer, i * dim * 4, dim * 4)]);
      }
      db.run('COMMIT');
    },
    async insertOne(base, dim, i) {
      const a = attributesOf(i);
      insert.run([i, a.h, a.c, new Uint8Array(base.buffer, i * dim * 4, dim * 4)]);
    },
    async search(q, k, metric, filter) {
      const st = filter ? db.prepare(`SELECT id, embedding FROM vectors WHERE ${filter.field} = ?`) : db.prepare('SELECT id, embedding FROM vectors');
      if (filter) st.bind([filter.value]);
      const scored = [];
      while (st.step()) {
        const [id, blob] = st.get();
        const v = new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
        scored.push({ id, score: similarity(metric, q, v) });
      }
      st.free();
      scored.sort(metric === 'euclidean' ? (a, b) => a.score - b.score : (a, b) => b.score - a.score);
      return scored.slice(0, k).map((s) => s.id);
    },
    async close() {
      insert.free();
      db.close();
      db = null;
    },
    async memory() {
      // sql.js keeps its database file on Emscripten's MEMFS, in JS typed arrays outside the
      // wasm heap: count the file too.
      const [[pages]] = db.exec('PRAGMA page_count')[0].values;
      const [[size]] = db.exec('PRAGMA page_size')[0].values;
      return { wasmHeap: wasmHeapBytes(), dbFileBytes: pages * size };
    },
  };
}
