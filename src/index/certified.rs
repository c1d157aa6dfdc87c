//! Exact search at code speed (int8). Each stored code row carries the norm of its residual
//! `x − decoded(code)`, so for a query `q` the true `q·x` lies within
//! `approx ± (|q|·|residual| + the query's own rounding + float rounding)` (Cauchy–Schwarz).
//! Turned into rank-key bounds per metric, the k-th largest lower bound `L` rules out every
//! row whose upper bound is below it: at least k rows are certainly better. Only the rest are
//! read from the file and scored exactly, so the answer is exactly the f32 scan's, ties and
//! threshold included.

use super::quantized::{f32_at, CodeIndex, CodeQuery};
use super::topk::TopK;
use crate::metric::Metric;

/// The rows that may be in the exact top-k (a superset of it), given the threshold as a key.
pub fn candidates(
    codes: &CodeIndex,
    q: &CodeQuery,
    k: usize,
    min_key: f32,
    only: Option<&[i64]>,
) -> Vec<i64> {
    let d = codes.dimension() as f32;
    let eps = f32::EPSILON;
    let bounds = |row: &[u8]| -> (f32, f32) {
        let approx = codes.approx_dot(q, row);
        let (x_norm, residual) = (f32_at(row, 0), f32_at(row, 8));
        // Everything the approximation can be off by, in dot units, with float rounding of
        // both sides (the exact key is itself an f32 sum over d terms).
        let slack = (2.0 * d + 8.0) * eps * q.q_norm * (x_norm + residual) + 4.0 * eps * approx.abs();
        let e = q.q_norm * residual * (1.0 + 8.0 * eps) + q.fixed_error + slack;
        match q.metric {
            Metric::Dot => (approx - e, approx + e),
            Metric::Cosine => {
                let denom = q.q_norm * x_norm;
                if denom == 0.0 {
                    (0.0, 0.0)
                } else {
                    // Division rounds too: widen by a few ulps, relative and absolute.
                    let lo = (approx - e) / denom;
                    let hi = (approx + e) / denom;
                    let lo = lo - 8.0 * eps * lo.abs() - 4.0 * eps;
                    let hi = hi + 8.0 * eps * hi.abs() + 4.0 * eps;
                    (lo.clamp(-1.0, 1.0), hi.clamp(-1.0, 1.0))
                }
            }
            Metric::Euclidean => {
                let norms = q.q_norm * q.q_norm + x_norm * x_norm;
                let key = 2.0 * approx - norms;
                let e = 2.0 * e + (2.0 * d + 8.0) * eps * norms;
                (key - e, (key + e).min(0.0))
            }
        }
    };
    let mut lowers = TopK::new(k, 1024);
    let mut uppers: Vec<(i64, f32)> = Vec::new();
    let mut visit = |rowid: i64, row: &[u8]| {
        let (lo, hi) = bounds(row);
        if hi >= min_key {
            lowers.offer(lo, rowid);
            uppers.push((rowid, hi));
        }
    };
    match only {
        None => codes.code_rows().for_each(|(rowid, row)| visit(rowid, row)),
        Some(rowids) => {
            for &rowid in rowids {
                if let Some(row) = codes.code_row(rowid) {
                    visit(rowid, row);
                }
            }
        }
    }
    let kept = lowers.into_sorted();
    let floor =
        if kept.len() >= k { kept.last().map_or(f32::NEG_INFINITY, |x| x.1) } else { f32::NEG_INFINITY };
    let mut out: Vec<i64> = uppers.into_iter().filter(|&(_, hi)| hi >= floor).map(|(r, _)| r).collect();
    out.sort_unstable();
    out
}
