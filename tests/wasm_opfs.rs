//! wasm32 tests in a Chromium dedicated worker over real OPFS (sahpool VFS): the fixture
//! scenario, then close, release the pool, reinstall, reopen, and find everything again.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use sqlite_vector::wasm::opfs::Pool;
use sqlite_vector::{Config, NewVector, VectorDb};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn unique(name: &str) -> String {
    format!("{name}-{}.db", js_sys::Date::now() as u64)
}

#[wasm_bindgen_test]
async fn fixtures_persist_in_opfs() {
    let f = fixtures();
    let path = unique("fixtures");
    let pool = Pool::install(&path).await.unwrap();
    let mut db = VectorDb::open_with_vfs(Config::new(&path), Some(pool.vfs_name()), true).unwrap();
    db.insert_batch(new_vectors(&f)).unwrap();
    check_search_matches_brute_force(&db, &f);
    // A rejected batch leaves nothing behind in OPFS either.
    let bad = vec![NewVector::new("new", vec![0.0; 8]), NewVector::new("v000", vec![0.0; 8])];
    assert_eq!(db.insert_batch(bad).unwrap_err().code(), "DUPLICATE_ID");
    db.close().unwrap();
    pool.release();

    let pool = Pool::install(&path).await.unwrap();
    let db = VectorDb::open_with_vfs(Config::new(&path), Some(pool.vfs_name()), true).unwrap();
    let s = db.stats().unwrap();
    assert_eq!((s.count, s.dimension, s.persistent), (200, Some(8), true));
    assert!(s.size > 0);
    assert!(db.get("new").unwrap().is_none());
    check_search_matches_brute_force(&db, &f);
    check_exact_ties(&db, &f);
}

#[wasm_bindgen_test]
async fn dimension_survives_in_opfs() {
    let path = unique("dimension");
    let pool = Pool::install(&path).await.unwrap();
    let mut db = VectorDb::open_with_vfs(
        Config { dimension: Some(4), ..Config::new(&path) },
        Some(pool.vfs_name()),
        true,
    )
    .unwrap();
    db.close().unwrap();
    pool.release();
    let pool = Pool::install(&path).await.unwrap();
    let e = VectorDb::open_with_vfs(
        Config { dimension: Some(5), ..Config::new(&path) },
        Some(pool.vfs_name()),
        true,
    );
    assert_eq!(e.err().unwrap().code(), "DIMENSION_MISMATCH");
    let db = VectorDb::open_with_vfs(Config::new(&path), Some(pool.vfs_name()), true).unwrap();
    assert_eq!(db.dimension(), Some(4));
}

/// Mutations and compact on the sahpool VFS (VACUUM needs a temporary file from the pool),
/// with relaxed durability; everything is found again after the pool is released and
/// reinstalled.
#[wasm_bindgen_test]
async fn mutations_and_compact_in_opfs() {
    use common::model::{check_model, Model};
    use serde_json::{json, Value};
    use sqlite_vector::{Durability, Patch, Selection};
    let path = unique("mutations");
    let config = || Config { durability: Durability::Relaxed, ..Config::new(&path) };
    let pool = Pool::install(&path).await.unwrap();
    let mut db = VectorDb::open_with_vfs(config(), Some(pool.vfs_name()), true).unwrap();
    let vector =
        |i: usize| (0..64).map(|j| ((i * 31 + j * 7) % 97) as f32 / 97.0 - 0.5).collect::<Vec<f32>>();
    let mut model = Model::default();
    let rows: Vec<NewVector> = (0..3000)
        .map(|i| NewVector::new(format!("v{i}"), vector(i)).with_metadata(json!({"g": i % 3})))
        .collect();
    db.insert_batch(rows).unwrap();
    (0..3000).for_each(|i| model.insert(&format!("v{i}"), vector(i), json!({"g": i % 3})));
    let full = db.stats().unwrap().size;
    let replaced: Vec<NewVector> =
        (0..30).map(|i| NewVector::new(format!("v{}", i * 10 + 3), vector(5000 + i))).collect();
    db.upsert_batch(replaced).unwrap();
    (0..30).for_each(|i| model.upsert(&format!("v{}", i * 10 + 3), vector(5000 + i), Value::Null));
    let patch = Patch { metadata: Some(Some(json!({"g": 1}))), ..Default::default() };
    assert!(db.update("v13", patch).unwrap());
    model.update("v13", None, Some(json!({"g": 1})));
    let gone: Vec<String> = (0..3000).filter(|i| i % 10 != 3).map(|i| format!("v{i}")).collect();
    db.delete_many(&Selection { ids: Some(gone.clone()), ..Default::default() }).unwrap();
    model.delete_many(Some(&gone), None);
    let c = db.compact().unwrap();
    // Every table takes at least a page (64 KiB in the browser build), most of this small file.
    let page = db.storage_settings().unwrap().page_size as u64;
    assert!(c.after * 100 <= full * 20 + 8 * page * 100, "{c:?} of {full}");
    let queries = [vector(3), vector(5001)];
    check_model(&db, &model, &queries, &[json!({"g": 1})], false);
    db.close().unwrap();
    pool.release();

    let pool = Pool::install(&path).await.unwrap();
    let db = VectorDb::open_with_vfs(config(), Some(pool.vfs_name()), true).unwrap();
    check_model(&db, &model, &queries, &[json!({"g": 1})], false);
}
