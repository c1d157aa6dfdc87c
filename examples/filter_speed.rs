//! Filtered exact search against unfiltered, natively, in one run (`cargo run --release
//! --example filter_speed [n] [dimension]`). Metadata has a field with 10 values (`c`, 10 %
//! selectivity) and one with 100 (`h`, 1 %), as in `npm run bench`. Each filtered answer is
//! checked against a brute force over the matching rows computed here.

use serde_json::json;
use sqlite_vector::{Config, Metric, NewVector, SearchOptions, VectorDb};
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
    let vectors: Vec<Vec<f32>> = (0..n).map(|_| (0..d).map(|_| rand()).collect()).collect();
    let mut db = VectorDb::open(Config::default()).unwrap();
    for (b, chunk) in vectors.chunks(10_000).enumerate() {
        let batch = chunk
            .iter()
            .enumerate()
            .map(|(j, v)| {
                let i = b * 10_000 + j;
                NewVector::new(format!("v{i}"), v.clone())
                    .with_metadata(json!({"c": i % 10, "h": i % 100, "t": "x"}))
            })
            .collect();
        db.insert_batch(batch).unwrap();
    }
    let queries: Vec<Vec<f32>> = (0..50).map(|_| (0..d).map(|_| rand()).collect()).collect();
    let time = |filter: Option<serde_json::Value>| {
        let opts = SearchOptions {
            metric: Some(Metric::Dot),
            filter,
            include_embedding: false,
            ..Default::default()
        };
        let start = Instant::now();
        let mut hits = Vec::new();
        for q in &queries {
            hits.push(db.search(q, 10, &opts).unwrap());
        }
        (start.elapsed().as_secs_f64() * 1e3 / queries.len() as f64, hits)
    };
    let (unfiltered, _) = time(None);
    println!(
        "{n} x {d}, dot, k=10, {} queries, kernels {}",
        queries.len(),
        sqlite_vector::kernels::best().name
    );
    println!("unfiltered                 {unfiltered:8.3} ms/query");
    for (name, filter, keep) in [
        ("{c: 3} (10 %)", json!({"c": 3}), Box::new(|i: usize| i % 10 == 3) as Box<dyn Fn(usize) -> bool>),
        ("{h: 7} (1 %)", json!({"h": 7}), Box::new(|i: usize| i % 100 == 7)),
        ("{h: {$gte: 90}} (10 %)", json!({"h": {"$gte": 90}}), Box::new(|i: usize| i % 100 >= 90)),
        ("{c: {$ne: 3}} (90 %)", json!({"c": {"$ne": 3}}), Box::new(|i: usize| i % 10 != 3)),
    ] {
        let (ms, hits) = time(Some(filter));
        for (q, got) in queries.iter().zip(&hits) {
            let mut truth: Vec<(f32, usize)> = (0..n)
                .filter(|&i| keep(i))
                .map(|i| (vectors[i].iter().zip(q).map(|(a, b)| a * b).sum::<f32>(), i))
                .collect();
            truth.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let want: Vec<String> = truth.iter().take(10).map(|(_, i)| format!("v{i}")).collect();
            let got: Vec<String> = got.iter().map(|h| h.id.clone()).collect();
            let same = want.iter().filter(|w| got.contains(w)).count();
            assert!(same >= 9, "{name}: {got:?} vs {want:?}"); // float sums may swap a near-tie
        }
        println!("{name:<26} {ms:8.3} ms/query = {:.2}x unfiltered", ms / unfiltered);
    }
}
