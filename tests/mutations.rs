//! Mutations (API.md "Second release"): upsert, upsert_batch, update, delete_many and
//! compact against a reference model written here (tests/common/model.rs), on real SQLite
//! files, with no index, int8 codes and an hnsw graph; and `config.durability`.

mod common;

use common::model::{check_model, check_tie_order, Model};
use serde_json::{json, Value};
use sqlite_vector::{
    Config, Durability, IndexKind, IndexOptions, Metric, NewVector, Patch, Quantization, SearchOptions,
    Selection, VectorDb,
};

const TIE: [f32; 4] = [0.25, -0.5, 0.75, 1.0];

fn nv(id: &str, v: &[f32], m: &Value) -> NewVector {
    let n = NewVector::new(id, v.to_vec());
    if m.is_null() {
        n
    } else {
        n.with_metadata(m.clone())
    }
}

fn ids(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|s| s.to_string()).collect())
}

fn code(r: sqlite_vector::Result<impl std::fmt::Debug>) -> &'static str {
    r.unwrap_err().code()
}

fn queries() -> Vec<Vec<f32>> {
    vec![TIE.to_vec(), vec![1.0, 0.0, 0.0, 0.0], vec![-0.3, 0.8, 0.1, -0.9]]
}

fn filters() -> Vec<Value> {
    vec![json!({"g": 1}), json!({"g": {"$in": [0, 2]}, "t": {"$ne": "b"}}), json!({"t": null})]
}

#[test]
fn upsert_inserts_or_replaces_in_place() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    let mut model = Model::default();
    for (id, m) in [("a", json!({"g": 1})), ("b", json!({"g": 2})), ("c", Value::Null)] {
        assert_eq!(db.upsert(nv(id, &TIE, &m)).unwrap(), id);
        model.upsert(id, TIE.to_vec(), m);
    }
    let before = db.get("a").unwrap().unwrap().timestamp;
    std::thread::sleep(std::time::Duration::from_millis(5));
    // "a" gets another embedding and loses its metadata; it keeps its place among ties.
    db.upsert(nv("a", &[1.0, 2.0, 3.0, 4.0], &Value::Null)).unwrap();
    model.upsert("a", vec![1.0, 2.0, 3.0, 4.0], Value::Null);
    db.upsert(nv("a", &TIE, &json!({"t": "x"}))).unwrap();
    model.upsert("a", TIE.to_vec(), json!({"t": "x"}));
    assert!(db.get("a").unwrap().unwrap().timestamp > before, "the write time");
    check_tie_order(&db, &model, &TIE);
    check_model(&db, &model, &queries(), &filters(), false);
    // Errors: no id, empty id, wrong length, NaN; nothing written.
    let none = NewVector { embedding: vec![1.0; 4], ..Default::default() };
    assert_eq!(code(db.upsert(none)), "INVALID_ARGUMENT");
    assert_eq!(code(db.upsert(nv("", &TIE, &Value::Null))), "INVALID_ARGUMENT");
    assert_eq!(code(db.upsert(nv("a", &[1.0], &Value::Null))), "DIMENSION_MISMATCH");
    assert_eq!(code(db.upsert(nv("a", &[f32::NAN, 0.0, 0.0, 0.0], &Value::Null))), "INVALID_VECTOR");
    assert_eq!(code(db.upsert(nv("a", &TIE, &json!([1])))), "INVALID_ARGUMENT");
    check_model(&db, &model, &queries(), &filters(), false);
}

#[test]
fn upsert_batch_last_wins_in_the_first_place_and_is_all_or_nothing() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    let mut model = Model::default();
    db.insert(nv("old", &TIE, &json!({"g": 0}))).unwrap();
    model.insert("old", TIE.to_vec(), json!({"g": 0}));
    let batch = [
        ("x", TIE.to_vec(), json!({"g": 1})),
        ("old", vec![9.0; 4], json!({"g": 2})),
        ("y", TIE.to_vec(), Value::Null),
        ("x", TIE.to_vec(), json!({"g": 3, "t": "last"})),
        ("old", TIE.to_vec(), json!({"t": "b"})),
    ];
    let got = db.upsert_batch(batch.iter().map(|(id, v, m)| nv(id, v, m)).collect()).unwrap();
    assert_eq!(got, ["x", "old", "y", "x", "old"]);
    for (id, v, m) in &batch {
        model.upsert(id, v.clone(), m.clone());
    }
    assert_eq!(model.ids(), ["old", "x", "y"]);
    check_tie_order(&db, &model, &TIE);
    check_model(&db, &model, &queries(), &filters(), false);
    // One bad vector anywhere: nothing of the batch is written.
    for bad in [nv("z", &[f32::INFINITY; 4], &Value::Null), nv("z", &[1.0; 3], &Value::Null)] {
        let batch = vec![nv("x", &[5.0; 4], &Value::Null), nv("new", &TIE, &Value::Null), bad];
        assert!(db.upsert_batch(batch).is_err());
        check_model(&db, &model, &queries(), &filters(), false);
    }
    assert_eq!(db.upsert_batch(vec![]).unwrap(), Vec::<String>::new());
    // An empty database takes its dimension from the first upsert.
    let mut fresh = VectorDb::open(Config::default()).unwrap();
    fresh.upsert_batch(vec![nv("a", &[1.0, 2.0], &Value::Null), nv("a", &[3.0, 4.0], &Value::Null)]).unwrap();
    assert_eq!((fresh.dimension(), fresh.stats().unwrap().count), (Some(2), 1));
    assert_eq!(fresh.get("a").unwrap().unwrap().embedding, vec![3.0, 4.0]);
}

#[test]
fn update_changes_the_embedding_the_metadata_or_both() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    assert!(!db.update("a", Patch { metadata: Some(None), ..Default::default() }).unwrap(), "empty db");
    let mut model = Model::default();
    for (id, m) in [("a", json!({"g": 1})), ("b", json!({"g": 2, "t": "b"})), ("c", Value::Null)] {
        db.insert(nv(id, &TIE, &m)).unwrap();
        model.insert(id, TIE.to_vec(), m);
    }
    let before = db.get("b").unwrap().unwrap().timestamp;
    std::thread::sleep(std::time::Duration::from_millis(5));
    let patch = |e: Option<Vec<f32>>, m: Option<Option<Value>>| Patch { embedding: e, metadata: m };
    assert!(db.update("b", patch(None, Some(Some(json!({"g": 0}))))).unwrap());
    model.update("b", None, Some(json!({"g": 0})));
    assert!(db.get("b").unwrap().unwrap().timestamp > before);
    assert!(db.update("a", patch(Some(vec![0.0, 1.0, 0.0, 0.0]), None)).unwrap());
    model.update("a", Some(vec![0.0, 1.0, 0.0, 0.0]), None);
    assert!(db.update("a", patch(Some(TIE.to_vec()), Some(None))).unwrap());
    model.update("a", Some(TIE.to_vec()), Some(Value::Null));
    assert!(!db.update("nope", patch(None, Some(None))).unwrap());
    check_tie_order(&db, &model, &TIE);
    check_model(&db, &model, &queries(), &filters(), false);
    assert_eq!(code(db.update("a", Patch::default())), "INVALID_ARGUMENT");
    assert_eq!(code(db.update("", patch(None, Some(None)))), "INVALID_ARGUMENT");
    assert_eq!(code(db.update("a", patch(Some(vec![1.0; 5]), None))), "DIMENSION_MISMATCH");
    assert_eq!(code(db.update("nope", patch(Some(vec![1.0; 5]), None))), "DIMENSION_MISMATCH");
    assert_eq!(code(db.update("a", patch(Some(vec![]), None))), "INVALID_VECTOR");
    assert_eq!(code(db.update("a", patch(Some(vec![f32::NAN; 4]), None))), "INVALID_VECTOR");
    assert_eq!(code(db.update("a", patch(None, Some(Some(json!("text")))))), "INVALID_ARGUMENT");
    check_model(&db, &model, &queries(), &filters(), false);
}

#[test]
fn delete_many_by_ids_by_filter_or_both() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    let mut model = Model::default();
    for i in 0..300 {
        let m = if i % 7 == 0 { Value::Null } else { json!({"g": i % 3, "t": (["a", "b"][i % 2])}) };
        let v = [i as f32, (i % 5) as f32, 1.0, -(i as f32) / 10.0];
        db.insert(nv(&format!("v{i}"), &v, &m)).unwrap();
        model.insert(&format!("v{i}"), v.to_vec(), m);
    }
    let sel = |ids: Option<Vec<String>>, filter: Option<Value>| Selection { ids, filter };
    let listed = ids(&["v1", "v2", "v3", "v4", "v1", "missing"]);
    assert_eq!(db.delete_many(&sel(listed.clone(), Some(json!({"g": 1})))).unwrap(), 2); // v1, v4
    model.delete_many(listed.as_deref(), Some(&json!({"g": 1})));
    assert_eq!(db.delete_many(&sel(listed.clone(), None)).unwrap(), 2); // v2, v3
    model.delete_many(listed.as_deref(), None);
    assert_eq!(db.delete_many(&sel(Some(vec![]), None)).unwrap(), 0);
    assert_eq!(db.delete_many(&sel(Some(vec![]), Some(json!({})))).unwrap(), 0);
    let f = json!({"t": "b", "g": {"$gte": 1}});
    let n = model.delete_many(None, Some(&f));
    assert!(n > 40);
    assert_eq!(db.delete_many(&sel(None, Some(f))).unwrap(), n);
    check_model(&db, &model, &queries(), &filters(), false);
    assert_eq!(code(db.delete_many(&sel(None, None))), "INVALID_ARGUMENT");
    assert_eq!(code(db.delete_many(&sel(None, Some(json!({"g": {"$bad": 1}}))))), "INVALID_ARGUMENT");
    assert_eq!(code(db.delete_many(&sel(ids(&["v9", ""]), None))), "INVALID_ARGUMENT");
    assert_eq!(
        db.delete_many(&sel(None, Some(json!({"t": null})))).unwrap(),
        model.delete_many(None, Some(&json!({"t": null})))
    );
    check_model(&db, &model, &queries(), &filters(), false);
}

#[test]
fn compact_returns_the_space_of_deleted_rows_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db").to_string_lossy().into_owned();
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    let (n, d) = (10_000, 128);
    let vector = |i: usize| (0..d).map(|j| ((i * 31 + j * 7) % 97) as f32 / 97.0 - 0.5).collect::<Vec<f32>>();
    for chunk in (0..n).collect::<Vec<_>>().chunks(2000) {
        db.insert_batch(chunk.iter().map(|&i| nv(&format!("v{i}"), &vector(i), &json!({"i": i}))).collect())
            .unwrap();
    }
    let full = db.stats().unwrap().size;
    // 90 % deleted, scattered over every chunk: no chunk empties by itself.
    let gone: Vec<String> = (0..n).filter(|i| i % 10 != 3).map(|i| format!("v{i}")).collect();
    assert_eq!(db.delete_many(&Selection { ids: Some(gone), ..Default::default() }).unwrap(), n * 9 / 10);
    let c = db.compact().unwrap();
    assert_eq!(c.before, full, "freed pages stay in the file until compact");
    assert_eq!(c.after, db.stats().unwrap().size);
    assert!(c.after * 100 <= full * 15, "{} of {} bytes left", c.after, full);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), c.after, "the file itself shrank");
    let mut model = Model::default();
    for i in (0..n).filter(|i| i % 10 == 3) {
        model.insert(&format!("v{i}"), vector(i), json!({"i": i}));
    }
    // Rows written after compacting come after every older one.
    db.insert(nv("later", &vector(3), &Value::Null)).unwrap();
    model.insert("later", vector(3), Value::Null);
    check_tie_order(&db, &model, &vector(3));
    let q = vec![vector(5), vector(13)];
    check_model(&db, &model, &q, &[json!({"i": {"$lt": 500}})], false);
    assert_eq!(db.compact().unwrap().after, db.stats().unwrap().size, "idempotent");
    db.close().unwrap();
    let db = VectorDb::open(Config::new(&path)).unwrap();
    check_model(&db, &model, &q, &[json!({"i": {"$lt": 500}})], false);
}

/// A small deterministic generator (tests only).
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Random upserts, updates, deletes, deleteMany and compactions over a file, with reopens;
/// after each step the database equals the model (exact search, so an index's exact path).
fn random_mutations(index: Option<IndexOptions>, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db").to_string_lossy().into_owned();
    let mut db = VectorDb::open(Config { dimension: Some(4), ..Config::new(&path) }).unwrap();
    // An index is built over a few rows (the others arrive by mutations).
    let mut model = Model::default();
    if let Some(options) = &index {
        for i in 0..40 {
            let v = [i as f32, 1.0, -1.0, 0.5];
            db.insert(nv(&format!("k{i}"), &v, &Value::Null)).unwrap();
            model.insert(&format!("k{i}"), v.to_vec(), Value::Null);
        }
        db.create_index(options).unwrap();
    }
    let mut rng = Rng(seed);
    for step in 0..120 {
        let id = format!("k{}", rng.below(60));
        let v: Vec<f32> = if rng.below(4) == 0 {
            TIE.to_vec()
        } else {
            (0..4).map(|_| rng.below(21) as f32 / 4.0 - 2.5).collect()
        };
        let m = match rng.below(4) {
            0 => Value::Null,
            g => json!({"g": g % 3, "t": (["a", "b"][rng.below(2)])}),
        };
        match rng.below(9) {
            0..=2 => {
                db.upsert(nv(&id, &v, &m)).unwrap();
                model.upsert(&id, v, m);
            }
            3 => {
                let batch: Vec<(String, Vec<f32>)> =
                    (0..1 + rng.below(30)).map(|_| (format!("k{}", rng.below(80)), v.clone())).collect();
                db.upsert_batch(batch.iter().map(|(id, v)| nv(id, v, &m)).collect()).unwrap();
                batch.iter().for_each(|(id, v)| model.upsert(id, v.clone(), m.clone()));
            }
            4 | 5 => {
                let (e, meta) = match rng.below(3) {
                    0 => (Some(v), None),
                    1 => (None, Some(m)),
                    _ => (Some(v), Some(m)),
                };
                let to_opt = |m: &Value| if m.is_null() { None } else { Some(m.clone()) };
                let patch = Patch { embedding: e.clone(), metadata: meta.as_ref().map(to_opt) };
                assert_eq!(db.update(&id, patch).unwrap(), model.update(&id, e, meta), "step {step}");
            }
            6 => assert_eq!(db.delete(&id).unwrap(), model.delete(&id)),
            7 => {
                let f = filters()[rng.below(3)].clone();
                let listed: Option<Vec<String>> = (rng.below(2) == 0)
                    .then(|| (0..rng.below(20)).map(|_| format!("k{}", rng.below(60))).collect());
                let want = model.delete_many(listed.as_deref(), Some(&f));
                assert_eq!(db.delete_many(&Selection { ids: listed, filter: Some(f) }).unwrap(), want);
            }
            _ => {
                let approximate = SearchOptions { include_embedding: false, ..Default::default() };
                let before = db.search(&TIE, 10, &approximate).unwrap();
                db.compact().unwrap();
                assert_eq!(db.search(&TIE, 10, &approximate).unwrap(), before, "step {step}: compact");
                if rng.below(2) == 0 {
                    db.close().unwrap();
                    db = VectorDb::open(Config::new(&path)).unwrap();
                    // Stored codes load as they were written (a reloaded graph numbers its
                    // nodes afresh, so its ties among equal keys may walk differently).
                    if index.is_none_or(|i| i.kind == IndexKind::Flat) {
                        assert_eq!(db.search(&TIE, 10, &approximate).unwrap(), before, "step {step}: reopen");
                    }
                }
            }
        }
        if step % 10 == 9 {
            check_model(&db, &model, &queries(), &filters(), true);
            check_tie_order(&db, &model, &TIE);
        }
    }
    assert_eq!(
        db.stats().unwrap().index.map(|i| (i.kind, i.quantization)),
        index.map(|i| (i.kind, i.quantization))
    );
}

#[test]
fn random_mutations_without_an_index() {
    random_mutations(None, 1);
}

#[test]
fn random_mutations_with_int8_codes() {
    random_mutations(Some(IndexOptions { quantization: Quantization::Int8, ..Default::default() }), 2);
}

#[test]
fn random_mutations_with_an_hnsw_graph() {
    let options =
        IndexOptions { kind: IndexKind::Hnsw, m: Some(4), ef_construction: Some(16), ..Default::default() };
    random_mutations(Some(options), 3);
}

#[test]
fn durability_relaxed_is_wal_natively_and_strict_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.db").to_string_lossy().into_owned();
    let relaxed = Config { durability: Durability::Relaxed, metric: Metric::Dot, ..Config::new(&path) };
    let mut db = VectorDb::open(relaxed.clone()).unwrap();
    assert_eq!(db.storage_settings().unwrap().journal_mode, "wal");
    db.upsert_batch((0..100).map(|i| nv(&format!("v{i}"), &[i as f32, 1.0], &Value::Null)).collect())
        .unwrap();
    db.close().unwrap();
    let db = VectorDb::open(Config::new(&path)).unwrap();
    assert_eq!(db.stats().unwrap().count, 100);
    let strict = VectorDb::open(Config::new(dir.path().join("s.db").to_string_lossy())).unwrap();
    assert_eq!(strict.storage_settings().unwrap().journal_mode, "delete");
    let config = |text: &str| serde_json::from_str::<Config>(text);
    assert_eq!(config(r#"{"durability":"relaxed"}"#).unwrap().durability, Durability::Relaxed);
    assert!(config(r#"{"durability":"fast"}"#).is_err(), "any other value is refused");
}

/// More seeds and every index kind: `SV_MUTATION_SEEDS=50 cargo test --test mutations`.
#[test]
fn random_mutations_more_seeds() {
    let seeds: u64 = std::env::var("SV_MUTATION_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let flat = |q| Some(IndexOptions { quantization: q, ..Default::default() });
    let hnsw = |q| Some(IndexOptions { kind: IndexKind::Hnsw, quantization: q, ..Default::default() });
    for seed in 100..100 + seeds {
        for index in [
            None,
            flat(Quantization::Int8),
            flat(Quantization::Binary),
            hnsw(Quantization::None),
            hnsw(Quantization::Int8),
        ] {
            random_mutations(index, seed);
        }
    }
}
