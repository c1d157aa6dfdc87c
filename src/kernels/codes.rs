//! Kernels over quantized codes: an `i16` query against `u8` codes (int8 quantization:
//! `Σ q_i · c_i` in integers, the query already multiplied by each dimension's scale and
//! rounded; the caller keeps `Σ |q_i| · 255` within `i32`) and Hamming distance between bit
//! codes (binary quantization, by popcount). Integers because widening u8 to i16 and one
//! multiply-add of pairs (AVX2 `vpmaddwd`, wasm `i32x4.dot_i16x8_s`) does 16 (8) codes an
//! instruction, twice what a float multiply-add does after converting the codes. The scalar versions are
//! the reference; simd128 (wasm32) and AVX2 (x86_64, detected at run time) are tested
//! against them on odd lengths.

/// `Σ q[i] · codes[i]` over `u8` codes, in `i32`.
pub type DotU8 = fn(&[i16], &[u8]) -> i32;

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

pub fn scalar_dot_u8(q: &[i16], codes: &[u8]) -> i32 {
    assert_eq!(q.len(), codes.len());
    q.iter().zip(codes).map(|(&x, &c)| x as i32 * c as i32).sum()
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

    /// 16 codes a step: widened to i16, multiplied with the query and summed in pairs
    /// (`i32x4.dot_i16x8_s`), two accumulators.
    pub fn dot_u8(q: &[i16], codes: &[u8]) -> i32 {
        assert_eq!(q.len(), codes.len());
        let n = q.len();
        let mut acc = [i32x4_splat(0); 2];
        let mut i = 0;
        // SAFETY: each step reads 16 codes and 16 i16 at i + 16 <= n, inside both slices.
        unsafe {
            while i + 16 <= n {
                let c = v128_load(codes.as_ptr().add(i) as *const v128);
                let lo = v128_load(q.as_ptr().add(i) as *const v128);
                let hi = v128_load(q.as_ptr().add(i + 8) as *const v128);
                acc[0] = i32x4_add(acc[0], i32x4_dot_i16x8(u16x8_extend_low_u8x16(c), lo));
                acc[1] = i32x4_add(acc[1], i32x4_dot_i16x8(u16x8_extend_high_u8x16(c), hi));
                i += 16;
            }
        }
        let s = i32x4_add(acc[0], acc[1]);
        let mut sum = i32x4_extract_lane::<0>(s)
            + i32x4_extract_lane::<1>(s)
            + i32x4_extract_lane::<2>(s)
            + i32x4_extract_lane::<3>(s);
        while i < n {
            sum += q[i] as i32 * codes[i] as i32;
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
    pub(crate) fn dot_u8(q: &[i16], codes: &[u8]) -> i32 {
        assert_eq!(q.len(), codes.len());
        // SAFETY: callers (`best` and the tests) checked AVX2 first.
        unsafe { dot_u8_avx2(q, codes) }
    }

    /// 32 codes a step: two loads of 16 widened to i16 (`vpmovzxbw`), multiplied and summed
    /// in pairs into i32 (`vpmaddwd`), two accumulators.
    #[target_feature(enable = "avx2")]
    unsafe fn dot_u8_avx2(q: &[i16], codes: &[u8]) -> i32 {
        let n = q.len();
        let (pq, pc) = (q.as_ptr(), codes.as_ptr());
        let mut acc = [_mm256_setzero_si256(); 2];
        let mut i = 0;
        while i + 32 <= n {
            for (j, s) in acc.iter_mut().enumerate() {
                let c = _mm256_cvtepu8_epi16(_mm_loadu_si128(pc.add(i + 16 * j) as *const __m128i));
                let x = _mm256_loadu_si256(pq.add(i + 16 * j) as *const __m256i);
                *s = _mm256_add_epi32(*s, _mm256_madd_epi16(c, x));
            }
            i += 32;
        }
        let s = _mm256_add_epi32(acc[0], acc[1]);
        let s = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01_00_11_10));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
        let mut sum = _mm_cvtsi128_si32(s);
        while i < n {
            sum += *pq.add(i) as i32 * *pc.add(i) as i32;
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
    fn best_dot_u8_equals_scalar_exactly() {
        let fast = best().dot_u8;
        for (seed, &n) in LENGTHS.iter().enumerate() {
            let mut rng = Rng::new(seed as u64 + 11);
            // The largest query the index builds for this length (|q| * 255 * n fits i32).
            let max = (i32::MAX as f64 / (255.0 * n as f64)).min(i16::MAX as f64);
            let q: Vec<i16> = (0..n).map(|_| (rng.next_f32() as f64 * max) as i16).collect();
            let c = codes(&mut rng, n);
            let naive: i64 = q.iter().zip(&c).map(|(&x, &y)| x as i64 * y as i64).sum();
            assert_eq!(scalar_dot_u8(&q, &c) as i64, naive, "n={n}");
            assert_eq!(fast(&q, &c), scalar_dot_u8(&q, &c), "n={n}");
            let extreme = vec![if n % 2 == 0 { max as i16 } else { -(max as i16) }; n];
            assert_eq!(
                fast(&extreme, &vec![255; n]),
                scalar_dot_u8(&extreme, &vec![255; n]),
                "n={n} extreme"
            );
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
