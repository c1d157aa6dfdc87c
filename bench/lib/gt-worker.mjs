// Brute-force exact top-K (f64 accumulation) for queries [from, to) of a data set, all three
// metrics in one pass: cosine = dot/(|q||x|), -L2 = -sqrt(|q|²+|x|²-2dot). Ties go to the
// lower row number (strict > when inserting), as every exact system orders them. With
// `filter` ({ mod, rem }): over the rows r with r % mod === rem only (a filtered search's truth).
import { parentPort, workerData } from 'node:worker_threads';
import fs from 'node:fs';
import { METRICS, K } from './protocol.mjs';

function readF32(file) {
  const b = fs.readFileSync(file);
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

const { dim, from, to, filter } = workerData;
const base = readF32(workerData.base);
const queries = readF32(workerData.queries);
const n = base.length / dim;
const rows = filter ? Int32Array.from({ length: Math.ceil(Math.max(0, n - filter.rem) / filter.mod) }, (_, j) => filter.rem + j * filter.mod) : null;
const count = rows ? rows.length : n;
const norms2 = new Float64Array(n);
for (let i = 0; i < n; i++) {
  let s = 0;
  for (let j = i * dim, e = j + dim; j < e; j++) s += base[j] * base[j];
  norms2[i] = s;
}

/** A bounded best-K list (descending key, ascending index on ties). */
class TopK {
  constructor() { this.keys = new Float64Array(K).fill(-Infinity); this.ids = new Int32Array(K).fill(-1); }
  get worst() { return this.keys[K - 1]; }
  push(key, id) {
    let p = K - 1;
    while (p > 0 && key > this.keys[p - 1]) {
      this.keys[p] = this.keys[p - 1];
      this.ids[p] = this.ids[p - 1];
      p--;
    }
    this.keys[p] = key;
    this.ids[p] = id;
  }
}

const out = { from };
for (const m of METRICS) out[m] = { ids: new Int32Array((to - from) * K), keys: new Float64Array((to - from) * K) };
const dots = new Float64Array(count);
for (let qi = from; qi < to; qi++) {
  const q = queries.subarray(qi * dim, (qi + 1) * dim);
  let qq = 0;
  for (let j = 0; j < dim; j++) qq += q[j] * q[j];
  const qn = Math.sqrt(qq);
  for (let t = 0; t < count; t++) {
    const i = rows ? rows[t] : t;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let o = i * dim, j = 0;
    for (; j + 3 < dim; j += 4, o += 4) {
      s0 += base[o] * q[j];
      s1 += base[o + 1] * q[j + 1];
      s2 += base[o + 2] * q[j + 2];
      s3 += base[o + 3] * q[j + 3];
    }
    for (; j < dim; j++, o++) s0 += base[o] * q[j];
    dots[t] = s0 + s1 + s2 + s3;
  }
  const tops = { cosine: new TopK(), dot: new TopK(), euclidean: new TopK() };
  for (let t = 0; t < count; t++) {
    const i = rows ? rows[t] : t;
    const d = dots[t];
    const xn = Math.sqrt(norms2[i]);
    const cos = qn > 0 && xn > 0 ? d / (qn * xn) : 0;
    if (cos > tops.cosine.worst) tops.cosine.push(cos, i);
    if (d > tops.dot.worst) tops.dot.push(d, i);
    const l2 = -Math.sqrt(Math.max(0, qq + norms2[i] - 2 * d));
    if (l2 > tops.euclidean.worst) tops.euclidean.push(l2, i);
  }
  for (const m of METRICS) {
    out[m].ids.set(tops[m].ids, (qi - from) * K);
    out[m].keys.set(tops[m].keys, (qi - from) * K);
  }
}
parentPort.postMessage(out);
