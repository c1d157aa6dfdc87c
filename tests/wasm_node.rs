//! wasm32 tests that run in Node (wasm-bindgen-test's default): the fixture scenario on the
//! in-memory VFS, and the simd128 kernels against the scalar reference.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use sqlite_vector::kernels::{scalar, simd128};
use sqlite_vector::{Config, SearchOptions, VectorDb};
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
fn fixtures_match_brute_force_in_memory() {
    let f = fixtures();
    let mut db = VectorDb::open(Config::default()).unwrap();
    db.insert_batch(new_vectors(&f)).unwrap();
    check_search_matches_brute_force(&db, &f);
    check_exact_ties(&db, &f);
    let s = db.stats().unwrap();
    assert_eq!((s.count, s.backend, s.persistent), (200, "wasm", false));
    let r = db.get("v007").unwrap().unwrap();
    assert!(r.timestamp > 1_700_000_000_000, "SQLite's clock works on wasm: {}", r.timestamp);
    assert!(db.search(&f.queries[0], 3, &SearchOptions::default()).unwrap().len() == 3);
}

/// xorshift, so that a failure reproduces.
fn vector(seed: &mut u64, n: usize, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            ((*seed >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}

#[wasm_bindgen_test]
fn simd128_kernels_match_scalar() {
    assert_eq!(sqlite_vector::kernels::best().name, "simd128");
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for n in [1usize, 3, 7, 8, 15, 16, 17, 129, 784, 1537] {
        for scale in [1e-3f32, 1.0, 255.0] {
            let a = vector(&mut seed, n, scale);
            let b = vector(&mut seed, n, scale);
            let terms: f32 = a.iter().zip(&b).map(|(x, y)| (x * y).abs()).sum();
            let bound = |mag: f32| mag as f64 * n as f64 * f32::EPSILON as f64 + 1e-30;
            let (d, ds) = (simd128::dot(&a, &b) as f64, scalar::dot(&a, &b) as f64);
            assert!((d - ds).abs() <= bound(terms), "dot n={n}: {d} vs {ds}");
            let (l, ls) = (simd128::l2_squared(&a, &b) as f64, scalar::l2_squared(&a, &b) as f64);
            assert!((l - ls).abs() <= bound(ls as f32), "l2 n={n}: {l} vs {ls}");
        }
    }
}

#[wasm_bindgen_test]
fn simd128_block_kernels_match_scalar_and_score_a_row_the_same_anywhere() {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for d in [1usize, 3, 4, 7, 8, 12, 16, 17, 129, 784] {
        for n in 0..=9usize {
            let q = vector(&mut seed, d, 1.0);
            let rows = vector(&mut seed, d * n, 1.0);
            let (mut dots, mut l2s) = (vec![f32::NAN; n], vec![f32::NAN; n]);
            simd128::dot_block(&q, &rows, &mut dots);
            simd128::l2_block(&q, &rows, &mut l2s);
            for (r, row) in rows.chunks_exact(d).enumerate() {
                let terms: f32 = q.iter().zip(row).map(|(x, y)| (x * y).abs()).sum();
                let bound = |mag: f32| mag as f64 * d as f64 * f32::EPSILON as f64 + 1e-30;
                let (want_dot, want_l2) = (scalar::dot(&q, row), scalar::l2_squared(&q, row));
                assert!((dots[r] as f64 - want_dot as f64).abs() <= bound(terms), "dot d={d} n={n} row {r}");
                assert!((l2s[r] as f64 - want_l2 as f64).abs() <= bound(want_l2), "l2 d={d} n={n} row {r}");
                let (mut one_dot, mut one_l2) = ([f32::NAN], [f32::NAN]);
                simd128::dot_block(&q, row, &mut one_dot);
                simd128::l2_block(&q, row, &mut one_l2);
                assert_eq!(one_dot[0].to_bits(), dots[r].to_bits(), "dot d={d} n={n} row {r} alone");
                assert_eq!(one_l2[0].to_bits(), l2s[r].to_bits(), "l2 d={d} n={n} row {r} alone");
            }
        }
    }
}
