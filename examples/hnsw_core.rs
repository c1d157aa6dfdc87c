//! The graph alone (no SQLite): `cargo run --release --example hnsw_core [n] [dimension]`. Builds the graph over the same clustered data as `hnsw_speed`, then times
//! `graph_search` per ef and prints a checksum of every answer (rowids and key bits), so a
//! change that must not alter results can be checked against the figures before it.

use sqlite_vector::index::flat::FlatIndex;
use sqlite_vector::index::hnsw::{Hnsw, Params};
use sqlite_vector::index::spaces::{graph_insert, graph_search};
use sqlite_vector::index::Vectors;
use sqlite_vector::Metric;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let d: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(128);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut gauss = move || {
        let (u, v) = (rand().max(1e-7), rand());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f32::consts::PI * v).cos()
    };
    let centres: Vec<Vec<f32>> = (0..100).map(|_| (0..d).map(|_| gauss()).collect()).collect();
    let mut point = |i: usize| -> Vec<f32> {
        centres[(i * 31 + i / 7) % 100].iter().map(|c| c + 0.35 * gauss()).collect()
    };
    let vectors: Vec<Vec<f32>> = (0..n).map(&mut point).collect();
    let queries: Vec<Vec<f32>> = (0..1000).map(|i| point(i * 13 + 5)).collect();
    let mut arena = FlatIndex::with_capacity(d, n);
    for (i, v) in vectors.iter().enumerate() {
        arena.push(i as i64 + 1, v);
    }
    let vectors_held = Vectors::Flat(arena);
    let params = Params { m: 16, ef_construction: 100, metric: Metric::Cosine };
    let mut g = Hnsw::new(params);
    let t = Instant::now();
    for (i, v) in vectors.iter().enumerate() {
        graph_insert(&mut g, &vectors_held, i as i64 + 1, v);
    }
    let build = t.elapsed().as_secs_f64();
    let mut graph_sum = 0u64;
    for r in 1..=n as i64 {
        for b in g.record(r).unwrap() {
            graph_sum = graph_sum.wrapping_mul(31).wrapping_add(b as u64);
        }
    }
    println!("{n} x {d}: built in {build:.2} s, graph checksum {graph_sum:016x}");
    for ef in [16, 64, 256] {
        let mut best = f64::INFINITY;
        let mut sum = 0u64;
        for round in 0..5 {
            let t = Instant::now();
            let mut s = 0u64;
            for q in &queries {
                for (rowid, key) in graph_search(&g, &vectors_held, q, ef, None) {
                    s = s.wrapping_mul(1_000_003).wrapping_add(rowid as u64 ^ ((key.to_bits() as u64) << 20));
                }
            }
            best = best.min(t.elapsed().as_secs_f64() / queries.len() as f64);
            if round == 0 {
                sum = s;
            }
            assert_eq!(s, sum, "the same answers every round");
        }
        println!("  ef {ef:3}  {:7.1} us/query (best of 5)  answers {sum:016x}", best * 1e6);
    }
    // Filtered (10 %): the allow-list path.
    let allow = |r: i64| r % 10 == 3;
    let t = Instant::now();
    let mut s = 0u64;
    for q in &queries {
        for (rowid, _) in g_search_allow(&g, &vectors_held, q, &allow) {
            s = s.wrapping_mul(1_000_003).wrapping_add(rowid as u64);
        }
    }
    println!(
        "  filtered 10 % ef 64  {:7.1} us/query  answers {s:016x}",
        t.elapsed().as_secs_f64() / queries.len() as f64 * 1e6
    );
}

fn g_search_allow(g: &Hnsw, v: &Vectors, q: &[f32], allow: &dyn Fn(i64) -> bool) -> Vec<(i64, f32)> {
    graph_search(g, v, q, 64, Some(allow))
}
