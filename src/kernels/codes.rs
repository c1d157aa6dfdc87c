//! Kernels over quantized codes: a float query against `u8` codes (int8 quantization:
//! `Σ q'_i · c_i`, the query already multiplied by each dimension's scale) and Hamming
//! distance between bit codes (binary quantization, by popcount). The scalar versions are
//! the reference; simd128 (wasm32) and AVX2 (x86_64, detected at run time) are tested
//! against them on odd lengths.

/// `Σ q[i] · codes[i]` over `u8` codes.
pub type DotU8 = fn(&[f32], &[u8]) -> f32;

/// Differing bits between two bit codes of the same length (a multiple of 8 bytes).
pub type Hamming = fn(&[u8], &[u8]) -> u32;

#[derive(Clone, Copy)]
pub struct CodeKernels {
    pub dot_u8: DotU8,
    pub hamming: Hamming,
}

/// The fastest code kernels this machine supports.
pub fn best() -> CodeKernels {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        CodeKernels { dot_u8: simd128::dot_u8, hamming: scalar_hamming }
    }
    #[cfg(target_arch = "x86_64")]
    {
        if super::x86::available() {
            CodeKernels { dot_u8: avx2::dot_u8, hamming: scalar_hamming }
        } else {
            scalar()
        }
    }
    #[cfg(not(any(all(target_arch = "wasm32", target_feature = "simd128"), target_arch = "x86_64")))]
    {
        scalar()
    }
}

/// The reference kernels.
pub fn scalar() -> CodeKernels {
    CodeKernels { dot_u8: scalar_dot_u8, hamming: scalar_hamming }
}

pub fn scalar_dot_u8(q: &[f32], codes: &[u8]) -> f32 {
    assert_eq!(q.len(), codes.len());
    q.iter().zip(codes).map(|(&x, &c)| x * c as f32).sum()
}

/// Popcount is one instruction on wasm32 (`i64.popcnt`) and on x86_64 CPUs with POPCNT;
/// elsewhere `count_ones` is a short bit trick.
pub fn scalar_hamming(a: &[u8], b: &[u8]) -> u32 {
    assert_eq!(a.len(), b.len());
    let word = |c: &[u8]| u64::from_le_bytes(c.try_into().expect("8 bytes"));
    a.chunks_exact(8).zip(b.chunks_exact(8)).map(|(x, y)| (word(x) ^ word(y)).count_ones()).sum()
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128 {
    use core::arch::wasm32::*;

    /// 16 codes a step: widened u8 → u16 → u32 → f32, multiplied and added in four lanes
    /// of four.
    pub fn dot_u8(q: &[f32], codes: &[u8]) -> f32 {
        assert_eq!(q.len(), codes.len());
        let n = q.len();
        let mut acc = [f32x4_splat(0.0); 4];
        let mut i = 0;
        // SAFETY: each step reads 16 codes and 16 floats at i + 16 <= n, inside both slices.
        unsafe {
            while i + 16 <= n {
                let c = v128_load(codes.as_ptr().add(i) as *const v128);
                let lo = u16x8_extend_low_u8x16(c);
                let hi = u16x8_extend_high_u8x16(c);
                let parts = [
                    u32x4_extend_low_u16x8(lo),
                    u32x4_extend_high_u16x8(lo),
                    u32x4_extend_low_u16x8(hi),
                    u32x4_extend_high_u16x8(hi),
                ];
                for (j, (s, p)) in acc.iter_mut().zip(parts).enumerate() {
                    let x = v128_load(q.as_ptr().add(i + 4 * j) as *const v128);
                    *s = f32x4_add(*s, f32x4_mul(x, f32x4_convert_u32x4(p)));
                }
                i += 16;
            }
        }
        let s = f32x4_add(f32x4_add(acc[0], acc[1]), f32x4_add(acc[2], acc[3]));
        let mut sum = f32x4_extract_lane::<0>(s)
            + f32x4_extract_lane::<1>(s)
            + f32x4_extract_lane::<2>(s)
            + f32x4_extract_lane::<3>(s);
        while i < n {
            sum += q[i] * codes[i] as f32;
            i += 1;
        }
        sum
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use std::arch::x86_64::*;

    /// Crate-private for the same reason as `x86::dot`: sound only after
    /// `x86::available()`, and reached only through [`super::best`], which checks it.
    pub(crate) fn dot_u8(q: &[f32], codes: &[u8]) -> f32 {
        assert_eq!(q.len(), codes.len());
        // SAFETY: callers (`best` and the tests) checked AVX2 and FMA first.
        unsafe { dot_u8_avx2(q, codes) }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn dot_u8_avx2(q: &[f32], codes: &[u8]) -> f32 {
        let n = q.len();
        let (pq, pc) = (q.as_ptr(), codes.as_ptr());
        let mut acc = [_mm256_setzero_ps(); 2];
        let mut i = 0;
        while i + 16 <= n {
            for (j, s) in acc.iter_mut().enumerate() {
                let c = _mm_loadl_epi64(pc.add(i + 8 * j) as *const __m128i);
                let c = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(c));
                *s = _mm256_fmadd_ps(_mm256_loadu_ps(pq.add(i + 8 * j)), c, *s);
            }
            i += 16;
        }
        let s = _mm256_add_ps(acc[0], acc[1]);
        let lo = _mm256_castps256_ps128(s);
        let hi = _mm256_extractf128_ps(s, 1);
        let s = _mm_add_ps(lo, hi);
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
        let mut sum = _mm_cvtss_f32(s);
        while i < n {
            sum += *pq.add(i) * *pc.add(i) as f32;
            i += 1;
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::prop::{Rng, LENGTHS};

    fn codes(rng: &mut Rng, n: usize) -> Vec<u8> {
        (0..n).map(|_| ((rng.next_f32() + 1.0) * 127.9) as u8).collect()
    }

    #[test]
    fn best_dot_u8_agrees_with_scalar() {
        let fast = best().dot_u8;
        for (seed, &n) in LENGTHS.iter().enumerate() {
            let mut rng = Rng::new(seed as u64 + 11);
            let q = rng.vec(n, 3.0);
            let c = codes(&mut rng, n);
            let want = scalar_dot_u8(&q, &c) as f64;
            let bound: f64 = q.iter().zip(&c).map(|(x, &y)| (x * y as f32).abs() as f64).sum::<f64>()
                * n as f64
                * f32::EPSILON as f64
                + 1e-30;
            let got = fast(&q, &c) as f64;
            assert!((got - want).abs() <= bound, "n={n}: {got} vs {want}");
        }
    }

    #[test]
    fn hamming_counts_differing_bits() {
        let bytes = |w: &[u64]| w.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        assert_eq!(scalar_hamming(&bytes(&[0b1011, u64::MAX]), &bytes(&[0b0001, 0])), 2 + 64);
        let fast = best().hamming;
        let mut rng = Rng::new(5);
        for n in [1usize, 3, 12, 24] {
            let a: Vec<u64> = (0..n).map(|_| rng.next_f32().to_bits() as u64 * 0x9E37_79B9).collect();
            let b: Vec<u64> = (0..n).map(|_| rng.next_f32().to_bits() as u64 * 0x85EB_CA6B).collect();
            let naive: u32 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (0..64).filter(|i| (x >> i) & 1 != (y >> i) & 1).count() as u32)
                .sum();
            assert_eq!(fast(&bytes(&a), &bytes(&b)), naive);
        }
    }
}
