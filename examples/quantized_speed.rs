//! Quantized flat indexes against the exact f32 scan, natively, in one run:
//! `cargo run --release --example quantized_speed [n] [dimension]`. Clustered synthetic
//! data (like the bench's `syn` sets); recall@10 against the exact answer computed here,
//! q/s as a ratio of the f32 scan's in the same run, heap per vector against raw f32.

use sqlite_vector::{Config, IndexOptions, Metric, NewVector, Quantization, SearchOptions, VectorDb};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let d: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(128);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    // As the bench's syn sets: 100 centres ~ N(0, I), points = centre + 0.35 N(0, I).
    let mut gauss = move || {
        let (u, v) = (rand() + 0.5, rand() + 0.5);
        (-2.0 * u.max(1e-7).ln()).sqrt() * (2.0 * std::f32::consts::PI * v).cos()
    };
    let centres: Vec<Vec<f32>> = (0..100).map(|_| (0..d).map(|_| gauss()).collect()).collect();
    let mut point = |i: usize| -> Vec<f32> {
        centres[(i * 31 + i / 7) % 100].iter().map(|c| c + 0.35 * gauss()).collect()
    };
    let vectors: Vec<Vec<f32>> = (0..n).map(&mut point).collect();
    let queries: Vec<Vec<f32>> = (0..200).map(|i| point(i * 7 + 3)).collect();
    let dir = std::env::temp_dir().join(format!("sv-quantized-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("q.db").to_string_lossy().into_owned();
    let _ = std::fs::remove_file(&path);
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    for (b, chunk) in vectors.chunks(10_000).enumerate() {
        db.insert_batch(
            chunk
                .iter()
                .enumerate()
                .map(|(j, v)| NewVector::new(format!("v{}", b * 10_000 + j), v.clone()))
                .collect(),
        )
        .unwrap();
    }
    let run = |db: &VectorDb, opts: &SearchOptions| -> (f64, Vec<Vec<String>>) {
        let start = Instant::now();
        let answers: Vec<Vec<String>> = queries
            .iter()
            .map(|q| db.search(q, 10, opts).unwrap().into_iter().map(|h| h.id).collect())
            .collect();
        (queries.len() as f64 / start.elapsed().as_secs_f64(), answers)
    };
    let base = SearchOptions { metric: Some(Metric::Cosine), include_embedding: false, ..Default::default() };
    let (f32_qps, truth) = run(&db, &base);
    let raw = (n * d * 4) as f64;
    println!(
        "{n} x {d}, cosine, k=10, {} queries, file on disk (page cache warm after the first pass)",
        queries.len()
    );
    println!(
        "f32 exact scan      {f32_qps:9.0} q/s  (1.00x)  heap {:.3}x raw f32",
        db.index_bytes() as f64 / raw
    );
    for q in [Quantization::Int8, Quantization::Binary] {
        let start = Instant::now();
        db.create_index(&IndexOptions { quantization: q, ..Default::default() }).unwrap();
        let build = start.elapsed().as_secs_f64();
        let heap = db.stats().unwrap().index.unwrap().memory_bytes as f64 / raw;
        println!("{q:?}: built in {build:.2} s, heap {heap:.3}x raw f32");
        run(&db, &base); // warm SQLite's page cache for the rescoring reads
        for rescore in [1usize, 2, 4, 8, 16] {
            let opts = SearchOptions { rescore: Some(rescore), ..base.clone() };
            let (qps, got) = run(&db, &opts);
            let hit: usize =
                got.iter().zip(&truth).map(|(g, t)| g.iter().filter(|id| t.contains(id)).count()).sum();
            println!(
                "  rescore {rescore:2}  {qps:9.0} q/s  ({:5.2}x f32)  recall@10 {:.3}",
                qps / f32_qps,
                hit as f64 / (10 * queries.len()) as f64
            );
        }
        let (qps, got) = run(&db, &SearchOptions { exact: true, ..base.clone() });
        assert_eq!(got, truth, "exact: true equals the f32 scan");
        println!("  exact: true            {qps:9.0} q/s ({:5.2}x f32), identical ids", qps / f32_qps);
        db.drop_index().unwrap();
    }
    db.close().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
