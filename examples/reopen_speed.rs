//! Reopen to first answer, natively (`cargo run --release --example reopen_speed [n] [d]`):
//! a file of `n` x `d` vectors with `{h, c}` metadata (as `npm run bench` writes), reopened
//! three times; each line splits the open into its parts. The physical floor beside it: the
//! time to read the file's bytes once.

use serde_json::json;
use sqlite_vector::{Config, NewVector, SearchOptions, VectorDb};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let d: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(128);
    let dir = std::env::temp_dir().join(format!("sv-reopen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("reopen.db");
    let config = || Config { path: path.to_string_lossy().into_owned(), ..Default::default() };
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let vectors: Vec<Vec<f32>> = (0..n).map(|_| (0..d).map(|_| rand()).collect()).collect();
    {
        let start = Instant::now();
        let mut db = VectorDb::open(config()).unwrap();
        for b in 0..n.div_ceil(10_000) {
            let batch = (b * 10_000..((b + 1) * 10_000).min(n))
                .map(|i| {
                    NewVector::new(format!("v{i}"), vectors[i].clone())
                        .with_metadata(json!({"h": i % 100, "c": i % 10}))
                })
                .collect();
            db.insert_batch(batch).unwrap();
        }
        let secs = start.elapsed().as_secs_f64();
        println!("inserted {n} x {d} in batches of 10,000: {:.0} vectors/s", n as f64 / secs);
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    let query: Vec<f32> = (0..d).map(|_| rand()).collect();
    for round in 0..3 {
        let start = Instant::now();
        let file = std::fs::read(&path).unwrap();
        let read = start.elapsed();
        drop(file);
        let start = Instant::now();
        let db = VectorDb::open(config()).unwrap();
        let opened = start.elapsed();
        let hits = db.search(&query, 10, &SearchOptions::default()).unwrap();
        let answered = start.elapsed();
        assert_eq!(hits.len(), 10);
        let filtered = SearchOptions { filter: Some(json!({"c": 3})), ..Default::default() };
        let start = Instant::now();
        assert_eq!(db.search(&query, 10, &filtered).unwrap().len(), 10);
        let first_filtered = start.elapsed();
        println!(
            "round {round}: {n} x {d}, file {:.1} MB read in {:.0} ms; open {:.0} ms, first answer at {:.0} ms; \
             then the first filtered answer (builds the attribute index) {:.0} ms",
            bytes as f64 / 1e6,
            read.as_secs_f64() * 1e3,
            opened.as_secs_f64() * 1e3,
            answered.as_secs_f64() * 1e3,
            first_filtered.as_secs_f64() * 1e3
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
