// Data sets for the bench: Fashion-MNIST (Debian's dataset-fashion-mnist) and seeded synthetic
// clustered sets, cached under bench/.cache/ as raw little-endian f32 files, plus the exact
// top-k ground truth (f64 brute force, computed once per data set and cached).
import { gunzipSync } from 'node:zlib';
import fs from 'node:fs';
import { mulberry32 } from '../../tests/fixtures/rng.mjs';
import path from 'node:path';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { METRICS, K } from './protocol.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = path.resolve(here, '..');
export const CACHE_DIR = path.join(BENCH_DIR, '.cache');
export const FMNIST_DIR = process.env.FASHION_MNIST_DIR || '/usr/share/datasets/fashion-mnist';
export const NQ = 1000; // queries per data set (ground truth is computed for all of them)

/** Every data set the bench knows. `nativeOnly`: too big for the browser systems. */
export const DATASETS = {
  'fmnist-60k': { kind: 'fmnist', dim: 784, n: 60000 },
  'fmnist-10k': { kind: 'fmnist', dim: 784, n: 10000 },
  'syn128-10k': { kind: 'syn', dim: 128, n: 10000 },
  'syn128-100k': { kind: 'syn', dim: 128, n: 100000 },
  'syn768-10k': { kind: 'syn', dim: 768, n: 10000 },
  'syn768-100k': { kind: 'syn', dim: 768, n: 100000 },
  'syn128-1m': { kind: 'syn', dim: 128, n: 1000000, nativeOnly: true },
};

// ---- seeded generator: the one the test fixtures use ----

function gaussian(rng) {
  let spare = null;
  return () => {
    if (spare !== null) { const s = spare; spare = null; return s; }
    let u = 0;
    while (u === 0) u = rng();
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

export const SYN = { seed: 20240417, clusters: 100, spread: 0.35 };

/**
 * Clustered synthetic data: `clusters` centres ~ N(0, I); each point = a centre chosen
 * uniformly + N(0, spread² I). Base and queries come from separate streams, and the base
 * stream is sequential, so the 10k set is a prefix of the 100k set.
 */
function synthetic(dim, n, nq) {
  const centresRng = gaussian(mulberry32(SYN.seed ^ dim));
  const centres = new Float64Array(SYN.clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = centresRng();
  const fill = (count, seed) => {
    const pick = mulberry32(seed);
    const g = gaussian(mulberry32(seed * 7 + 1));
    const out = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) {
      const c = Math.floor(pick() * SYN.clusters) * dim;
      for (let j = 0; j < dim; j++) out[i * dim + j] = centres[c + j] + SYN.spread * g();
    }
    return out;
  };
  return { base: fill(n, SYN.seed + 1), queries: fill(nq, SYN.seed + 2) };
}

function readIdx(file, expectedMagic) {
  const buf = gunzipSync(fs.readFileSync(file));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) throw new Error(`${file}: not an IDX file of the expected kind`);
  const ndim = magic & 0xff;
  const dims = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  return { dims, data: buf.subarray(4 + 4 * ndim) };
}

/** Fashion-MNIST as ann-benchmarks uses it: raw pixel values (0–255) as floats. */
function fmnist(n, nq) {
  const file = (split) => path.join(FMNIST_DIR, `${split}-images-idx3-ubyte.gz`);
  if (!fs.existsSync(file('train'))) {
    throw new Error(`Fashion-MNIST not found in ${FMNIST_DIR} (apt-get install dataset-fashion-mnist)`);
  }
  const train = readIdx(file('train'), 0x803);
  const test = readIdx(file('t10k'), 0x803);
  const dim = train.dims[1] * train.dims[2];
  if (n > train.dims[0] || nq > test.dims[0]) throw new Error('Fashion-MNIST has fewer images than asked');
  return {
    base: Float32Array.from(train.data.subarray(0, n * dim)),
    queries: Float32Array.from(test.data.subarray(0, nq * dim)),
  };
}

function writeAtomic(file, bytes) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

const asBytes = (ta) => new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);

function readF32(file) {
  const b = fs.readFileSync(file);
  // Buffer pool slices may be unaligned: copy into a fresh buffer.
  const out = new Float32Array(b.byteLength / 4);
  asBytes(out).set(b);
  return out;
}

export function datasetFiles(name) {
  return {
    base: path.join(CACHE_DIR, `${name}.base.f32`),
    queries: path.join(CACHE_DIR, `${name}.queries.f32`),
    gt: path.join(CACHE_DIR, `${name}.gt-k${K}-nq${NQ}.bin`),
    /** The truth of a filtered search over the rows r % mod === rem. */
    filteredGt: ({ mod, rem }) => path.join(CACHE_DIR, `${name}.gt-k${K}-nq${NQ}-mod${mod}-rem${rem}.bin`),
  };
}

/** Makes sure the data set's files exist in the cache; returns their paths and shape. */
export function prepareDataset(name, log = () => {}) {
  const spec = DATASETS[name];
  if (!spec) throw new Error(`unknown data set ${name} (known: ${Object.keys(DATASETS).join(', ')})`);
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const files = datasetFiles(name);
  if (!fs.existsSync(files.base) || !fs.existsSync(files.queries)) {
    log(`generating ${name}`);
    const { base, queries } = spec.kind === 'fmnist' ? fmnist(spec.n, NQ) : synthetic(spec.dim, spec.n, NQ);
    writeAtomic(files.queries, asBytes(queries));
    writeAtomic(files.base, asBytes(base));
  }
  return { name, ...spec, nq: NQ, files };
}

export function loadVectors(ds) {
  return { base: readF32(ds.files.base), queries: readF32(ds.files.queries) };
}

// ---- ground truth ----

/**
 * Exact top-K for every query and metric, in f64. Returns, per metric, `ids` (Int32Array
 * nq*K, best first, ties to the lower index) and `keys` (Float64Array nq*K: the rank key,
 * larger is better: cosine, dot, -L2 distance). With `filter` ({ mod, rem }): the top-K among
 * the rows r with r % mod === rem (every filter here matches at least K rows).
 */
export async function groundTruth(ds, log = () => {}, filter = null) {
  const file = filter ? ds.files.filteredGt(filter) : ds.files.gt;
  if (fs.existsSync(file)) return readGt(file, ds.nq);
  const t0 = performance.now();
  const what = filter ? `filtered (row % ${filter.mod} = ${filter.rem}) ground truth` : 'exact ground truth';
  log(`computing ${what} for ${ds.name} (${ds.n}x${ds.dim}, ${ds.nq} queries; cached afterwards)`);
  const threads = Math.max(1, Math.min(2, os.availableParallelism?.() ?? os.cpus().length));
  const per = Math.ceil(ds.nq / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) => new Promise((resolve, reject) => {
      const w = new Worker(path.join(here, 'gt-worker.mjs'), {
        workerData: { base: ds.files.base, queries: ds.files.queries, dim: ds.dim, from: t * per, to: Math.min(ds.nq, (t + 1) * per), filter },
      });
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => code && reject(new Error(`ground-truth worker exited with ${code}`)));
    })),
  );
  const gt = {};
  for (const m of METRICS) {
    const ids = new Int32Array(ds.nq * K);
    const keys = new Float64Array(ds.nq * K);
    for (const p of parts) {
      ids.set(p[m].ids, p.from * K);
      keys.set(p[m].keys, p.from * K);
    }
    gt[m] = { ids, keys };
  }
  const chunks = [];
  for (const m of METRICS) chunks.push(asBytes(gt[m].keys), asBytes(gt[m].ids));
  writeAtomic(file, Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))));
  log(`${what} for ${ds.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return gt;
}

function readGt(file, nq) {
  const b = fs.readFileSync(file);
  const gt = {};
  let at = 0;
  for (const m of METRICS) {
    const keys = new Float64Array(nq * K);
    asBytes(keys).set(b.subarray(at, at + keys.byteLength));
    at += keys.byteLength;
    const ids = new Int32Array(nq * K);
    asBytes(ids).set(b.subarray(at, at + ids.byteLength));
    at += ids.byteLength;
    gt[m] = { ids, keys };
  }
  return gt;
}

/** The rank key (larger is better) of base row `i` for query `q`, in f64. */
export function trueKey(metric, base, dim, i, q) {
  let dot = 0, xx = 0, qq = 0, l2 = 0;
  const o = i * dim;
  for (let j = 0; j < dim; j++) {
    const x = base[o + j], y = q[j];
    dot += x * y; xx += x * x; qq += y * y;
    const d = x - y;
    l2 += d * d;
  }
  if (metric === 'dot') return { key: dot, scale: Math.sqrt(xx * qq) };
  if (metric === 'cosine') return { key: xx > 0 && qq > 0 ? dot / Math.sqrt(xx * qq) : 0, scale: 1 };
  return { key: -Math.sqrt(l2), scale: Math.sqrt(xx) + Math.sqrt(qq) };
}

/**
 * recall@K of returned ids (arrays of base row numbers, one per query). A returned row counts
 * when it is one of the true top K, or ties with the K-th within float32 rounding
 * (1e-5 of the score's scale): both orders of near-equal scores are correct answers.
 * `strict` counts exact id-set matches only.
 */
export function recall(metric, gt, base, queries, dim, results, k = K) {
  let hit = 0, strictHit = 0, total = 0, short = 0;
  for (let qi = 0; qi < results.length; qi++) {
    const got = results[qi] ?? [];
    const truth = new Set(gt.ids.subarray(qi * K, qi * K + k));
    const kth = gt.keys[qi * K + k - 1];
    const q = queries.subarray(qi * dim, (qi + 1) * dim);
    const seen = new Set();
    if (got.length < k) short++;
    for (const id of got.slice(0, k)) {
      if (seen.has(id) || !(id >= 0)) continue;
      seen.add(id);
      if (truth.has(id)) { hit++; strictHit++; continue; }
      const { key, scale } = trueKey(metric, base, dim, id, q);
      if (key >= kth - 1e-5 * Math.max(scale, 1e-30)) hit++;
    }
    total += k;
  }
  return { recall: total ? hit / total : null, strict: total ? strictHit / total : null, queries: results.length, short };
}
