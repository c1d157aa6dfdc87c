// The synthetic generator of bench/lib/data.mjs (100 Gaussian clusters, centres ~ N(0, I),
// spread 0.35, mulberry32 with a fixed seed) as a stream, with no Node imports, so that the
// scale bench's browser worker (bench/pages/scale-worker.mjs) can generate millions of rows
// chunk by chunk, and regenerate them for the ground truth, without holding them. Row for row
// the same numbers as data.mjs's synthetic(): its syn768-10k / syn768-100k are prefixes of
// this base stream and its queries a prefix of queryRows(). Keep the two in step.

export const SYN = { seed: 20240417, clusters: 100, spread: 0.35 };

export function mulberry32(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

/** The cluster centres (f64, clusters × dim), as data.mjs draws them. */
export function centresFor(dim) {
  const g = gaussian(mulberry32(SYN.seed ^ dim));
  const centres = new Float64Array(SYN.clusters * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = g();
  return centres;
}

/**
 * A sequential row stream: `fill(out, count)` writes the next `count` rows into `out`
 * (Float32Array, count × dim). `which`: 'base' (data.mjs's base stream) or 'queries'.
 */
export function rowStream(dim, centres, which = 'base') {
  const seed = which === 'base' ? SYN.seed + 1 : SYN.seed + 2;
  const pick = mulberry32(seed);
  const g = gaussian(mulberry32(seed * 7 + 1));
  const spread = SYN.spread;
  return {
    fill(out, count) {
      for (let i = 0; i < count; i++) {
        const c = Math.floor(pick() * SYN.clusters) * dim;
        const o = i * dim;
        for (let j = 0; j < dim; j++) out[o + j] = centres[c + j] + spread * g();
      }
      return out;
    },
  };
}

/** The first `nq` query rows (data.mjs's query stream). */
export function queryRows(dim, nq, centres = centresFor(dim)) {
  return rowStream(dim, centres, 'queries').fill(new Float32Array(nq * dim), nq);
}
