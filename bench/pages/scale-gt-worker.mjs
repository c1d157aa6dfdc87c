// Ground truth for bench/scale.mjs, in a worker started by bench/pages/scale-worker.mjs: the
// base rows are regenerated from the seed chunk by chunk (bench/lib/syngen.mjs; nothing of the
// data set is held), and every query of this worker's share keeps its exact cosine top-k
// (f64 accumulation; ties to the lower row, as bench/lib/data.mjs's ground truth). Also
// computes the exact cosine of the (row, query) pairs in `want` (rows a search returned that
// are not in the top k), for the tie tolerance of the recall.
import { centresFor, rowStream } from '../lib/syngen.mjs';

function run({ dim, n, chunk, queries, k, want }) {
  const nq = queries.length / dim;
  const centres = centresFor(dim);
  const gen = rowStream(dim, centres, 'base');
  const qinv = new Float64Array(nq);
  for (let q = 0; q < nq; q++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += queries[q * dim + j] * queries[q * dim + j];
    qinv[q] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  const topIds = new Int32Array(nq * k).fill(-1);
  const topKeys = new Float64Array(nq * k).fill(-Infinity);
  const wantSorted = [...want].sort((a, b) => a[0] - b[0]);
  const wantKeys = [];
  let w = 0;
  const buf = new Float32Array(chunk * dim);
  const dots = new Float64Array(4);
  const offer = (q, row, key) => {
    const o = q * k;
    if (!(key > topKeys[o + k - 1])) return;
    let i = k - 1;
    while (i > 0 && key > topKeys[o + i - 1]) {
      topKeys[o + i] = topKeys[o + i - 1];
      topIds[o + i] = topIds[o + i - 1];
      i--;
    }
    topKeys[o + i] = key;
    topIds[o + i] = row;
  };
  const t0 = performance.now();
  let lastReport = t0;
  for (let from = 0; from < n; from += chunk) {
    const count = Math.min(chunk, n - from);
    gen.fill(buf, count);
    const norms = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let s = 0;
      const o = i * dim;
      for (let j = 0; j < dim; j++) s += buf[o + j] * buf[o + j];
      norms[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
    let i = 0;
    for (; i + 4 <= count; i += 4) {
      const o0 = i * dim, o1 = o0 + dim, o2 = o1 + dim, o3 = o2 + dim;
      for (let q = 0; q < nq; q++) {
        const qo = q * dim;
        let a = 0, b = 0, c = 0, d = 0;
        for (let j = 0; j < dim; j++) {
          const y = queries[qo + j];
          a += buf[o0 + j] * y; b += buf[o1 + j] * y; c += buf[o2 + j] * y; d += buf[o3 + j] * y;
        }
        dots[0] = a; dots[1] = b; dots[2] = c; dots[3] = d;
        for (let r = 0; r < 4; r++) offer(q, from + i + r, dots[r] * norms[i + r] * qinv[q]);
      }
    }
    for (; i < count; i++) {
      const o = i * dim;
      for (let q = 0; q < nq; q++) {
        const qo = q * dim;
        let a = 0;
        for (let j = 0; j < dim; j++) a += buf[o + j] * queries[qo + j];
        offer(q, from + i, a * norms[i] * qinv[q]);
      }
    }
    while (w < wantSorted.length && wantSorted[w][0] < from + count) {
      const [row, q] = wantSorted[w++];
      if (row < from) continue;
      const o = (row - from) * dim, qo = q * dim;
      let a = 0;
      for (let j = 0; j < dim; j++) a += buf[o + j] * queries[qo + j];
      wantKeys.push([row, q, a * norms[row - from] * qinv[q]]);
    }
    const t = performance.now();
    if (t - lastReport > 10_000) {
      lastReport = t;
      postMessage({ progress: from + count, ms: t - t0 });
    }
  }
  return { topIds, topKeys, wantKeys, ms: performance.now() - t0 };
}

self.onmessage = ({ data }) => {
  try {
    const r = run(data);
    postMessage({ ok: true, result: r }, [r.topIds.buffer, r.topKeys.buffer]);
  } catch (e) {
    postMessage({ ok: false, error: String(e?.stack ?? e) });
  }
};
