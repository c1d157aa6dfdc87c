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
