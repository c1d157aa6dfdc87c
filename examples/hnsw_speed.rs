//! hnsw against the exact scan, natively, in one run: `cargo run --release --example
//! hnsw_speed [n] [dimension] [int8]`. Bench-like clustered data (100 centres ~ N(0, I),
//! spread 0.35); recall@10 against the exact answer; build rate; q/s over ef; filtered at
//! 10 % and 1 %.

use serde_json::json;
use sqlite_vector::{
    Config, IndexKind, IndexOptions, Metric, NewVector, Quantization, SearchOptions, VectorDb,
};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let d: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(128);
    let quantization =
        if args.next().as_deref() == Some("int8") { Quantization::Int8 } else { Quantization::None };
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
    let queries: Vec<Vec<f32>> = (0..200).map(|i| point(i * 13 + 5)).collect();
    let dir = std::env::temp_dir().join(format!("sv-hnsw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("h.db").to_string_lossy().into_owned();
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    let batch = |from: usize, to: usize| -> Vec<NewVector> {
        (from..to)
            .map(|i| {
                NewVector::new(format!("v{i}"), vectors[i].clone())
                    .with_metadata(json!({"c": i % 10, "h": i % 100}))
            })
            .collect()
    };
    // Exact baseline first (no index), then build the graph from the rows.
    let t = Instant::now();
    for from in (0..n).step_by(10_000) {
        db.insert_batch(batch(from, (from + 10_000).min(n))).unwrap();
    }
    let insert_rate = n as f64 / t.elapsed().as_secs_f64();
    let run = |db: &VectorDb, opts: &SearchOptions| -> (f64, Vec<Vec<String>>) {
        let t = Instant::now();
        let out: Vec<Vec<String>> = queries
            .iter()
            .map(|q| db.search(q, 10, opts).unwrap().into_iter().map(|h| h.id).collect())
            .collect();
        (queries.len() as f64 / t.elapsed().as_secs_f64(), out)
    };
    let base = SearchOptions { metric: Some(Metric::Cosine), include_embedding: false, ..Default::default() };
    let (exact_qps, truth) = run(&db, &base);
    let filtered = |f: serde_json::Value| SearchOptions { filter: Some(f), ..base.clone() };
    let (exact_c3, truth_c3) = run(&db, &filtered(json!({"c": 3})));
    let (exact_h7, truth_h7) = run(&db, &filtered(json!({"h": 7})));
    let t = Instant::now();
    db.create_index(&IndexOptions { kind: IndexKind::Hnsw, quantization, ..Default::default() }).unwrap();
    let build = t.elapsed().as_secs_f64();
    let recall = |got: &[Vec<String>], want: &[Vec<String>]| -> f64 {
        let hit: usize =
            got.iter().zip(want).map(|(g, w)| g.iter().filter(|id| w.contains(id)).count()).sum();
        hit as f64 / want.iter().map(Vec::len).sum::<usize>().max(1) as f64
    };
    let stats = db.stats().unwrap().index.unwrap();
    println!(
        "{n} x {d}, cosine, k=10, {} queries; hnsw m=16 efConstruction=100, {quantization:?}",
        queries.len()
    );
    println!("exact scan {exact_qps:8.0} q/s; batch insert {insert_rate:.0} vectors/s without the graph");
    println!(
        "graph built from the rows in {build:.1} s ({:.0} vectors/s); heap {:.2}x raw f32",
        n as f64 / build,
        stats.memory_bytes as f64 / (n * d * 4) as f64
    );
    for ef in [16, 32, 64, 128, 256] {
        let (qps, got) = run(&db, &SearchOptions { ef: Some(ef), ..base.clone() });
        println!(
            "  ef {ef:3}  {qps:8.0} q/s ({:6.1}x exact)  recall@10 {:.3}",
            qps / exact_qps,
            recall(&got, &truth)
        );
    }
    for (name, f, want, exact) in [
        ("{c: 3} 10 %", json!({"c": 3}), &truth_c3, exact_c3),
        ("{h: 7}  1 %", json!({"h": 7}), &truth_h7, exact_h7),
    ] {
        let (qps, got) = run(&db, &filtered(f));
        println!(
            "  filtered {name}: {qps:8.0} q/s ({:5.1}x exact filtered)  recall@10 {:.3}",
            qps / exact,
            recall(&got, want)
        );
    }
    // Inserts with the graph maintained.
    let extra: Vec<NewVector> =
        (0..2000).map(|i| NewVector::new(format!("x{i}"), point(i * 3 + 1))).collect();
    let t = Instant::now();
    for b in extra.chunks(500) {
        db.insert_batch(b.to_vec()).unwrap();
    }
    println!("insert with the graph: {:.0} vectors/s", 2000.0 / t.elapsed().as_secs_f64());
    db.close().unwrap();
    let t = Instant::now();
    let db = VectorDb::open(Config::new(&path)).unwrap();
    db.search(&queries[0], 10, &base).unwrap();
    println!("reopen with the stored graph to first answer: {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let _ = std::fs::remove_dir_all(&dir);
}
