//! Vectors to insert, wherever they are, and how a batch is staged into the arena.

use crate::codec;
use crate::error::{Error, Result};
use crate::index::flat::FlatIndex;

/// Vectors to insert: each has a length, and a run of them can be copied end to end into
/// the search arena. Implemented for `Vec<Vec<f32>>` and for [`Packed`] vectors (a slice, or
/// in the wasm binding a JS `Float32Array`).
pub trait VectorSource {
    /// How many vectors.
    fn count(&self) -> usize;
    /// The length of vector `i`.
    fn length(&self, i: usize) -> usize;
    /// Copies vectors `first .. first + n` end to end into `out`. Called only once every
    /// length is known to be the same, so `out.len()` is `n` times that length.
    fn copy_to(&self, first: usize, n: usize, out: &mut [f32]);
}

impl VectorSource for Vec<Vec<f32>> {
    fn count(&self) -> usize {
        self.len()
    }
    fn length(&self, i: usize) -> usize {
        self[i].len()
    }
    fn copy_to(&self, first: usize, n: usize, out: &mut [f32]) {
        let d = out.len() / n.max(1);
        for (dst, v) in out.chunks_exact_mut(d).zip(&self[first..first + n]) {
            dst.copy_from_slice(v);
        }
    }
}

/// Floats laid end to end somewhere: a slice here, a JS `Float32Array` in the wasm binding
/// (copied straight out of JS memory).
pub trait Floats {
    fn float_count(&self) -> usize;
    /// Copies `out.len()` floats starting at `start` into `out`.
    fn copy_range(&self, start: usize, out: &mut [f32]);
}

impl Floats for &[f32] {
    fn float_count(&self) -> usize {
        self.len()
    }
    fn copy_range(&self, start: usize, out: &mut [f32]) {
        out.copy_from_slice(&self[start..start + out.len()]);
    }
}

/// Vectors packed end to end, with their lengths.
pub struct Packed<'a, F: Floats = &'a [f32]> {
    flat: F,
    lengths: &'a [u32],
}

impl<'a, F: Floats> Packed<'a, F> {
    /// `InvalidArgument` when the lengths do not add up to the floats in `flat`.
    pub fn new(flat: F, lengths: &'a [u32]) -> Result<Self> {
        let total: usize = lengths.iter().map(|&l| l as usize).sum();
        if total != flat.float_count() {
            return Err(Error::InvalidArgument("lengths do not add up to the packed vectors".into()));
        }
        Ok(Packed { flat, lengths })
    }
}

impl<F: Floats> VectorSource for Packed<'_, F> {
    fn count(&self) -> usize {
        self.lengths.len()
    }
    fn length(&self, i: usize) -> usize {
        self.lengths[i] as usize
    }
    fn copy_to(&self, first: usize, n: usize, out: &mut [f32]) {
        let d = out.len() / n.max(1);
        self.flat.copy_range(first * d, out);
    }
}

/// Copies a batch into the end of the arena, checking every value; the rows stay
/// uncommitted (the caller truncates on failure). `what(i)` names vector `i` in errors.
pub(crate) fn stage(
    index: &mut FlatIndex,
    source: &dyn VectorSource,
    first_rowid: i64,
    what: &dyn Fn(usize) -> String,
) -> Result<()> {
    let (n, d) = (source.count(), index.dimension());
    index.reserve(n);
    let mut done = 0;
    while done < n {
        done += index.append_rows(first_rowid + done as i64, n - done, |space| {
            let rows = space.len() / d;
            source.copy_to(done, rows, space);
            for (j, row) in space.chunks_exact(d).enumerate() {
                codec::validate(row, || what(done + j))?;
            }
            Ok::<_, Error>(rows)
        })?;
    }
    Ok(())
}

/// Copies a batch into one new buffer, checking every value (for an index that keeps only
/// codes in the heap: the floats go to the file and are dropped).
pub(crate) fn stage_floats(
    source: &dyn VectorSource,
    d: usize,
    what: &dyn Fn(usize) -> String,
) -> Result<Vec<f32>> {
    let n = source.count();
    let mut floats = vec![0f32; n * d];
    source.copy_to(0, n, &mut floats);
    for (i, row) in floats.chunks_exact(d).enumerate() {
        codec::validate(row, || what(i))?;
    }
    Ok(floats)
}
