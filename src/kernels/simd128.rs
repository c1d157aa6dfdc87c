//! wasm32 `simd128` kernels: four 4-lane accumulators (16 floats a step), a 4-lane loop,
//! then a scalar tail. Base simd128 has no FMA, so multiply and add are separate.
//!
//! The block kernels score a run of rows against one query in one call (no indirect call per
//! row), one row at a time with two accumulator chains. Scoring two or four rows at once
//! (one query load per several rows) measured faster in cache (10k x 128: +10%) but 1.7-2.3x
//! slower once the arena is larger than the caches (100k x 128, V8 in Node), so rows go
//! one at a time. A row's score never depends on its neighbours.

use core::arch::wasm32::*;

#[inline]
fn hsum(v: v128) -> f32 {
    f32x4_extract_lane::<0>(v)
        + f32x4_extract_lane::<1>(v)
        + f32x4_extract_lane::<2>(v)
        + f32x4_extract_lane::<3>(v)
}

/// Dot product.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let n = a.len();
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut acc = [f32x4_splat(0.0); 4];
    let mut i = 0;
    // SAFETY: every load reads 4 floats at an index + 4 <= n, inside both slices.
    unsafe {
        while i + 16 <= n {
            for (j, s) in acc.iter_mut().enumerate() {
                let x = v128_load(pa.add(i + 4 * j) as *const v128);
                let y = v128_load(pb.add(i + 4 * j) as *const v128);
                *s = f32x4_add(*s, f32x4_mul(x, y));
            }
            i += 16;
        }
        while i + 4 <= n {
            let x = v128_load(pa.add(i) as *const v128);
            let y = v128_load(pb.add(i) as *const v128);
            acc[0] = f32x4_add(acc[0], f32x4_mul(x, y));
            i += 4;
        }
    }
    let mut sum = hsum(f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3])));
    while i < n {
        sum += a[i] * b[i];
        i += 1;
    }
    sum
}

/// Squared Euclidean distance.
pub fn l2_squared(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let n = a.len();
    let (pa, pb) = (a.as_ptr(), b.as_ptr());
    let mut acc = [f32x4_splat(0.0); 4];
    let mut i = 0;
    // SAFETY: as in `dot`.
    unsafe {
        while i + 16 <= n {
            for (j, s) in acc.iter_mut().enumerate() {
                let d = f32x4_sub(
                    v128_load(pa.add(i + 4 * j) as *const v128),
                    v128_load(pb.add(i + 4 * j) as *const v128),
                );
                *s = f32x4_add(*s, f32x4_mul(d, d));
            }
            i += 16;
        }
        while i + 4 <= n {
            let d = f32x4_sub(v128_load(pa.add(i) as *const v128), v128_load(pb.add(i) as *const v128));
            acc[0] = f32x4_add(acc[0], f32x4_mul(d, d));
            i += 4;
        }
    }
    let mut sum = hsum(f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3])));
    while i < n {
        let d = a[i] - b[i];
        sum += d * d;
        i += 1;
    }
    sum
}

/// The per-row arithmetic of the block kernels. `L2` selects the squared distance instead
/// of the dot product.
///
/// # Safety
/// `q` and `row` must be valid for `d` floats.
#[inline(always)]
unsafe fn row_kernel<const L2: bool>(q: *const f32, row: *const f32, d: usize) -> f32 {
    let term = |x: v128, y: v128| {
        if L2 {
            let t = f32x4_sub(x, y);
            f32x4_mul(t, t)
        } else {
            f32x4_mul(x, y)
        }
    };
    let (mut a, mut b) = (f32x4_splat(0.0), f32x4_splat(0.0));
    let mut i = 0;
    while i + 8 <= d {
        a = f32x4_add(a, term(v128_load(q.add(i) as *const v128), v128_load(row.add(i) as *const v128)));
        b = f32x4_add(
            b,
            term(v128_load(q.add(i + 4) as *const v128), v128_load(row.add(i + 4) as *const v128)),
        );
        i += 8;
    }
    if i + 4 <= d {
        a = f32x4_add(a, term(v128_load(q.add(i) as *const v128), v128_load(row.add(i) as *const v128)));
        i += 4;
    }
    let mut sum = hsum(f32x4_add(a, b));
    for j in i..d {
        let (x, y) = (*q.add(j), *row.add(j));
        sum += if L2 { (x - y) * (x - y) } else { x * y };
    }
    sum
}

fn block<const L2: bool>(q: &[f32], rows: &[f32], out: &mut [f32]) {
    let d = q.len();
    assert_eq!(rows.len(), out.len() * d);
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: row `r` spans floats r*d .. (r+1)*d of `rows` (checked above).
        *o = unsafe { row_kernel::<L2>(q.as_ptr(), rows.as_ptr().add(r * d), d) };
    }
}

/// The dot product with exactly the arithmetic [`dot_block`] gives one row.
pub fn dot_row(q: &[f32], row: &[f32]) -> f32 {
    assert_eq!(q.len(), row.len());
    // SAFETY: both slices hold `q.len()` floats (checked above).
    unsafe { row_kernel::<false>(q.as_ptr(), row.as_ptr(), q.len()) }
}

/// The squared distance with exactly the arithmetic [`l2_block`] gives one row.
pub fn l2_row(q: &[f32], row: &[f32]) -> f32 {
    assert_eq!(q.len(), row.len());
    // SAFETY: as in `dot_row`.
    unsafe { row_kernel::<true>(q.as_ptr(), row.as_ptr(), q.len()) }
}

/// Dot products of `q` with each row of `rows` (`out.len()` rows of `q.len()` floats).
pub fn dot_block(q: &[f32], rows: &[f32], out: &mut [f32]) {
    block::<false>(q, rows, out)
}

/// Squared distances from `q` to each row of `rows`.
pub fn l2_block(q: &[f32], rows: &[f32], out: &mut [f32]) {
    block::<true>(q, rows, out)
}
