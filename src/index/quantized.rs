//! Quantized codes: what the heap holds instead of f32 vectors once a database has an `int8`
//! or `binary` index. The f32 vectors stay in the file and are read only to rescore.
//!
//! - `int8`: per dimension, `x ≈ offset + scale · c` with `c` in 0..=255 (trained from the
//!   data: the minimum and the range). A query's dot with a row is
//!   `q·offset + (q∘scale)·c`, one pass of the u8 kernel.
//! - `binary`: one bit per dimension, set where `x > center` (the per-dimension mean, so data
//!   that is not centred, like SIFT or pixels, still splits). The approximate key is minus
//!   the Hamming distance to the query's bits.
//!
//! Each code row is stored as the vector's exact norm (for the exact rescoring), the norm of
//! what the code decodes to (int8: approximate cosine and euclidean compare like with like,
//! so short vectors are not inflated), the norm of the residual `x − decoded` (int8: a
//! certified bound on each code's error, see `index/certified.rs`), then the code.

use super::ids::IdMap;
use super::score::norm;
use super::topk::TopK;
use crate::kernels::codes::CodeKernels;
use crate::kernels::{self, Kernels};
use crate::metric::Metric;
use crate::types::Quantization;

/// Where the code starts in a stored code row (after the exact norm, the decoded norm and
/// the residual norm).
pub(super) const CODE_AT: usize = 12;

pub(super) fn f32_at(row: &[u8], at: usize) -> f32 {
    f32::from_le_bytes(row[at..at + 4].try_into().expect("4 bytes"))
}

/// The trained part of a quantizer: what is stored in the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantizer {
    Int8 { offset: Vec<f32>, scale: Vec<f32> },
    Binary { center: Vec<f32> },
}

impl Quantizer {
    /// Trains on every row the caller feeds `observe`, then `finish`.
    pub fn trainer(kind: Quantization, dimension: usize) -> Trainer {
        Trainer {
            kind,
            min: vec![f32::INFINITY; dimension],
            max: vec![f32::NEG_INFINITY; dimension],
            sum: vec![0.0; dimension],
            rows: 0,
        }
    }

    pub fn kind(&self) -> Quantization {
        match self {
            Quantizer::Int8 { .. } => Quantization::Int8,
            Quantizer::Binary { .. } => Quantization::Binary,
        }
    }

    pub fn dimension(&self) -> usize {
        match self {
            Quantizer::Int8 { offset, .. } => offset.len(),
            Quantizer::Binary { center } => center.len(),
        }
    }

    /// Bytes of one code (binary codes are whole 64-bit words).
    pub fn code_bytes(&self) -> usize {
        let d = self.dimension();
        match self {
            Quantizer::Int8 { .. } => d,
            Quantizer::Binary { .. } => d.div_ceil(64) * 8,
        }
    }

    /// Bytes of one stored code row: the exact, decoded and residual norms, then the code.
    pub fn row_bytes(&self) -> usize {
        CODE_AT + self.code_bytes()
    }

    /// The norms of what `code` decodes to and of `v` minus that (int8; binary codes are
    /// compared by bits alone).
    fn decoded_norms(&self, v: &[f32], code: &[u8]) -> (f32, f32) {
        match self {
            Quantizer::Int8 { offset, scale } => {
                let (mut decoded, mut residual) = (0f64, 0f64);
                for (((&c, &o), &s), &x) in code.iter().zip(offset).zip(scale).zip(v) {
                    let y = o + s * c as f32;
                    decoded += (y as f64).powi(2);
                    residual += (x as f64 - y as f64).powi(2);
                }
                (decoded.sqrt() as f32, residual.sqrt() as f32)
            }
            Quantizer::Binary { .. } => (0.0, f32::INFINITY),
        }
    }

    /// Writes `v`'s code into `out` (`code_bytes` long).
    pub fn encode(&self, v: &[f32], out: &mut [u8]) {
        match self {
            Quantizer::Int8 { offset, scale } => {
                for (((o, &x), &off), &s) in out.iter_mut().zip(v).zip(offset).zip(scale) {
                    *o = if s > 0.0 { ((x - off) / s).round().clamp(0.0, 255.0) as u8 } else { 0 };
                }
            }
            Quantizer::Binary { center } => {
                out.fill(0);
                for (i, (&x, &c)) in v.iter().zip(center).enumerate() {
                    if x > c {
                        out[i / 8] |= 1 << (i % 8);
                    }
                }
            }
        }
    }

    /// The stored form: named f32 arrays.
    pub fn params(&self) -> Vec<(&'static str, &[f32])> {
        match self {
            Quantizer::Int8 { offset, scale } => vec![("offset", offset), ("scale", scale)],
            Quantizer::Binary { center } => vec![("center", center)],
        }
    }

    /// Rebuilds a quantizer from its stored arrays; `None` when any is missing or the wrong
    /// length (the caller then retrains).
    pub fn from_params(
        kind: Quantization,
        dimension: usize,
        get: impl Fn(&str) -> Option<Vec<f32>>,
    ) -> Option<Self> {
        let ok = |v: Option<Vec<f32>>| v.filter(|v| v.len() == dimension && v.iter().all(|x| x.is_finite()));
        match kind {
            Quantization::Int8 => {
                Some(Quantizer::Int8 { offset: ok(get("offset"))?, scale: ok(get("scale"))? })
            }
            Quantization::Binary => Some(Quantizer::Binary { center: ok(get("center"))? }),
            Quantization::None => None,
        }
    }
}

/// An int8 query prepared once for many [`CodeIndex::key`] calls.
pub struct CodeQuery {
    pub(super) q16: Vec<i16>,
    pub(super) from_int: f32,
    pub(super) base: f32,
    pub(super) q_norm: f32,
    pub(super) metric: Metric,
    /// A bound on `|q·offset|`'s rounding and on the query's rounding to i16, in dot units.
    pub(super) fixed_error: f32,
}

/// Accumulates per-dimension statistics for [`Quantizer`].
pub struct Trainer {
    kind: Quantization,
    min: Vec<f32>,
    max: Vec<f32>,
    sum: Vec<f64>,
    rows: usize,
}

impl Trainer {
    pub fn observe(&mut self, v: &[f32]) {
        for (i, &x) in v.iter().enumerate() {
            self.min[i] = self.min[i].min(x);
            self.max[i] = self.max[i].max(x);
            self.sum[i] += x as f64;
        }
        self.rows += 1;
    }

    /// Rows observed so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn finish(self) -> Quantizer {
        let empty = self.rows == 0;
        match self.kind {
            Quantization::Binary => Quantizer::Binary {
                center: self
                    .sum
                    .iter()
                    .map(|&s| if empty { 0.0 } else { (s / self.rows as f64) as f32 })
                    .collect(),
            },
            _ => {
                // An empty database gets the range [-1, 1]: embeddings mostly live there, and
                // the codes of later rows are only candidates (rescoring makes scores exact).
                let (min, max) = if empty {
                    (vec![-1.0; self.min.len()], vec![1.0; self.min.len()])
                } else {
                    (self.min, self.max)
                };
                Quantizer::Int8 {
                    scale: min.iter().zip(&max).map(|(lo, hi)| (hi - lo) / 255.0).collect(),
                    offset: min,
                }
            }
        }
    }
}

/// The codes of every live row, in slots (a deletion swaps the last row into the hole).
pub struct CodeIndex {
    quantizer: Quantizer,
    /// `row_bytes` per slot: the norm, then the code.
    rows: Vec<u8>,
    rowids: Vec<i64>,
    slot_of: IdMap<i64, usize>,
    kernels: Kernels,
    code_kernels: CodeKernels,
    /// How many rows the quantizer was trained on (`usize::MAX` when not recorded).
    trained_rows: usize,
}

impl CodeIndex {
    pub fn new(quantizer: Quantizer, capacity: usize) -> Self {
        let row_bytes = quantizer.row_bytes();
        CodeIndex {
            quantizer,
            rows: Vec::with_capacity(capacity * row_bytes),
            rowids: Vec::with_capacity(capacity),
            slot_of: IdMap::with_capacity_and_hasher(capacity, Default::default()),
            kernels: kernels::best(),
            code_kernels: kernels::codes::best(),
            trained_rows: usize::MAX,
        }
    }

    /// How many rows the quantizer was trained on (`usize::MAX` when the file does not say).
    pub fn trained_rows(&self) -> usize {
        self.trained_rows
    }

    pub fn set_trained_rows(&mut self, rows: usize) {
        self.trained_rows = rows;
    }

    pub fn quantizer(&self) -> &Quantizer {
        &self.quantizer
    }

    pub fn dimension(&self) -> usize {
        self.quantizer.dimension()
    }

    pub fn len(&self) -> usize {
        self.rowids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rowids.is_empty()
    }

    pub fn rowids(&self) -> impl Iterator<Item = i64> + '_ {
        self.rowids.iter().copied()
    }

    pub fn contains(&self, rowid: i64) -> bool {
        self.slot_of.contains_key(&rowid)
    }

    /// The stored code row of a vector: its norms and its code.
    pub fn encode_row(&self, v: &[f32], out: &mut [u8]) {
        out[..4].copy_from_slice(&norm(&self.kernels, v).to_le_bytes());
        self.quantizer.encode(v, &mut out[CODE_AT..]);
        let (decoded, residual) = self.quantizer.decoded_norms(v, &out[CODE_AT..]);
        out[4..8].copy_from_slice(&decoded.to_le_bytes());
        out[8..CODE_AT].copy_from_slice(&residual.to_le_bytes());
    }

    /// Appends committed rows from their stored code rows (`row_bytes` each, end to end).
    pub fn append(&mut self, first_rowid: i64, code_rows: &[u8]) {
        let rb = self.quantizer.row_bytes();
        debug_assert_eq!(code_rows.len() % rb, 0);
        let n = code_rows.len() / rb;
        self.reserve(n);
        for i in 0..n {
            self.push(first_rowid + i as i64, &code_rows[i * rb..(i + 1) * rb]);
        }
    }

    /// Appends one committed row from its stored code row.
    pub fn push(&mut self, rowid: i64, code_row: &[u8]) {
        debug_assert_eq!(code_row.len(), self.quantizer.row_bytes());
        self.slot_of.insert(rowid, self.rowids.len());
        self.rowids.push(rowid);
        self.rows.extend_from_slice(code_row);
    }

    /// Grows by at least a quarter, so that many small batches stay amortised O(n).
    pub fn reserve(&mut self, additional: usize) {
        let have = self.rowids.capacity() - self.rowids.len();
        if have < additional {
            let grow = additional.max(self.rowids.len() / 4);
            self.rowids.reserve_exact(grow);
            self.rows.reserve_exact(grow * self.quantizer.row_bytes());
            self.slot_of.reserve(grow);
        }
    }

    /// Overwrites a row's stored code row in place; false when the rowid is not held.
    pub fn replace(&mut self, rowid: i64, code_row: &[u8]) -> bool {
        let rb = self.quantizer.row_bytes();
        debug_assert_eq!(code_row.len(), rb);
        let Some(&slot) = self.slot_of.get(&rowid) else { return false };
        self.rows[slot * rb..(slot + 1) * rb].copy_from_slice(code_row);
        true
    }

    /// Gives every row its new rowid (`new_rowid` keeps their order).
    pub fn renumber(&mut self, new_rowid: &dyn Fn(i64) -> i64) {
        self.slot_of.clear();
        for (slot, rowid) in self.rowids.iter_mut().enumerate() {
            *rowid = new_rowid(*rowid);
            self.slot_of.insert(*rowid, slot);
        }
    }

    /// Removes a committed deletion; false when the rowid was not indexed.
    pub fn remove(&mut self, rowid: i64) -> bool {
        let Some(slot) = self.slot_of.remove(&rowid) else { return false };
        let rb = self.quantizer.row_bytes();
        let last = self.rowids.len() - 1;
        if slot != last {
            self.rows.copy_within(last * rb..(last + 1) * rb, slot * rb);
            self.rowids[slot] = self.rowids[last];
            self.slot_of.insert(self.rowids[slot], slot);
        }
        self.rowids.truncate(last);
        self.rows.truncate(last * rb);
        true
    }

    /// A rowid's slot: rowids come in insertion order from 1, so row `r` is mostly in slot
    /// `r - 1` (a deletion moves only the last row); that guess is tried before the map.
    #[inline]
    fn slot(&self, rowid: i64) -> Option<usize> {
        let guess = rowid.wrapping_sub(1) as usize;
        if self.rowids.get(guess) == Some(&rowid) {
            return Some(guess);
        }
        self.slot_of.get(&rowid).copied()
    }

    /// Hints the CPU to start loading a row's code (see `FlatIndex::prefetch`).
    #[inline]
    pub fn prefetch(&self, rowid: i64) {
        #[cfg(target_arch = "x86_64")]
        if let Some(slot) = self.slot(rowid) {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let rb = self.quantizer.row_bytes();
            let row = &self.rows[slot * rb..(slot + 1) * rb];
            for at in (0..rb).step_by(64) {
                // SAFETY: a prefetch changes no memory; the address is in bounds.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(row.as_ptr().add(at) as *const i8) };
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = rowid;
    }

    /// The exact norm stored with a row.
    pub fn norm_of(&self, rowid: i64) -> Option<f32> {
        let slot = self.slot(rowid)?;
        let rb = self.quantizer.row_bytes();
        Some(f32_at(&self.rows[slot * rb..], 0))
    }

    /// Bytes held (codes, norms, rowids and the slot map).
    pub fn heap_bytes(&self) -> usize {
        self.rows.capacity() + self.rowids.capacity() * 8 + self.slot_of.capacity() * (8 + 8 + 1)
    }

    /// The `n` best rows by approximate key (larger is better), restricted to `candidates`
    /// when given, best first. Ties keep rowid order, as everywhere.
    pub fn shortlist(&self, query: &[f32], metric: Metric, n: usize, candidates: Option<&[i64]>) -> Vec<i64> {
        let q_norm = norm(&self.kernels, query);
        match &self.quantizer {
            Quantizer::Int8 { offset, scale } => {
                // q·x ≈ q·offset + Σ (q_i scale_i) c_i; the second sum in integers, with the
                // scaled query rounded to i16 as finely as i32 sums allow.
                let scaled: Vec<f32> = query.iter().zip(scale).map(|(q, s)| q * s).collect();
                let largest = scaled.iter().fold(0f32, |m, x| m.max(x.abs()));
                let limit = (i32::MAX as f64 / (255.0 * query.len() as f64)).min(i16::MAX as f64) as f32;
                let to_int = if largest > 0.0 { limit / largest } else { 0.0 };
                let q16: Vec<i16> = scaled.iter().map(|x| (x * to_int).round() as i16).collect();
                let from_int = if to_int > 0.0 { 1.0 / to_int } else { 0.0 };
                let base = (self.kernels.dot)(query, offset);
                let dot_u8 = self.code_kernels.dot_u8;
                let dot = |row: &[u8]| base + dot_u8(&q16, &row[CODE_AT..]) as f32 * from_int;
                // One loop per metric, so the per-row work is inlined with no branch.
                match metric {
                    Metric::Dot => self.best_rows(n, candidates, dot),
                    Metric::Cosine => self.best_rows(n, candidates, |row| {
                        let denom = q_norm * f32_at(row, 4);
                        if denom == 0.0 {
                            0.0
                        } else {
                            dot(row) / denom
                        }
                    }),
                    Metric::Euclidean => self.best_rows(n, candidates, |row| {
                        let x_norm = f32_at(row, 4);
                        2.0 * dot(row) - q_norm * q_norm - x_norm * x_norm
                    }),
                }
            }
            Quantizer::Binary { .. } => {
                let mut bits = vec![0u8; self.quantizer.code_bytes()];
                self.quantizer.encode(query, &mut bits);
                let hamming = self.code_kernels.hamming;
                self.best_rows(n, candidates, |row| -(hamming(&bits, &row[CODE_AT..]) as f32))
            }
        }
    }

    /// A query prepared for [`CodeIndex::key`] (int8 only: what a graph needs).
    pub fn prepare(&self, query: &[f32], metric: Metric) -> Option<CodeQuery> {
        let Quantizer::Int8 { offset, scale } = &self.quantizer else { return None };
        let scaled: Vec<f32> = query.iter().zip(scale).map(|(q, s)| q * s).collect();
        let largest = scaled.iter().fold(0f32, |m, x| m.max(x.abs()));
        let limit = (i32::MAX as f64 / (255.0 * query.len() as f64)).min(i16::MAX as f64) as f32;
        let to_int = if largest > 0.0 { limit / largest } else { 0.0 };
        let from_int = if to_int > 0.0 { 1.0 / to_int } else { 0.0 };
        let d = query.len() as f32;
        let base_terms: f32 = query.iter().zip(offset).map(|(q, o)| (q * o).abs()).sum();
        Some(CodeQuery {
            q16: scaled.iter().map(|x| (x * to_int).round() as i16).collect(),
            from_int,
            base: (self.kernels.dot)(query, offset),
            q_norm: norm(&self.kernels, query),
            metric,
            // Each i16 is within half a step of q_i·scale_i; codes are at most 255.
            fixed_error: 0.5 * from_int * 255.0 * d + 4.0 * d * f32::EPSILON * base_terms,
        })
    }

    /// Every slot's stored code row with its rowid.
    pub(super) fn code_rows(&self) -> impl Iterator<Item = (i64, &[u8])> {
        self.rows
            .chunks_exact(self.quantizer.row_bytes())
            .zip(self.rowids.iter().copied())
            .map(|(r, id)| (id, r))
    }

    /// A row's stored code row.
    pub(super) fn code_row(&self, rowid: i64) -> Option<&[u8]> {
        let slot = self.slot(rowid)?;
        let rb = self.quantizer.row_bytes();
        Some(&self.rows[slot * rb..(slot + 1) * rb])
    }

    /// The approximate dot product `q·x` of a prepared query with a stored code row.
    pub(super) fn approx_dot(&self, q: &CodeQuery, row: &[u8]) -> f32 {
        q.base + (self.code_kernels.dot_u8)(&q.q16, &row[CODE_AT..]) as f32 * q.from_int
    }

    /// The approximate rank key of a row for a prepared query (`None`: not indexed).
    #[inline]
    pub fn key(&self, q: &CodeQuery, rowid: i64) -> Option<f32> {
        let slot = self.slot(rowid)?;
        let rb = self.quantizer.row_bytes();
        let row = &self.rows[slot * rb..(slot + 1) * rb];
        let dot = q.base + (self.code_kernels.dot_u8)(&q.q16, &row[CODE_AT..]) as f32 * q.from_int;
        let x_norm = f32_at(row, 4);
        Some(match q.metric {
            Metric::Dot => dot,
            Metric::Cosine => {
                let denom = q.q_norm * x_norm;
                if denom == 0.0 {
                    0.0
                } else {
                    dot / denom
                }
            }
            Metric::Euclidean => 2.0 * dot - q.q_norm * q.q_norm - x_norm * x_norm,
        })
    }

    /// What a row's int8 code decodes to (`None` for binary codes or an unknown row).
    pub fn decode(&self, rowid: i64) -> Option<Vec<f32>> {
        let Quantizer::Int8 { offset, scale } = &self.quantizer else { return None };
        let slot = self.slot(rowid)?;
        let rb = self.quantizer.row_bytes();
        let code = &self.rows[slot * rb + CODE_AT..(slot + 1) * rb];
        Some(code.iter().zip(offset).zip(scale).map(|((&c, &o), &s)| o + s * c as f32).collect())
    }

    /// The `n` rows (all, or the candidates) with the largest `key`, best first.
    #[inline]
    fn best_rows(&self, n: usize, candidates: Option<&[i64]>, key: impl Fn(&[u8]) -> f32) -> Vec<i64> {
        let rb = self.quantizer.row_bytes();
        let mut top = TopK::new(n, candidates.map_or(self.len(), <[i64]>::len));
        match candidates {
            None => {
                for (row, &rowid) in self.rows.chunks_exact(rb).zip(&self.rowids) {
                    top.offer(key(row), rowid);
                }
            }
            Some(rowids) => {
                for &rowid in rowids {
                    if let Some(&slot) = self.slot_of.get(&rowid) {
                        top.offer(key(&self.rows[slot * rb..(slot + 1) * rb]), rowid);
                    }
                }
            }
        }
        top.into_sorted().into_iter().map(|(rowid, _)| rowid).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_codes_reconstruct_within_half_a_step() {
        let rows: Vec<Vec<f32>> = (0..50)
            .map(|i| (0..7).map(|j| ((i * 7 + j) as f32 * 0.37).sin() * (j + 1) as f32).collect())
            .collect();
        let mut t = Quantizer::trainer(Quantization::Int8, 7);
        rows.iter().for_each(|r| t.observe(r));
        let q = t.finish();
        let Quantizer::Int8 { offset, scale } = &q else { panic!() };
        let mut code = vec![0u8; 7];
        for r in &rows {
            q.encode(r, &mut code);
            for j in 0..7 {
                let back = offset[j] + scale[j] * code[j] as f32;
                assert!((back - r[j]).abs() <= scale[j] * 0.5 + 1e-5, "dim {j}: {back} vs {}", r[j]);
            }
        }
    }

    #[test]
    fn binary_bits_split_at_the_mean_and_removal_keeps_rows() {
        let mut t = Quantizer::trainer(Quantization::Binary, 3);
        for r in [[0.0, 10.0, 5.0], [2.0, 20.0, 5.0]] {
            t.observe(&r);
        }
        let q = t.finish();
        assert_eq!(q, Quantizer::Binary { center: vec![1.0, 15.0, 5.0] });
        let mut ix = CodeIndex::new(q, 0);
        let mut row = vec![0u8; ix.quantizer.row_bytes()];
        for (rowid, v) in [(1, [2.0, 10.0, 9.0]), (2, [0.0, 30.0, 0.0]), (3, [2.0, 10.0, 9.5])] {
            ix.encode_row(&v, &mut row);
            ix.push(rowid, &row);
        }
        assert_eq!(row[CODE_AT], 0b101);
        // Rows 1 and 3 share their bits; ties keep rowid order.
        assert_eq!(ix.shortlist(&[3.0, 0.0, 6.0], Metric::Cosine, 2, None), vec![1, 3]);
        assert!(ix.remove(1));
        assert_eq!(ix.shortlist(&[3.0, 0.0, 6.0], Metric::Cosine, 3, None), vec![3, 2]);
        assert_eq!(ix.shortlist(&[3.0, 0.0, 6.0], Metric::Cosine, 3, Some(&[2])), vec![2]);
        assert!((ix.norm_of(3).unwrap() - (4.0f32 + 100.0 + 90.25).sqrt()).abs() < 1e-5);
    }
}
