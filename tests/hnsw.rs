//! hnsw indexes through the public API: recall floors against brute force computed here,
//! exact mode, filters that still return min(k, matches), deletes, failed writes, reopen
//! with the stored graph, a damaged graph rebuilt (never CORRUPT), export with the graph.

use serde_json::json;
use sqlite_vector::{
    Config, IndexKind, IndexOptions, Metric, NewVector, Quantization, SearchOptions, VectorDb,
};

fn clustered(n: usize, d: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut rand = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let centres: Vec<Vec<f32>> = (0..30).map(|_| (0..d).map(|_| rand() * 3.0).collect()).collect();
    (0..n).map(|i| centres[(i * 7) % 30].iter().map(|c| c + rand()).collect()).collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let na: f64 = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

/// Recall@10 over `queries` against brute force on the live rows that pass `keep`, and the
/// min(k, matches) rule; every returned score is checked against the exact cosine.
fn recall(
    db: &VectorDb,
    live: &[(usize, Vec<f32>)],
    queries: &[Vec<f32>],
    filter: Option<serde_json::Value>,
    keep: impl Fn(usize) -> bool,
) -> f64 {
    let (mut hit, mut total) = (0, 0);
    for q in queries {
        let opts = SearchOptions { filter: filter.clone(), include_embedding: false, ..Default::default() };
        let got = db.search(q, 10, &opts).unwrap();
        let mut truth: Vec<(f64, usize)> =
            live.iter().filter(|(i, _)| keep(*i)).map(|(i, v)| (cosine(q, v), *i)).collect();
        truth.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap().then(a.1.cmp(&b.1)));
        let want: Vec<String> = truth.iter().take(10).map(|(_, i)| format!("v{i}")).collect();
        assert_eq!(got.len(), want.len(), "min(k, matches)");
        for h in &got {
            let i: usize = h.id[1..].parse().unwrap();
            assert!(keep(i), "{} passes the filter", h.id);
            let exact = cosine(q, &live.iter().find(|(j, _)| *j == i).unwrap().1);
            assert!((h.score as f64 - exact).abs() < 1e-4, "{}: {} vs {exact}", h.id, h.score);
        }
        hit += got.iter().filter(|h| want.contains(&h.id)).count();
        total += want.len();
    }
    hit as f64 / total.max(1) as f64
}

fn load(db: &mut VectorDb, vectors: &[Vec<f32>]) {
    for (b, chunk) in vectors.chunks(700).enumerate() {
        db.insert_batch(
            chunk
                .iter()
                .enumerate()
                .map(|(j, v)| {
                    let i = b * 700 + j;
                    NewVector::new(format!("v{i}"), v.clone())
                        .with_metadata(json!({"c": i % 10, "h": i % 100}))
                })
                .collect(),
        )
        .unwrap();
    }
}

fn hnsw(q: Quantization) -> IndexOptions {
    IndexOptions {
        kind: IndexKind::Hnsw,
        quantization: q,
        m: Some(12),
        ef_construction: Some(80),
        ..Default::default()
    }
}

#[test]
fn hnsw_recall_filters_deletes_reopen_and_damage() {
    let (n, d) = (4000, 24);
    let mut vectors = clustered(n + 40, d, 11);
    let queries = vectors.split_off(n);
    for q in [Quantization::None, Quantization::Int8] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db").to_string_lossy().into_owned();
        let mut db = VectorDb::open(Config::new(&path)).unwrap();
        // Half before the index exists, half after (built, then maintained by writes).
        load(&mut db, &vectors[..n / 2]);
        db.create_index(&hnsw(q)).unwrap();
        let rest: Vec<NewVector> = vectors[n / 2..]
            .iter()
            .enumerate()
            .map(|(j, v)| {
                let i = n / 2 + j;
                NewVector::new(format!("v{i}"), v.clone()).with_metadata(json!({"c": i % 10, "h": i % 100}))
            })
            .collect();
        for batch in rest.chunks(500) {
            db.insert_batch(batch.to_vec()).unwrap();
        }
        let mut live: Vec<(usize, Vec<f32>)> = vectors.iter().cloned().enumerate().collect();
        let stats = db.stats().unwrap().index.unwrap();
        assert_eq!((stats.kind, stats.quantization, stats.m), (IndexKind::Hnsw, q, Some(12)));
        let r = recall(&db, &live, &queries, None, |_| true);
        assert!(r >= 0.95, "{q:?}: recall {r}");
        let r = recall(&db, &live, &queries, Some(json!({"c": 3})), |i| i % 10 == 3);
        assert!(r >= 0.9, "{q:?}: 10 % filtered recall {r}");
        let r = recall(&db, &live, &queries, Some(json!({"h": 7})), |i| i % 100 == 7);
        assert!(r >= 0.99, "{q:?}: 1 % filtered (answered exactly) recall {r}");

        // A failed batch (a taken id) leaves graph and rows as they were.
        let bad = vec![NewVector::new("fresh", queries[0].clone()), NewVector::new("v1", queries[1].clone())];
        assert_eq!(db.insert_batch(bad).unwrap_err().code(), "DUPLICATE_ID");
        assert!(db.get("fresh").unwrap().is_none());

        // Delete a third; recall holds over the rest.
        for i in (0..n).filter(|i| i % 3 == 0) {
            assert!(db.delete(&format!("v{i}")).unwrap());
        }
        live.retain(|(i, _)| i % 3 != 0);
        let after_deletes = recall(&db, &live, &queries, None, |_| true);
        assert!(after_deletes >= 0.93, "{q:?}: recall after deletes {after_deletes}");
        let exact = SearchOptions {
            exact: true,
            metric: Some(Metric::Cosine),
            include_embedding: false,
            ..Default::default()
        };
        let top = db.search(&queries[0], 5, &exact).unwrap();
        db.close().unwrap();

        // Reopen: the stored graph answers the same.
        let mut db = VectorDb::open(Config::new(&path)).unwrap();
        assert_eq!(recall(&db, &live, &queries, None, |_| true), after_deletes, "{q:?}: the stored graph");
        assert_eq!(db.search(&queries[0], 5, &exact).unwrap(), top);
        let copy = VectorDb::import(Config::default(), &db.export().unwrap()).unwrap();
        assert_eq!(
            recall(&copy, &live, &queries, None, |_| true),
            after_deletes,
            "{q:?}: exported with its graph"
        );
        db.close().unwrap();

        // A damaged or missing graph is rebuilt at open, never CORRUPT.
        for damage in [
            "UPDATE index_graph SET links = x'07' WHERE rowid = 5",
            "DELETE FROM index_graph WHERE rowid % 2 = 0",
            "DROP TABLE index_graph",
        ] {
            rusqlite::Connection::open(&path).unwrap().execute_batch(damage).unwrap();
            let mut db = VectorDb::open(Config::new(&path)).unwrap();
            let r = recall(&db, &live, &queries, None, |_| true);
            assert!(r >= 0.93, "{q:?} after {damage}: recall {r}");
            db.close().unwrap();
        }
        let mut db = VectorDb::open(Config::new(&path)).unwrap();
        db.drop_index().unwrap();
        assert!(db.stats().unwrap().index.is_none());
        assert_eq!(recall(&db, &live, &queries, None, |_| true), 1.0);
    }
}

#[test]
fn hnsw_option_errors() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    db.insert(NewVector::new("a", vec![1.0, 0.0])).unwrap();
    let code = |db: &mut VectorDb, o: IndexOptions| db.create_index(&o).unwrap_err().code();
    assert_eq!(code(&mut db, hnsw(Quantization::Binary)), "INVALID_ARGUMENT");
    assert_eq!(code(&mut db, IndexOptions { m: Some(1), ..hnsw(Quantization::None) }), "INVALID_ARGUMENT");
    assert_eq!(
        code(&mut db, IndexOptions { ef_construction: Some(0), ..hnsw(Quantization::None) }),
        "INVALID_ARGUMENT"
    );
    db.create_index(&IndexOptions { kind: IndexKind::Hnsw, ..Default::default() }).unwrap();
    let s = db.stats().unwrap().index.unwrap();
    assert_eq!((s.m, s.ef_construction), (Some(16), Some(100)), "documented defaults");
    let opts = SearchOptions { ef: Some(0), ..Default::default() };
    assert_eq!(db.search(&[1.0, 0.0], 1, &opts).unwrap_err().code(), "INVALID_ARGUMENT");
    // Another metric than the graph's is answered exactly (by the arena).
    let opts = SearchOptions { metric: Some(Metric::Euclidean), ..Default::default() };
    assert_eq!(db.search(&[1.0, 0.0], 1, &opts).unwrap()[0].id, "a");
}
