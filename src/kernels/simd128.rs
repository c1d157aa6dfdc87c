//! wasm32 `simd128` kernels: four 4-lane accumulators (16 floats a step), a 4-lane loop,
//! then a scalar tail. Base simd128 has no FMA, so multiply and add are separate.

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
