//! Exact search over a contiguous f32 arena: one row of `dimension` floats per vector, in a
//! single allocation, with each row's norm precomputed. Deletion swaps the last row into the
//! hole, so order in the arena is not insertion order; ties use the rowid instead.

use super::topk::TopK;
use super::{Hit, Query};
use crate::kernels::{self, Kernels};
use crate::metric::Metric;
use std::collections::HashMap;

pub struct FlatIndex {
    dimension: usize,
    data: Vec<f32>,
    norms: Vec<f32>,
    rowids: Vec<i64>,
    slot_of: HashMap<i64, usize>,
    kernels: Kernels,
}

impl FlatIndex {
    /// An empty index for vectors of `dimension` floats, with room for `capacity` rows.
    pub fn with_capacity(dimension: usize, capacity: usize) -> Self {
        FlatIndex {
            dimension,
            data: Vec::with_capacity(dimension * capacity),
            norms: Vec::with_capacity(capacity),
            rowids: Vec::with_capacity(capacity),
            slot_of: HashMap::with_capacity(capacity),
            kernels: kernels::best(),
        }
    }

    pub fn dimension(&self) -> usize {
        self.dimension
    }

    pub fn len(&self) -> usize {
        self.rowids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rowids.is_empty()
    }

    /// Name of the kernels in use ("simd128", "avx2+fma", "scalar").
    pub fn kernel_name(&self) -> &'static str {
        self.kernels.name
    }

    /// Bytes held by the arena and its side tables (for stats and the memory benchmark).
    pub fn heap_bytes(&self) -> usize {
        self.data.capacity() * 4
            + self.norms.capacity() * 4
            + self.rowids.capacity() * 8
            + self.slot_of.capacity() * (8 + 8 + 1)
    }

    /// Reserves room for `additional` more rows. Grows by at least a quarter of the current
    /// size: many small batches stay amortised O(n) while the arena keeps within ~1.25x of
    /// the raw vector bytes (doubling would allow 2x).
    pub fn reserve(&mut self, additional: usize) {
        let rows = self.rowids.len();
        if self.rowids.capacity() - rows >= additional {
            return;
        }
        let grow = additional.max(rows / 4);
        self.data.reserve_exact(grow * self.dimension);
        self.norms.reserve_exact(grow);
        self.rowids.reserve_exact(grow);
        self.slot_of.reserve(grow);
    }

    /// Appends a committed row. The caller has validated the length.
    pub fn push(&mut self, rowid: i64, vector: &[f32], norm: f32) {
        debug_assert_eq!(vector.len(), self.dimension);
        self.slot_of.insert(rowid, self.rowids.len());
        self.data.extend_from_slice(vector);
        self.norms.push(norm);
        self.rowids.push(rowid);
    }

    /// Appends a row whose floats were already written to the end of the arena by `fill`
    /// (used when loading from SQLite, to decode BLOBs straight into place).
    pub fn push_with<E>(
        &mut self,
        rowid: i64,
        norm: f32,
        fill: impl FnOnce(&mut Vec<f32>) -> Result<(), E>,
    ) -> Result<(), E> {
        let before = self.data.len();
        fill(&mut self.data)?;
        debug_assert_eq!(self.data.len() - before, self.dimension);
        self.slot_of.insert(rowid, self.rowids.len());
        self.norms.push(norm);
        self.rowids.push(rowid);
        Ok(())
    }

    /// Removes a committed deletion; false when the rowid was not indexed.
    pub fn remove(&mut self, rowid: i64) -> bool {
        let Some(slot) = self.slot_of.remove(&rowid) else { return false };
        let last = self.rowids.len() - 1;
        if slot != last {
            let d = self.dimension;
            self.data.copy_within(last * d..(last + 1) * d, slot * d);
            self.norms[slot] = self.norms[last];
            self.rowids[slot] = self.rowids[last];
            self.slot_of.insert(self.rowids[slot], slot);
        }
        self.data.truncate(last * self.dimension);
        self.norms.truncate(last);
        self.rowids.truncate(last);
        true
    }

    /// The stored vector of a row.
    pub fn vector(&self, rowid: i64) -> Option<&[f32]> {
        let slot = *self.slot_of.get(&rowid)?;
        Some(self.row(slot))
    }

    #[inline]
    fn row(&self, slot: usize) -> &[f32] {
        &self.data[slot * self.dimension..(slot + 1) * self.dimension]
    }

    /// Exact top-k. The query has been validated against the dimension by the caller.
    pub fn search(&self, q: &Query<'_>) -> Vec<Hit> {
        debug_assert_eq!(q.vector.len(), self.dimension);
        let expected = q.candidates.map_or(self.len(), <[i64]>::len);
        let mut top = TopK::new(q.k, expected);
        let query_norm = (self.kernels.dot)(q.vector, q.vector).sqrt();
        let mut visit = |slot: usize| {
            let key = self.rank_key(q.metric, q.vector, query_norm, slot);
            if let Some(t) = q.threshold {
                if !q.metric.passes(score_of(q.metric, key), t) {
                    return;
                }
            }
            top.offer(key, self.rowids[slot], slot);
        };
        match q.candidates {
            None => (0..self.len()).for_each(&mut visit),
            Some(rowids) => rowids.iter().filter_map(|r| self.slot_of.get(r).copied()).for_each(&mut visit),
        }
        top.into_sorted()
            .into_iter()
            .map(|(_, rowid, key)| Hit { rowid, score: score_of(q.metric, key) })
            .collect()
    }

    /// A key where larger is better: cosine and dot as they are, euclidean as -distance².
    #[inline]
    fn rank_key(&self, metric: Metric, query: &[f32], query_norm: f32, slot: usize) -> f32 {
        let row = self.row(slot);
        match metric {
            Metric::Dot => (self.kernels.dot)(query, row),
            Metric::Euclidean => -(self.kernels.l2_squared)(query, row),
            Metric::Cosine => {
                let denom = query_norm * self.norms[slot];
                if denom == 0.0 {
                    0.0
                } else {
                    ((self.kernels.dot)(query, row) / denom).clamp(-1.0, 1.0)
                }
            }
        }
    }
}

/// The public score for a rank key (see [`FlatIndex::rank_key`]).
#[inline]
fn score_of(metric: Metric, key: f32) -> f32 {
    match metric {
        Metric::Euclidean => (-key).max(0.0).sqrt(),
        _ => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(rows: &[(i64, Vec<f32>)]) -> FlatIndex {
        let mut ix = FlatIndex::with_capacity(rows[0].1.len(), rows.len());
        for (r, v) in rows {
            ix.push(*r, v, kernels::norm(v));
        }
        ix
    }

    fn q<'a>(v: &'a [f32], metric: Metric, k: usize) -> Query<'a> {
        Query { vector: v, metric, k, threshold: None, candidates: None }
    }

    #[test]
    fn ties_break_by_rowid_even_after_swap_remove() {
        let mut ix =
            index(&[(1, vec![1.0, 0.0]), (2, vec![1.0, 0.0]), (3, vec![1.0, 0.0]), (4, vec![0.0, 1.0])]);
        assert!(ix.remove(1));
        assert!(!ix.remove(1));
        // Rowid 4 moved into slot 0; ties among 2 and 3 still come in rowid order.
        let hits = ix.search(&q(&[1.0, 0.0], Metric::Cosine, 10));
        let order: Vec<i64> = hits.iter().map(|h| h.rowid).collect();
        assert_eq!(order, vec![2, 3, 4]);
        assert_eq!(ix.vector(4), Some(&[0.0, 1.0][..]));
    }

    #[test]
    fn euclidean_ascending_with_threshold() {
        let ix = index(&[(1, vec![0.0, 0.0]), (2, vec![3.0, 4.0]), (3, vec![1.0, 0.0])]);
        let mut query = q(&[0.0, 0.0], Metric::Euclidean, 10);
        query.threshold = Some(1.0);
        let hits = ix.search(&query);
        assert_eq!(hits, vec![Hit { rowid: 1, score: 0.0 }, Hit { rowid: 3, score: 1.0 }]);
    }

    #[test]
    fn small_batches_grow_the_arena_geometrically_but_tightly() {
        let mut ix = FlatIndex::with_capacity(4, 0);
        let mut reallocs = 0;
        for batch in 0..400 {
            let before = ix.data.capacity();
            ix.reserve(10);
            reallocs += usize::from(ix.data.capacity() != before);
            for r in 0..10 {
                ix.push(batch * 10 + r, &[1.0, 2.0, 3.0, 4.0], 1.0);
            }
            assert!(ix.data.capacity() <= ix.data.len() * 5 / 4 + 40, "arena slack too large");
        }
        assert!(reallocs < 40, "{reallocs} reallocations for 400 batches");
    }

    #[test]
    fn zero_vector_cosine_is_zero() {
        let ix = index(&[(1, vec![0.0, 0.0]), (2, vec![-1.0, 0.0])]);
        let hits = ix.search(&q(&[1.0, 0.0], Metric::Cosine, 2));
        assert_eq!(hits[0], Hit { rowid: 1, score: 0.0 });
        assert_eq!(hits[1], Hit { rowid: 2, score: -1.0 });
    }
}
