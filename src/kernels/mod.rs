//! Similarity kernels. `scalar` is the reference; the fast kernels are picked per target:
//! `simd128` on wasm32 (compile time, the crate is built with `+simd128`), AVX2+FMA on
//! x86_64 (run time, detected once). Every fast kernel is tested against the scalar one.

pub mod codes;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86;

/// Signature shared by every kernel: two slices of the same length in, one f32 out.
pub type Kernel = fn(&[f32], &[f32]) -> f32;

/// A kernel over a run of rows: `(query, rows end to end, one result per row)`.
pub type BlockKernel = fn(&[f32], &[f32], &mut [f32]);

/// The fastest kernels this machine supports.
#[derive(Clone, Copy)]
pub struct Kernels {
    pub dot: Kernel,
    pub l2_squared: Kernel,
    /// What the scan uses. Per row the same arithmetic as a block of one row, so a row's
    /// score never depends on its neighbours.
    pub dot_block: BlockKernel,
    pub l2_block: BlockKernel,
    /// One row with exactly the arithmetic a block kernel gives that row (`dot_block` and
    /// `l2_block` over a block of one, without the block call): what a graph walk calls per
    /// node, so it ranks with the same bits as the scan.
    pub dot_row: Kernel,
    pub l2_row: Kernel,
    /// Which implementation was chosen (for stats and benchmarks).
    pub name: &'static str,
}

/// Picks the kernels once; cheap to call afterwards.
pub fn best() -> Kernels {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        Kernels {
            dot: simd128::dot,
            l2_squared: simd128::l2_squared,
            dot_block: simd128::dot_block,
            l2_block: simd128::l2_block,
            dot_row: simd128::dot_row,
            l2_row: simd128::l2_row,
            name: "simd128",
        }
    }
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static CHOSEN: OnceLock<Kernels> = OnceLock::new();
        *CHOSEN.get_or_init(|| {
            if x86::available() {
                Kernels {
                    dot: x86::dot,
                    l2_squared: x86::l2_squared,
                    dot_block: |q, rows, out| per_row(x86::dot, q, rows, out),
                    l2_block: |q, rows, out| per_row(x86::l2_squared, q, rows, out),
                    dot_row: x86::dot,
                    l2_row: x86::l2_squared,
                    name: "avx2+fma",
                }
            } else {
                scalar_kernels()
            }
        })
    }
    #[cfg(not(any(all(target_arch = "wasm32", target_feature = "simd128"), target_arch = "x86_64")))]
    {
        scalar_kernels()
    }
}

/// The reference kernels.
pub fn scalar_kernels() -> Kernels {
    Kernels {
        dot: scalar::dot,
        l2_squared: scalar::l2_squared,
        dot_block: |q, rows, out| per_row(scalar::dot, q, rows, out),
        l2_block: |q, rows, out| per_row(scalar::l2_squared, q, rows, out),
        dot_row: scalar::dot,
        l2_row: scalar::l2_squared,
        name: "scalar",
    }
}

/// A block kernel made of a one-row kernel (the reference for the block kernels).
#[inline]
pub fn per_row(kernel: Kernel, q: &[f32], rows: &[f32], out: &mut [f32]) {
    assert_eq!(rows.len(), out.len() * q.len());
    for (o, row) in out.iter_mut().zip(rows.chunks_exact(q.len().max(1))) {
        *o = kernel(q, row);
    }
}

#[cfg(test)]
pub(crate) mod prop {
    //! Property tests: a fast kernel must agree with the scalar reference on odd lengths.

    /// Small deterministic generator (xorshift64*), so failures reproduce on every target.
    pub struct Rng(u64);
    impl Rng {
        pub fn new(seed: u64) -> Self {
            Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }
        pub fn next_f32(&mut self) -> f32 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
            ((x >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        }
        pub fn vec(&mut self, n: usize, scale: f32) -> Vec<f32> {
            (0..n).map(|_| self.next_f32() * scale).collect()
        }
    }

    pub const LENGTHS: [usize; 9] = [1, 3, 7, 8, 16, 33, 129, 784, 1537];

    /// Asserts that `fast` matches `reference` within a bound that scales with the terms.
    pub fn agrees(fast: super::Kernel, reference: super::Kernel, abs_terms: super::Kernel) {
        for (seed, &n) in LENGTHS.iter().enumerate() {
            for scale in [1e-3f32, 1.0, 255.0] {
                let mut rng = Rng::new(seed as u64 + 1);
                let a = rng.vec(n, scale);
                let b = rng.vec(n, scale);
                let want = reference(&a, &b) as f64;
                let got = fast(&a, &b) as f64;
                // Different summation orders differ by at most ~n ulp of the sum of |terms|.
                let bound = abs_terms(&a, &b) as f64 * (n as f64) * f32::EPSILON as f64 + 1e-30;
                assert!(
                    (want - got).abs() <= bound,
                    "n={n} scale={scale}: fast {got} vs scalar {want} (bound {bound})"
                );
            }
        }
    }

    /// Asserts that a block kernel agrees with the scalar reference row by row, for every
    /// block size 0..=9 and the odd lengths, and that a row scores the same bits wherever
    /// it sits in the block (and the same bits as `row_kernel`, the block's one-row form).
    pub fn block_agrees(
        fast: super::BlockKernel,
        row_kernel: super::Kernel,
        reference: super::Kernel,
        abs_terms: super::Kernel,
    ) {
        for (seed, &d) in LENGTHS.iter().enumerate() {
            for n in 0..=9usize {
                let mut rng = Rng::new(seed as u64 * 31 + n as u64 + 7);
                let q = rng.vec(d, 1.0);
                let rows = rng.vec(d * n, 1.0);
                let mut out = vec![f32::NAN; n];
                fast(&q, &rows, &mut out);
                for (r, row) in rows.chunks_exact(d).enumerate() {
                    let want = reference(&q, row) as f64;
                    let bound = abs_terms(&q, row) as f64 * d as f64 * f32::EPSILON as f64 + 1e-30;
                    assert!(
                        (out[r] as f64 - want).abs() <= bound,
                        "d={d} n={n} row {r}: {} vs {want}",
                        out[r]
                    );
                    let mut alone = [f32::NAN];
                    fast(&q, row, &mut alone);
                    assert_eq!(alone[0].to_bits(), out[r].to_bits(), "d={d} n={n} row {r} alone");
                    assert_eq!(row_kernel(&q, row).to_bits(), out[r].to_bits(), "d={d} row kernel");
                }
            }
        }
    }

    pub fn abs_dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| (x * y).abs()).sum()
    }
}
