//! Exact search over an f32 arena: one row of `dimension` floats per vector, with each row's
//! norm precomputed. The arena is a list of fixed-size segments (a power of two rows, about
//! 256 KiB each) rather than one allocation, so it grows without ever copying what it holds:
//! wasm memory never shrinks, and a reallocating arena would leave the heap at twice the
//! vectors after the first large insert. Deletion swaps the last row into the hole, so arena
//! order is not insertion order; ties use the rowid instead.
//!
//! Rows are appended uncommitted (`append_rows`, `push`) and either kept or dropped again
//! with [`FlatIndex::truncate`]: a batch is staged straight into the arena, written to SQLite
//! from there, and the arena is cut back if the transaction fails.

use super::ids::IdMap;
use super::score::{min_passing_key, rank_key, rank_keys, score_of};
use super::topk::TopK;
use super::{Hit, Query};
use crate::kernels::{self, Kernels};
use crate::metric::Metric;

/// Bytes aimed at per segment.
const SEGMENT_BYTES: usize = 256 * 1024;

pub struct FlatIndex {
    dimension: usize,
    /// log2 of the rows per segment.
    shift: u32,
    segments: Vec<Box<[f32]>>,
    norms: Vec<f32>,
    rowids: Vec<i64>,
    slot_of: IdMap<i64, usize>,
    /// Slot `s` holds rowid `s + 1` for every row (rows appended in rowid order from 1 and
    /// none removed but the last): a rowid's slot is then found without the hash map.
    dense: bool,
    kernels: Kernels,
}

impl FlatIndex {
    /// An empty index for vectors of `dimension` floats, with room for `capacity` rows in its
    /// side tables (the arena itself grows a segment at a time).
    pub fn with_capacity(dimension: usize, capacity: usize) -> Self {
        assert!(dimension > 0, "dimension must be positive");
        let rows = (SEGMENT_BYTES / (4 * dimension)).max(1);
        let shift = usize::BITS - 1 - rows.leading_zeros(); // floor(log2(rows))
        FlatIndex {
            dimension,
            shift,
            segments: Vec::new(),
            norms: Vec::with_capacity(capacity),
            rowids: Vec::with_capacity(capacity),
            slot_of: IdMap::with_capacity_and_hasher(capacity, Default::default()),
            dense: true,
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

    #[inline]
    fn segment_rows(&self) -> usize {
        1 << self.shift
    }

    /// Bytes held by the arena and its side tables (for stats and the memory benchmark).
    pub fn heap_bytes(&self) -> usize {
        self.segments.len() * self.segment_rows() * self.dimension * 4
            + self.norms.capacity() * 4
            + self.rowids.capacity() * 8
            + self.slot_of.capacity() * (8 + 8 + 1)
    }

    /// Reserves room in the side tables for `additional` more rows, growing by at least a
    /// quarter so that many small batches stay amortised O(n) without doubling.
    pub fn reserve(&mut self, additional: usize) {
        let rows = self.rowids.len();
        if self.rowids.capacity() - rows >= additional {
            return;
        }
        let grow = additional.max(rows / 4);
        self.norms.reserve_exact(grow);
        self.rowids.reserve_exact(grow);
        self.slot_of.reserve(grow);
    }

    /// The free rows at the end of the last segment (a new segment when it is full).
    fn tail_space(&mut self) -> &mut [f32] {
        let rows = self.segment_rows();
        let used = self.len() & (rows - 1);
        if used == 0 && self.segments.len() * rows == self.len() {
            self.segments.push(vec![0.0; rows * self.dimension].into_boxed_slice());
        }
        let d = self.dimension;
        let last = self.segments.last_mut().expect("a segment");
        &mut last[used * d..]
    }

    /// Appends up to `max` rows with consecutive rowids from `first_rowid`. `fill` gets the
    /// free space at the end of the arena (a whole number of rows, at least one), writes the
    /// floats of as many rows as it likes from the start, and says how many; their norms are
    /// computed here. Rows appended this way are uncommitted until the caller keeps them.
    pub fn append_rows<E>(
        &mut self,
        first_rowid: i64,
        max: usize,
        fill: impl FnOnce(&mut [f32]) -> Result<usize, E>,
    ) -> Result<usize, E> {
        let d = self.dimension;
        let start = self.len();
        let space = self.tail_space();
        let room = (space.len() / d).min(max);
        let n = fill(&mut space[..room * d])?;
        assert!(n <= room, "fill wrote more rows than it was given");
        let kernels = self.kernels;
        let space = &self.segments.last().expect("a segment")[(start & (self.segment_rows() - 1)) * d..];
        self.norms.extend(space.chunks_exact(d).take(n).map(|row| super::score::norm(&kernels, row)));
        self.dense &= first_rowid == start as i64 + 1;
        for i in 0..n {
            let rowid = first_rowid + i as i64;
            self.slot_of.insert(rowid, start + i);
            self.rowids.push(rowid);
        }
        Ok(n)
    }

    /// Appends one row (copied), computing its norm.
    pub fn push(&mut self, rowid: i64, vector: &[f32]) {
        debug_assert_eq!(vector.len(), self.dimension);
        self.append_rows(rowid, 1, |space| {
            space[..vector.len()].copy_from_slice(vector);
            Ok::<_, std::convert::Infallible>(1)
        })
        .expect("infallible");
    }

    /// Drops every row after the first `len` (rows appended but not committed).
    pub fn truncate(&mut self, len: usize) {
        while self.len() > len {
            let rowid = self.rowids.pop().expect("a row");
            self.norms.pop();
            self.slot_of.remove(&rowid);
        }
        let keep = len.div_ceil(self.segment_rows());
        self.segments.truncate(keep);
    }

    /// Removes a committed deletion; false when the rowid was not indexed.
    pub fn remove(&mut self, rowid: i64) -> bool {
        let Some(slot) = self.slot_of.remove(&rowid) else { return false };
        let last = self.rowids.len() - 1;
        if slot != last {
            let d = self.dimension;
            let (ls, lo) = (last >> self.shift, (last & (self.segment_rows() - 1)) * d);
            let (ss, so) = (slot >> self.shift, (slot & (self.segment_rows() - 1)) * d);
            if ls == ss {
                self.segments[ls].copy_within(lo..lo + d, so);
            } else {
                let (head, tail) = self.segments.split_at_mut(ls);
                head[ss][so..so + d].copy_from_slice(&tail[0][lo..lo + d]);
            }
            self.norms[slot] = self.norms[last];
            self.rowids[slot] = self.rowids[last];
            self.dense = false;
            self.slot_of.insert(self.rowids[slot], slot);
        }
        self.norms.truncate(last);
        self.rowids.truncate(last);
        self.segments.truncate(last.div_ceil(self.segment_rows()));
        true
    }

    /// Overwrites a row in place (its slot, so its rowid and ties are unchanged); false when
    /// the rowid is not held.
    pub fn replace(&mut self, rowid: i64, vector: &[f32]) -> bool {
        debug_assert_eq!(vector.len(), self.dimension);
        let Some(&slot) = self.slot_of.get(&rowid) else { return false };
        let (d, rows) = (self.dimension, self.segment_rows());
        let at = (slot & (rows - 1)) * d;
        self.segments[slot >> self.shift][at..at + d].copy_from_slice(vector);
        self.norms[slot] = super::score::norm(&self.kernels, vector);
        true
    }

    /// Gives every row its new rowid (`new_rowid` keeps their order; see `VectorDb::compact`).
    pub fn renumber(&mut self, new_rowid: &dyn Fn(i64) -> i64) {
        self.slot_of.clear();
        for (slot, rowid) in self.rowids.iter_mut().enumerate() {
            *rowid = new_rowid(*rowid);
            self.slot_of.insert(*rowid, slot);
        }
        self.dense = self.rowids.iter().enumerate().all(|(slot, &r)| r == slot as i64 + 1);
    }

    /// The slot of a rowid. Rowids are assigned in insertion order from 1, so row `r` sits
    /// in slot `r - 1` unless rows were deleted (then mostly still, as a deletion moves only
    /// the last row): that guess is tried before the hash map.
    #[inline]
    fn slot(&self, rowid: i64) -> Option<usize> {
        let guess = rowid.wrapping_sub(1) as usize;
        if self.dense {
            return (guess < self.rowids.len()).then_some(guess);
        }
        if self.rowids.get(guess) == Some(&rowid) {
            return Some(guess);
        }
        self.slot_of.get(&rowid).copied()
    }

    /// The stored vector of a row.
    pub fn vector(&self, rowid: i64) -> Option<&[f32]> {
        Some(self.row(self.slot(rowid)?))
    }

    /// The rank key of a stored row for a query (`None`: not in the arena); the same bits
    /// as the scan's block kernels give it.
    #[inline]
    pub fn key(&self, metric: Metric, query: &[f32], query_norm: f32, rowid: i64) -> Option<f32> {
        let slot = self.slot(rowid)?;
        Some(rank_key(&self.kernels, metric, query, query_norm, self.row(slot), self.norms[slot]))
    }

    /// Hints the CPU to start loading a row's floats and norm (a graph walk calls this for
    /// the next node while it scores the current one). Nothing off x86_64.
    #[inline]
    pub fn prefetch(&self, rowid: i64) {
        #[cfg(target_arch = "x86_64")]
        if let Some(slot) = self.slot(rowid) {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let row = self.row(slot);
            // SAFETY: prefetching has no effect on memory; the addresses are in bounds.
            unsafe {
                for at in (0..row.len()).step_by(16) {
                    _mm_prefetch::<_MM_HINT_T0>(row.as_ptr().add(at) as *const i8);
                }
                _mm_prefetch::<_MM_HINT_T0>(self.norms.as_ptr().add(slot) as *const i8);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = rowid;
    }

    pub fn kernels(&self) -> &Kernels {
        &self.kernels
    }

    /// Every row with its rowid, in slot order.
    pub fn rows(&self) -> impl Iterator<Item = (i64, &[f32])> {
        (0..self.len()).map(|slot| (self.rowids[slot], self.row(slot)))
    }

    /// The floats in an arena slot.
    #[inline]
    pub fn row(&self, slot: usize) -> &[f32] {
        let d = self.dimension;
        let at = (slot & (self.segment_rows() - 1)) * d;
        &self.segments[slot >> self.shift][at..at + d]
    }

    /// Each segment's filled rows, in slot order, with the slot of its first row.
    fn filled_segments(&self) -> impl Iterator<Item = (usize, &[f32])> {
        let rows = self.segment_rows();
        let len = self.len();
        let d = self.dimension;
        self.segments.iter().enumerate().map(move |(i, s)| {
            let n = rows.min(len - i * rows);
            (i * rows, &s[..n * d])
        })
    }

    /// Exact top-k. The query has been validated against the dimension by the caller.
    ///
    /// Rows are scored a block at a time with the block kernels (no call per row), then
    /// offered to the heap.
    pub fn search(&self, q: &Query<'_>) -> Vec<Hit> {
        debug_assert_eq!(q.vector.len(), self.dimension);
        const BLOCK: usize = 64;
        let d = self.dimension;
        let expected = q.candidates.map_or(self.len(), <[i64]>::len);
        debug_assert!(q.candidates.is_none_or(|c| c.is_sorted()), "candidates come sorted");
        let mut top = TopK::new(q.k, expected);
        let query_norm = (self.kernels.dot)(q.vector, q.vector).sqrt();
        let mut keys = [0f32; BLOCK];
        // The threshold as a rank key, so that rows are tested on the key alone.
        let min_key = q.threshold.map_or(f32::NEG_INFINITY, |t| min_passing_key(q.metric, t));
        // Scores `rows` (consecutive slots from `first`) and offers them.
        // A large candidate set is scanned like no filter (in blocks), testing each row's
        // rowid against a bitset: cheaper than finding each candidate's slot.
        let allowed: Option<Vec<u64>> = match q.candidates {
            Some(rowids) if rowids.len() * 4 > self.len() => {
                let max = rowids.last().map_or(0, |&r| r.max(0) as usize);
                let mut bits = vec![0u64; max / 64 + 1];
                for &r in rowids.iter().filter(|&&r| r >= 0) {
                    bits[r as usize / 64] |= 1 << (r as usize % 64);
                }
                Some(bits)
            }
            _ => None,
        };
        let allows = |rowid: i64| match &allowed {
            None => true,
            Some(bits) => {
                let r = rowid as usize;
                bits.get(r / 64).is_some_and(|w| w >> (r % 64) & 1 == 1)
            }
        };
        let mut scan = |first: usize, rows: &[f32], keys: &mut [f32]| {
            let keys = &mut keys[..rows.len() / d];
            rank_keys(&self.kernels, q.metric, q.vector, query_norm, rows, &self.norms[first..], keys);
            for (j, &key) in keys.iter().enumerate() {
                if key >= min_key && allows(self.rowids[first + j]) {
                    top.offer(key, self.rowids[first + j]);
                }
            }
        };
        match q.candidates.filter(|_| allowed.is_none()) {
            None => {
                for (first, segment) in self.filled_segments() {
                    for (b, rows) in segment.chunks(BLOCK * d).enumerate() {
                        scan(first + b * BLOCK, rows, &mut keys);
                    }
                }
            }
            Some(rowids) => {
                for slot in rowids.iter().filter_map(|&r| self.slot(r)) {
                    scan(slot, self.row(slot), &mut keys);
                }
            }
        }
        top.into_sorted()
            .into_iter()
            .map(|(rowid, key)| Hit { rowid, score: score_of(q.metric, key) })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(rows: &[(i64, Vec<f32>)]) -> FlatIndex {
        let mut ix = FlatIndex::with_capacity(rows[0].1.len(), rows.len());
        for (r, v) in rows {
            ix.push(*r, v);
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
    fn segments_grow_without_copying_and_truncate_drops_staged_rows() {
        let d = 3000; // 21 rows per 256 KiB, so 16 rows per segment
        let mut ix = FlatIndex::with_capacity(d, 0);
        assert_eq!(ix.segment_rows(), 16);
        let row = |r: i64| vec![r as f32; d];
        for r in 1..=40 {
            ix.push(r, &row(r));
        }
        assert_eq!(ix.segments.len(), 3);
        let first = ix.segments[0].as_ptr();
        // Stage a few rows with append_rows, then drop them again.
        let n = ix
            .append_rows(41, 100, |space| {
                assert_eq!(space.len(), 8 * d, "the rest of the third segment");
                space[..2 * d].fill(7.0);
                Ok::<_, ()>(2)
            })
            .unwrap();
        assert_eq!((n, ix.len()), (2, 42));
        assert_eq!(ix.vector(42), Some(&vec![7.0; d][..]));
        ix.truncate(40);
        assert_eq!(ix.len(), 40);
        assert_eq!(ix.vector(41), None);
        assert_eq!(ix.segments[0].as_ptr(), first, "segments are never moved");
        // Removing across segments keeps every row reachable, and frees emptied segments.
        for r in (1..=40).step_by(2) {
            assert!(ix.remove(r));
        }
        assert_eq!(ix.len(), 20);
        assert_eq!(ix.segments.len(), 2);
        for r in (2..=40).step_by(2) {
            assert_eq!(ix.vector(r), Some(&row(r)[..]), "row {r}");
        }
        assert!((ix.norms[ix.slot_of[&40]] - (40.0 * (d as f32).sqrt())).abs() < 1e-2);
    }

    #[test]
    fn zero_vector_cosine_is_zero() {
        let ix = index(&[(1, vec![0.0, 0.0]), (2, vec![-1.0, 0.0])]);
        let hits = ix.search(&q(&[1.0, 0.0], Metric::Cosine, 2));
        assert_eq!(hits[0], Hit { rowid: 1, score: 0.0 });
        assert_eq!(hits[1], Hit { rowid: 2, score: -1.0 });
    }
}
