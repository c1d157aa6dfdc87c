//! Quantized flat indexes (int8, binary): exact mode equals the f32 scan, approximate modes
//! meet a recall floor against brute force computed here, every returned score is the
//! exact f32 score, writes keep the index in step, the index persists without retraining,
//! and damaged index tables are rebuilt, never `CORRUPT`.

mod common;

use common::*;
use serde_json::json;
use sqlite_vector::{
    Config, IndexKind, IndexOptions, Metric, NewVector, Quantization, SearchOptions, VectorDb,
};

fn index(q: Quantization) -> IndexOptions {
    IndexOptions { kind: IndexKind::Flat, quantization: q, ..Default::default() }
}

/// Clustered data (not centred), like real embeddings: `clusters` centres, noise around them.
fn clustered(n: usize, d: usize, seed: u64) -> Vec<Vec<f32>> {
    clustered_with_noise(n, d, seed, 1.0)
}

fn clustered_with_noise(n: usize, d: usize, seed: u64, noise: f32) -> Vec<Vec<f32>> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut rand = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let centres: Vec<Vec<f32>> = (0..20).map(|_| (0..d).map(|_| rand() * 4.0 + 1.0).collect()).collect();
    (0..n).map(|i| centres[i % 20].iter().map(|c| c + rand() * noise).collect()).collect()
}

fn insert_all(db: &mut VectorDb, vectors: &[Vec<f32>], first: usize) {
    for (b, chunk) in vectors.chunks(500).enumerate() {
        db.insert_batch(
            chunk
                .iter()
                .enumerate()
                .map(|(j, v)| {
                    let i = first + b * 500 + j;
                    NewVector::new(format!("v{i}"), v.clone())
                        .with_metadata(json!({"c": i % 10, "h": i % 100}))
                })
                .collect(),
        )
        .unwrap();
    }
}

/// Top-k ids by brute force in f64 over the live vectors (index = id number).
fn truth(
    vectors: &[(usize, Vec<f32>)],
    q: &[f32],
    k: usize,
    metric: Metric,
    keep: impl Fn(usize) -> bool,
) -> Vec<String> {
    let mut scored: Vec<(f64, usize)> =
        vectors.iter().filter(|(i, _)| keep(*i)).map(|(i, v)| (score(metric, q, v), *i)).collect();
    let desc = metric != Metric::Euclidean;
    scored.sort_by(|a, b| {
        let o = a.0.partial_cmp(&b.0).unwrap();
        (if desc { o.reverse() } else { o }).then(a.1.cmp(&b.1))
    });
    scored.into_iter().take(k).map(|(_, i)| format!("v{i}")).collect()
}

fn recall(
    db: &VectorDb,
    live: &[(usize, Vec<f32>)],
    queries: &[Vec<f32>],
    metric: Metric,
    rescore: Option<usize>,
) -> f64 {
    let (mut hit, mut total) = (0, 0);
    for q in queries {
        let opts =
            SearchOptions { metric: Some(metric), rescore, include_embedding: false, ..Default::default() };
        let got = db.search(q, 10, &opts).unwrap();
        let want = truth(live, q, 10, metric, |_| true);
        // Every returned score is the exact score of that id.
        for h in &got {
            let i: usize = h.id[1..].parse().unwrap();
            let exact = score(metric, q, &live.iter().find(|(j, _)| *j == i).unwrap().1);
            assert!(
                (h.score as f64 - exact).abs() <= 1e-4 * exact.abs().max(1.0),
                "{}: {} vs {exact}",
                h.id,
                h.score
            );
        }
        hit += got.iter().filter(|h| want.contains(&h.id)).count();
        total += want.len();
    }
    hit as f64 / total as f64
}

#[test]
fn exact_mode_on_a_quantized_index_equals_the_f32_scan() {
    let f = fixtures();
    for q in [Quantization::Int8, Quantization::Binary] {
        let mut db = VectorDb::open(Config::default()).unwrap();
        db.insert_batch(new_vectors(&f)).unwrap();
        db.create_index(&index(q)).unwrap();
        check_search_matches_brute_force_with(&db, &f, true);
        check_exact_ties(&db, &f);
    }
}

#[test]
fn approximate_search_meets_recall_floors_and_returns_exact_scores() {
    let n = 3000;
    // Binary codes need many dimensions and spread within clusters (as real embeddings have).
    for (q, d, noise, floor) in [(Quantization::Int8, 96, 1.0, 0.97), (Quantization::Binary, 384, 1.0, 0.85)]
    {
        // Queries come from the same distribution as the data (the same centres).
        let mut vectors = clustered_with_noise(n + 30, d, 7, noise);
        let queries = vectors.split_off(n);
        let live: Vec<(usize, Vec<f32>)> = vectors.iter().cloned().enumerate().collect();
        let mut db = VectorDb::open(Config::default()).unwrap();
        insert_all(&mut db, &vectors, 0);
        db.create_index(&index(q)).unwrap();
        for metric in [Metric::Cosine, Metric::Euclidean, Metric::Dot] {
            let r = recall(&db, &live, &queries, metric, None);
            eprintln!("{q:?} {metric:?}: recall@10 {r}");
            if q == Quantization::Int8 {
                // Codes alone (no extra candidates) already rank well.
                let r1 = recall(&db, &live, &queries, metric, Some(1));
                assert!(r1 >= 0.85, "{q:?} {metric:?}: recall {r1} with rescore 1");
            }
            assert!(r >= floor, "{q:?} {metric:?}: recall {r}");
        }
        // More rescoring never hurts; rescoring everything is exact.
        assert_eq!(recall(&db, &live, &queries, Metric::Cosine, Some(n)), 1.0);
        // Filtered: min(k, matches) results, all matching.
        let opts =
            SearchOptions { filter: Some(json!({"h": 7})), include_embedding: false, ..Default::default() };
        let got = db.search(&queries[0], 50, &opts).unwrap();
        assert_eq!(got.len(), n / 100);
        assert!(got.iter().all(|h| h.id[1..].parse::<usize>().unwrap() % 100 == 7));
        let want = truth(&live, &queries[0], 50, Metric::Cosine, |i| i % 100 == 7);
        assert_eq!(got.iter().map(|h| h.id.clone()).collect::<Vec<_>>(), want);
    }
}

#[test]
fn writes_keep_the_index_in_step_and_it_persists_without_retraining() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db").to_string_lossy().into_owned();
    let d = 32;
    let vectors = clustered(1200, d, 3);
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    insert_all(&mut db, &vectors[..600], 0);
    db.create_index(&index(Quantization::Int8)).unwrap();
    // Writes after the index exists: inserts (some far outside the trained range), deletes.
    insert_all(&mut db, &vectors[600..], 600);
    let far: Vec<f32> = vec![50.0; d];
    db.insert(NewVector::new("far", far.clone())).unwrap();
    for i in (0..1200).step_by(3) {
        assert!(db.delete(&format!("v{i}")).unwrap());
    }
    let mut live: Vec<(usize, Vec<f32>)> =
        vectors.iter().cloned().enumerate().filter(|(i, _)| i % 3 != 0).collect();
    let stats = db.stats().unwrap();
    assert_eq!(stats.count, 801);
    assert_eq!(stats.index.unwrap().quantization, Quantization::Int8);
    assert_eq!(db.get("far").unwrap().unwrap().embedding, far, "get reads f32 from the file");
    assert!(db.delete("far").unwrap());
    let queries = clustered(20, d, 42);
    let before = recall(&db, &live, &queries, Metric::Euclidean, None);
    assert!(before >= 0.97, "recall {before}");
    db.close().unwrap();

    let params = || -> Vec<(String, Vec<u8>)> {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = conn.prepare("SELECT name, data FROM index_params ORDER BY name").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let trained = params();
    assert_eq!(trained.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), ["offset", "scale", "trained_rows"]);

    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    assert_eq!(db.stats().unwrap().index.unwrap().quantization, Quantization::Int8);
    assert_eq!(recall(&db, &live, &queries, Metric::Euclidean, None), before, "same codes after reopen");
    insert_all(&mut db, &vectors[..3], 5000);
    live.extend(vectors[..3].iter().cloned().enumerate().map(|(i, v)| (5000 + i, v)));
    assert!(recall(&db, &live, &queries, Metric::Euclidean, None) >= 0.97);
    db.close().unwrap();
    assert_eq!(params(), trained, "reopening and writing never retrain");

    // A file without its codes (or with damaged ones) is rebuilt at open, never CORRUPT.
    for damage in ["DROP TABLE index_codes", "UPDATE index_codes SET data = x'00'", "DROP TABLE index_params"]
    {
        rusqlite::Connection::open(&path).unwrap().execute_batch(damage).unwrap();
        let mut db = VectorDb::open(Config::new(&path)).unwrap();
        assert_eq!(db.stats().unwrap().index.unwrap().quantization, Quantization::Int8, "{damage}");
        assert!(recall(&db, &live, &queries, Metric::Euclidean, None) >= 0.97, "{damage}");
        let exact = SearchOptions {
            exact: true,
            metric: Some(Metric::Dot),
            include_embedding: false,
            ..Default::default()
        };
        let got: Vec<String> =
            db.search(&queries[0], 10, &exact).unwrap().into_iter().map(|h| h.id).collect();
        assert_eq!(got, truth(&live, &queries[0], 10, Metric::Dot, |_| true), "{damage}");
        db.close().unwrap();
    }

    // export() carries the index; dropIndex returns to f32.
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    let copy = VectorDb::import(Config::default(), &db.export().unwrap()).unwrap();
    assert_eq!(copy.stats().unwrap().index.unwrap().quantization, Quantization::Int8);
    db.drop_index().unwrap();
    assert!(db.stats().unwrap().index.is_none());
    assert_eq!(recall(&db, &live, &queries, Metric::Cosine, None), 1.0);
    db.close().unwrap();
    assert!(VectorDb::open(Config::new(&path)).unwrap().stats().unwrap().index.is_none());
}

#[test]
fn codes_take_a_fraction_of_the_f32_heap() {
    let (n, d) = (2000, 768);
    let vectors = clustered(n, d, 5);
    for (q, max) in [(Quantization::None, 1.2), (Quantization::Int8, 0.3), (Quantization::Binary, 0.1)] {
        let mut db = VectorDb::open(Config::default()).unwrap();
        insert_all(&mut db, &vectors, 0);
        db.create_index(&index(q)).unwrap();
        let held = db.stats().unwrap().index.unwrap().memory_bytes as f64;
        let raw = (n * d * 4) as f64;
        assert!(held / raw <= max, "{q:?}: {held} bytes for {raw} raw");
    }
}

#[test]
fn bad_index_options_are_invalid_argument() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    let code = |r: sqlite_vector::Result<()>| r.unwrap_err().code();
    assert_eq!(code(db.create_index(&index(Quantization::Int8))), "INVALID_ARGUMENT", "no dimension yet");
    db.insert(NewVector::new("a", vec![1.0, 2.0])).unwrap();
    assert_eq!(
        code(db.create_index(&IndexOptions {
            kind: IndexKind::Hnsw,
            quantization: Quantization::Binary,
            ..Default::default()
        })),
        "INVALID_ARGUMENT"
    );
    assert_eq!(
        code(db.create_index(&IndexOptions { m: Some(8), ..index(Quantization::Int8) })),
        "INVALID_ARGUMENT"
    );
    db.create_index(&index(Quantization::Binary)).unwrap();
    let opts = SearchOptions { rescore: Some(0), ..Default::default() };
    assert_eq!(db.search(&[1.0, 2.0], 1, &opts).unwrap_err().code(), "INVALID_ARGUMENT");
    // An empty database with a known dimension can be indexed; later writes are coded.
    let mut empty = VectorDb::open(Config { dimension: Some(2), ..Config::default() }).unwrap();
    empty.create_index(&index(Quantization::Int8)).unwrap();
    empty.insert(NewVector::new("x", vec![0.5, -0.5])).unwrap();
    assert_eq!(empty.search(&[0.5, -0.5], 1, &SearchOptions::default()).unwrap()[0].id, "x");
}

#[test]
fn an_index_created_on_an_empty_database_trains_on_the_rows_that_arrive() {
    // Values far outside [-1, 1] (centres up to ±3, like unnormalized embeddings): codes
    // trained on nothing would clamp them all.
    let (n, d) = (3000, 96);
    let mut vectors = clustered_with_noise(n + 30, d, 11, 1.0);
    let queries = vectors.split_off(n);
    let live: Vec<(usize, Vec<f32>)> = vectors.iter().cloned().enumerate().collect();
    for kind in [IndexKind::Flat, IndexKind::Hnsw] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("early.db").to_string_lossy().into_owned();
        let config = || Config { path: path.clone(), dimension: Some(d), ..Default::default() };
        let mut db = VectorDb::open(config()).unwrap();
        let options = IndexOptions { kind, quantization: Quantization::Int8, ..Default::default() };
        db.create_index(&options).unwrap();
        // A few single inserts first (the quantizer is retrained as they double), then batches.
        for (i, v) in vectors.iter().enumerate().take(40) {
            db.insert(
                NewVector::new(format!("v{i}"), v.clone()).with_metadata(json!({"c": i % 10, "h": i % 100})),
            )
            .unwrap();
        }
        insert_all(&mut db, &vectors[40..], 40);
        let r = recall(&db, &live, &queries, Metric::Cosine, None);
        eprintln!("{kind:?} int8 created empty: recall@10 {r}");
        assert!(r >= 0.97, "{kind:?}: recall {r} with the index created on an empty database");
        // The trained quantizer persists: reopened, the same answers.
        let before: Vec<_> =
            queries.iter().map(|q| db.search(q, 10, &SearchOptions::default()).unwrap()).collect();
        drop(db);
        let db = VectorDb::open(config()).unwrap();
        for (q, want) in queries.iter().zip(&before) {
            let got = db.search(q, 10, &SearchOptions::default()).unwrap();
            assert_eq!(
                got.iter().map(|h| &h.id).collect::<Vec<_>>(),
                want.iter().map(|h| &h.id).collect::<Vec<_>>()
            );
        }
    }
}
