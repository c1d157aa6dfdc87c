//! Scores as the scan ranks them: a rank key per row (larger is better: cosine and dot as
//! they are, euclidean as -distance²), the public score of a key, and a threshold turned
//! into a key once per query. Shared by every index, so a row scores the same bits however
//! it was found (arena scan, rescoring from the file, exact scan of the file).

use crate::kernels::Kernels;
use crate::metric::Metric;

/// Rank keys of `rows` (end to end) against `query`; `norms[i]` is row i's norm.
#[inline]
pub fn rank_keys(
    kernels: &Kernels,
    metric: Metric,
    query: &[f32],
    query_norm: f32,
    rows: &[f32],
    norms: &[f32],
    keys: &mut [f32],
) {
    match metric {
        Metric::Dot => (kernels.dot_block)(query, rows, keys),
        Metric::Euclidean => {
            (kernels.l2_block)(query, rows, keys);
            keys.iter_mut().for_each(|k| *k = -*k);
        }
        Metric::Cosine => {
            (kernels.dot_block)(query, rows, keys);
            for (k, &norm) in keys.iter_mut().zip(norms) {
                let denom = query_norm * norm;
                *k = if denom == 0.0 { 0.0 } else { (*k / denom).clamp(-1.0, 1.0) };
            }
        }
    }
}

/// The rank key of one row: the bits [`rank_keys`] gives it, with the one-row kernels
/// (no block call), for a graph walk that scores one node at a time.
#[inline]
pub fn rank_key(
    kernels: &Kernels,
    metric: Metric,
    query: &[f32],
    query_norm: f32,
    row: &[f32],
    norm: f32,
) -> f32 {
    match metric {
        Metric::Dot => (kernels.dot_row)(query, row),
        Metric::Euclidean => -(kernels.l2_row)(query, row),
        Metric::Cosine => {
            let k = (kernels.dot_row)(query, row);
            let denom = query_norm * norm;
            if denom == 0.0 {
                0.0
            } else {
                (k / denom).clamp(-1.0, 1.0)
            }
        }
    }
}

/// A vector's norm as the arena computes it.
#[inline]
pub fn norm(kernels: &Kernels, v: &[f32]) -> f32 {
    (kernels.dot)(v, v).sqrt()
}

/// The smallest rank key whose score passes `threshold` (scores are monotone in the key, so
/// exactly the keys at or above it pass). `+inf` when none can.
pub fn min_passing_key(metric: Metric, threshold: f32) -> f32 {
    let passes = |key: f32| metric.passes(score_of(metric, key), threshold);
    // A first guess from the inverse, then nudged to the exact boundary.
    let mut key = match metric {
        Metric::Euclidean if threshold < 0.0 => return f32::INFINITY,
        Metric::Euclidean => -(threshold * threshold),
        _ => threshold,
    };
    if !key.is_finite() {
        key = if passes(f32::MIN) { f32::NEG_INFINITY } else { f32::MAX };
    }
    while !passes(key) {
        if key == f32::MAX {
            return f32::INFINITY;
        }
        key = key.next_up();
    }
    while key > f32::MIN && passes(key.next_down()) {
        key = key.next_down();
    }
    if key == f32::MIN && passes(f32::NEG_INFINITY) {
        return f32::NEG_INFINITY;
    }
    key
}

/// The public score for a rank key (see [`rank_keys`]).
#[inline]
pub fn score_of(metric: Metric, key: f32) -> f32 {
    match metric {
        Metric::Euclidean => (-key).max(0.0).sqrt(),
        _ => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_key_is_the_block_key() {
        let kernels = crate::kernels::best();
        let mut rng = crate::kernels::prop::Rng::new(5);
        for d in [1, 3, 8, 33, 128, 129] {
            let q = rng.vec(d, 1.0);
            let rows = rng.vec(d * 9, 1.0);
            let mut norms: Vec<f32> = rows.chunks_exact(d).map(|r| norm(&kernels, r)).collect();
            norms[4] = 0.0;
            for metric in [Metric::Cosine, Metric::Dot, Metric::Euclidean] {
                let qn = norm(&kernels, &q);
                let mut keys = vec![0f32; 9];
                rank_keys(&kernels, metric, &q, qn, &rows, &norms, &mut keys);
                for (i, row) in rows.chunks_exact(d).enumerate() {
                    let one = rank_key(&kernels, metric, &q, qn, row, norms[i]);
                    assert_eq!(one.to_bits(), keys[i].to_bits(), "{metric:?} d={d} row {i}");
                }
            }
        }
    }

    #[test]
    fn threshold_as_a_key_keeps_exactly_the_passing_scores() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for metric in [Metric::Cosine, Metric::Dot, Metric::Euclidean] {
            for _ in 0..2000 {
                let t = (next() % 4000) as f32 / 1000.0 - 1.0;
                let t = if next().is_multiple_of(2) { t } else { t * t * 1e3 };
                let min = min_passing_key(metric, t);
                for _ in 0..50 {
                    let key = match metric {
                        Metric::Euclidean => -((next() % 1_000_000) as f32 / 1e3),
                        _ => (next() % 8000) as f32 / 1000.0 - 4.0,
                    };
                    // Probe the boundary too.
                    for key in [key, min, min.next_down(), min.next_up()] {
                        if key.is_finite() && (metric != Metric::Euclidean || key <= 0.0) {
                            let passes = metric.passes(score_of(metric, key), t);
                            assert_eq!(key >= min, passes, "{metric:?} t={t} key={key} min={min}");
                        }
                    }
                }
            }
        }
    }
}
