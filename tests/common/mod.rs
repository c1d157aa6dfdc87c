//! The shared fixture scenario, run by the native and the wasm test binaries alike, with an
//! independent truth: brute force in f64 and a filter matcher written from API.md, not from
//! the SQL the library generates.
#![allow(dead_code)]

use serde_json::{Map, Value};
use sqlite_vector::{Metric, NewVector, SearchOptions, VectorDb};

pub mod model;

pub const FIXTURES: &str = include_str!("../fixtures/fixtures.json");

pub struct Fixtures {
    pub dimension: usize,
    pub vectors: Vec<(String, Vec<f32>, Value)>,
    pub queries: Vec<Vec<f32>>,
    pub filters: Vec<Value>,
    pub thresholds: Vec<(Metric, f64)>,
    pub ks: Vec<usize>,
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

pub fn fixtures() -> Fixtures {
    let f: Value = serde_json::from_str(FIXTURES).unwrap();
    Fixtures {
        dimension: f["dimension"].as_u64().unwrap() as usize,
        vectors: f["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["id"].as_str().unwrap().to_string(), floats(&v["embedding"]), v["metadata"].clone()))
            .collect(),
        queries: f["queries"].as_array().unwrap().iter().map(floats).collect(),
        filters: f["filters"].as_array().unwrap().clone(),
        thresholds: ["cosine", "dot", "euclidean"]
            .iter()
            .map(|m| (m.parse().unwrap(), f["thresholds"][m].as_f64().unwrap()))
            .collect(),
        ks: f["k"].as_array().unwrap().iter().map(|k| k.as_u64().unwrap() as usize).collect(),
    }
}

pub const METRICS: [Metric; 3] = [Metric::Cosine, Metric::Euclidean, Metric::Dot];

pub fn new_vectors(f: &Fixtures) -> Vec<NewVector> {
    f.vectors
        .iter()
        .map(|(id, e, m)| NewVector::new(id.clone(), e.clone()).with_metadata(m.clone()))
        .collect()
}

// ---- the independent truth ----

fn lookup<'a>(meta: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(meta, |v, seg| v.as_object()?.get(seg))
}

fn json_eq(a: Option<&Value>, b: &Value) -> bool {
    match (a, b) {
        (None, Value::Null) => true,
        (None, _) => false,
        (Some(Value::Number(x)), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Some(x), y) => x == y,
    }
}

fn compare(a: Option<&Value>, b: &Value) -> Option<std::cmp::Ordering> {
    match (a?, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

pub fn matches(meta: &Value, filter: &Value) -> bool {
    filter.as_object().unwrap().iter().all(|(path, cond)| {
        let field = lookup(meta, path);
        match cond {
            Value::Object(ops) if ops.keys().any(|k| k.starts_with('$')) => ops.iter().all(|(op, arg)| {
                use std::cmp::Ordering::*;
                match op.as_str() {
                    "$eq" => json_eq(field, arg),
                    "$ne" => !json_eq(field, arg),
                    "$in" => arg.as_array().unwrap().iter().any(|x| json_eq(field, x)),
                    "$nin" => !arg.as_array().unwrap().iter().any(|x| json_eq(field, x)),
                    "$gt" => compare(field, arg) == Some(Greater),
                    "$gte" => matches!(compare(field, arg), Some(Greater | Equal)),
                    "$lt" => compare(field, arg) == Some(Less),
                    "$lte" => matches!(compare(field, arg), Some(Less | Equal)),
                    other => panic!("fixture uses unknown operator {other}"),
                }
            }),
            v => json_eq(field, v),
        }
    })
}

pub fn score(metric: Metric, a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    match metric {
        Metric::Dot => dot,
        Metric::Euclidean => {
            a.iter().zip(b).map(|(x, y)| (*x as f64 - *y as f64).powi(2)).sum::<f64>().sqrt()
        }
        Metric::Cosine => {
            let na = a.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
            let nb = b.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
            if na == 0.0 || nb == 0.0 {
                0.0
            } else {
                dot / (na * nb)
            }
        }
    }
}

/// Brute force: (index in insertion order, id, score), best first, ties by insertion order.
pub fn brute_force(
    rows: &[(String, Vec<f32>, Value)],
    query: &[f32],
    k: usize,
    metric: Metric,
    threshold: Option<f64>,
    filter: Option<&Value>,
) -> Vec<(usize, String, f64)> {
    let mut all: Vec<(usize, String, f64)> = rows
        .iter()
        .enumerate()
        .filter(|(_, (_, _, m))| filter.is_none_or(|f| matches(m, f)))
        .map(|(i, (id, e, _))| (i, id.clone(), score(metric, query, e)))
        .filter(|(_, _, s)| match threshold {
            None => true,
            Some(t) if metric == Metric::Euclidean => *s <= t,
            Some(t) => *s >= t,
        })
        .collect();
    all.sort_by(|a, b| {
        let o = if metric == Metric::Euclidean { a.2.total_cmp(&b.2) } else { b.2.total_cmp(&a.2) };
        o.then(a.0.cmp(&b.0))
    });
    all.truncate(k);
    all
}

/// Results equal the brute force: scores within `rel`, ids equal except that they may swap
/// among entries whose true scores are within tolerance (float32 SIMD vs f64 ordering).
/// Near a threshold an entry within tolerance of it may be in one list and not the other.
pub fn assert_same(got: &[(String, f64)], want: &[(usize, String, f64)], context: &str) {
    let tol = |s: f64| 1e-5 * s.abs().max(1.0);
    let n = got.len().min(want.len());
    assert!(
        got.len().abs_diff(want.len()) <= 1,
        "{context}: {} results, brute force has {}",
        got.len(),
        want.len()
    );
    for i in 0..n {
        let (gid, gs) = &got[i];
        let (_, wid, ws) = &want[i];
        assert!((gs - ws).abs() <= tol(*ws), "{context}: rank {i}: score {gs} vs brute force {ws}");
        if gid != wid {
            // Must be a near-tie: the id we got has (within tolerance) the same true score.
            let alt = want.iter().find(|(_, id, _)| id == gid);
            assert!(
                alt.is_some_and(|(_, _, s)| (s - ws).abs() <= 2.0 * tol(*ws)),
                "{context}: rank {i}: got {gid} ({gs}), brute force {wid} ({ws})"
            );
        }
    }
}

/// The whole scenario: every query x metric x filter x k, and thresholds, against brute force.
pub fn check_search_matches_brute_force(db: &VectorDb, f: &Fixtures) {
    check_search_matches_brute_force_with(db, f, false)
}

/// [`check_search_matches_brute_force`] with `exact` set on every search (an index's exact
/// path must give the same answers as the f32 arena).
pub fn check_search_matches_brute_force_with(db: &VectorDb, f: &Fixtures, exact: bool) {
    let mut checked = 0;
    for (qi, q) in f.queries.iter().enumerate() {
        for metric in METRICS {
            for filter in &f.filters {
                for &k in &f.ks {
                    let opts = SearchOptions {
                        metric: Some(metric),
                        filter: Some(filter.clone()),
                        include_embedding: false,
                        exact,
                        ..Default::default()
                    };
                    let got: Vec<(String, f64)> =
                        db.search(q, k, &opts).unwrap().into_iter().map(|h| (h.id, h.score as f64)).collect();
                    let want = brute_force(&f.vectors, q, k, metric, None, Some(filter));
                    assert_eq!(got.len(), want.len(), "query {qi} {metric:?} {filter} k={k}");
                    assert_same(&got, &want, &format!("query {qi} {metric:?} {filter} k={k}"));
                    checked += 1;
                }
            }
            let (_, t) = f.thresholds.iter().find(|(m, _)| *m == metric).unwrap();
            let opts =
                SearchOptions { metric: Some(metric), threshold: Some(*t), exact, ..Default::default() };
            let got: Vec<(String, f64)> = db
                .search(q, usize::MAX, &opts)
                .unwrap()
                .into_iter()
                .map(|h| (h.id, h.score as f64))
                .collect();
            let want = brute_force(&f.vectors, q, usize::MAX, metric, Some(*t), None);
            assert_same(&got, &want, &format!("query {qi} {metric:?} threshold {t}"));
            checked += 1;
        }
    }
    assert!(checked > 900, "only {checked} searches checked");
}

/// Exact ties (equal embeddings) come back in insertion order.
pub fn check_exact_ties(db: &VectorDb, f: &Fixtures) {
    let (id48, e48, _) = &f.vectors[48];
    let (id49, e49, _) = &f.vectors[49];
    assert_eq!(e48, e49, "fixture 49 duplicates 48");
    for metric in METRICS {
        let hits = db.search(e48, 2, &SearchOptions { metric: Some(metric), ..Default::default() }).unwrap();
        if metric != Metric::Dot {
            assert_eq!(
                [hits[0].id.as_str(), hits[1].id.as_str()],
                [id48.as_str(), id49.as_str()],
                "{metric:?}"
            );
            assert_eq!(hits[0].score, hits[1].score);
        }
    }
}

pub fn as_map(v: &Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}
