//! Native integration tests: real SQLite files on disk, the fixture scenario against brute
//! force, and every error code the core can produce.

mod common;

use common::*;
use serde_json::json;
use sqlite_vector::{Config, Error, Metric, NewVector, SearchOptions, VectorDb};

fn temp_path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_string_lossy().into_owned()
}

fn count(db: &VectorDb) -> usize {
    db.stats().unwrap().count
}

#[test]
fn fixtures_match_brute_force_and_survive_reopen() {
    let f = fixtures();
    let dir = tempfile::tempdir().unwrap();
    let path = temp_path(&dir, "fx.db");
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    db.insert_batch(new_vectors(&f)).unwrap();
    check_search_matches_brute_force(&db, &f);
    check_exact_ties(&db, &f);
    db.close().unwrap();

    let db = VectorDb::open(Config::new(&path)).unwrap();
    let s = db.stats().unwrap();
    assert_eq!((s.count, s.dimension, s.persistent, s.backend), (200, Some(8), true, "native"));
    assert!(s.size > 0 && s.size == std::fs::metadata(&path).unwrap().len());
    check_search_matches_brute_force(&db, &f);
}

#[test]
fn fixtures_in_memory_with_deletes() {
    let f = fixtures();
    let mut db = VectorDb::open(Config::default()).unwrap();
    db.insert_batch(new_vectors(&f)).unwrap();
    // Delete every third vector (moves rows around in the arena) and compare again.
    let mut kept = f.vectors.clone();
    for (id, _, _) in f.vectors.iter().step_by(3) {
        assert!(db.delete(id).unwrap());
        assert!(!db.delete(id).unwrap());
    }
    kept.retain(|(id, _, _)| !f.vectors.iter().step_by(3).any(|(d, _, _)| d == id));
    let g = Fixtures { vectors: kept, ..fixtures() };
    assert_eq!(count(&db), g.vectors.len());
    check_search_matches_brute_force(&db, &g);
}

#[test]
fn get_returns_what_was_inserted() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    let meta = json!({"a": {"b": [1, "x", null]}, "z": 1.5});
    let id = db
        .insert(NewVector { embedding: vec![0.25, -1.0, 3.0], metadata: Some(meta.clone()), id: None })
        .unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4", "UUID v4: {id}");
    let r = db.get(&id).unwrap().unwrap();
    assert_eq!(r.embedding, vec![0.25, -1.0, 3.0]);
    assert_eq!(r.metadata, Some(as_map(&meta)));
    assert!(r.timestamp > 1_700_000_000_000, "timestamp {} is not ms since epoch", r.timestamp);
    assert!(db.get("nope").unwrap().is_none());
    let other = db.insert(NewVector { embedding: vec![1.0, 1.0, 1.0], ..Default::default() }).unwrap();
    assert_ne!(id, other);
    let hit = &db.search(&[0.25, -1.0, 3.0], 1, &SearchOptions::default()).unwrap()[0];
    assert_eq!(hit.embedding.as_deref(), Some(&[0.25, -1.0, 3.0][..]));
    let no_emb = SearchOptions { include_embedding: false, ..Default::default() };
    assert!(db.search(&[0.25, -1.0, 3.0], 1, &no_emb).unwrap()[0].embedding.is_none());
}

#[test]
fn batch_is_all_or_nothing() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    db.insert(NewVector::new("taken", vec![1.0, 0.0])).unwrap();
    let cases: Vec<(Vec<NewVector>, &str)> = vec![
        (vec![NewVector::new("x", vec![1.0, 2.0]), NewVector::new("x", vec![2.0, 1.0])], "DUPLICATE_ID"),
        (vec![NewVector::new("y", vec![1.0, 2.0]), NewVector::new("taken", vec![2.0, 1.0])], "DUPLICATE_ID"),
        (
            vec![NewVector::new("y", vec![1.0, 2.0]), NewVector::new("z", vec![f32::NAN, 1.0])],
            "INVALID_VECTOR",
        ),
        (vec![NewVector::new("y", vec![1.0, 2.0]), NewVector::new("z", vec![1.0])], "DIMENSION_MISMATCH"),
        (vec![NewVector::new("y", vec![1.0, 2.0]), NewVector::new("z", vec![])], "INVALID_VECTOR"),
        (vec![NewVector::new("y", vec![1.0, 2.0]).with_metadata(json!([1]))], "INVALID_ARGUMENT"),
        (vec![NewVector::new("", vec![1.0, 2.0])], "INVALID_ARGUMENT"),
    ];
    for (batch, code) in cases {
        assert_eq!(db.insert_batch(batch).unwrap_err().code(), code);
        assert_eq!(count(&db), 1);
        assert!(db.get("y").unwrap().is_none());
        // The in-memory index did not move either.
        assert_eq!(db.search(&[1.0, 1.0], 10, &SearchOptions::default()).unwrap().len(), 1);
    }
    assert_eq!(db.insert_batch(vec![]).unwrap(), Vec::<String>::new());
}

#[test]
fn dimension_is_fixed_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_path(&dir, "dim.db");
    let mut db = VectorDb::open(Config { dimension: Some(3), ..Config::new(&path) }).unwrap();
    assert_eq!(db.stats().unwrap().dimension, Some(3));
    let e = db.insert(NewVector::new("a", vec![1.0, 2.0])).unwrap_err();
    assert_eq!(e, Error::DimensionMismatch { expected: 3, actual: 2 });
    db.close().unwrap();
    // Stored before any insert: a reopened database knows it.
    let db = VectorDb::open(Config::new(&path)).unwrap();
    assert_eq!(db.dimension(), Some(3));
    assert_eq!(
        db.search(&[1.0, 2.0], 1, &SearchOptions::default()).unwrap_err().code(),
        "DIMENSION_MISMATCH"
    );
    drop(db);
    let e = VectorDb::open(Config { dimension: Some(4), ..Config::new(&path) }).err().unwrap();
    assert_eq!(e.code(), "DIMENSION_MISMATCH");
    assert_eq!(
        VectorDb::open(Config { dimension: Some(0), ..Config::default() }).err().unwrap().code(),
        "INVALID_ARGUMENT"
    );
}

#[test]
fn search_argument_errors() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    // Before any insert the database has no dimension: an empty result, not an error.
    assert!(db.search(&[1.0], 3, &SearchOptions::default()).unwrap().is_empty());
    db.insert(NewVector::new("a", vec![1.0, 0.0]).with_metadata(json!({"n": 1}))).unwrap();
    let d = SearchOptions::default();
    assert_eq!(db.search(&[1.0, 0.0], 0, &d).unwrap_err().code(), "INVALID_ARGUMENT");
    assert_eq!(db.search(&[], 1, &d).unwrap_err().code(), "INVALID_VECTOR");
    assert_eq!(db.search(&[f32::INFINITY, 0.0], 1, &d).unwrap_err().code(), "INVALID_VECTOR");
    assert_eq!(db.search(&[1.0, 0.0, 0.0], 1, &d).unwrap_err().code(), "DIMENSION_MISMATCH");
    for bad in [json!({"n": {"$near": 1}}), json!("n"), json!({"$or": [{"n": 1}]})] {
        let o = SearchOptions { filter: Some(bad), ..Default::default() };
        assert_eq!(db.search(&[1.0, 0.0], 1, &o).unwrap_err().code(), "INVALID_ARGUMENT");
    }
    assert_eq!("manhattan".parse::<Metric>().unwrap_err().code(), "INVALID_ARGUMENT");
    let nan = SearchOptions { threshold: Some(f64::NAN), ..Default::default() };
    assert_eq!(db.search(&[1.0, 0.0], 1, &nan).unwrap_err().code(), "INVALID_ARGUMENT");
    // Filters bind values: a value that looks like SQL is just a string that matches nothing.
    let sneaky =
        SearchOptions { filter: Some(json!({"n') OR 1=1 --": 1, "n": "1 OR 1=1"})), ..Default::default() };
    assert!(db.search(&[1.0, 0.0], 1, &sneaky).unwrap().is_empty());
    assert_eq!(db.get("").unwrap_err().code(), "INVALID_ARGUMENT");
}

#[test]
fn closed_database_rejects_everything() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    db.insert(NewVector::new("a", vec![1.0])).unwrap();
    db.close().unwrap();
    assert!(db.is_closed());
    assert_eq!(db.insert(NewVector::new("b", vec![1.0])).unwrap_err(), Error::Closed);
    assert_eq!(db.search(&[1.0], 1, &SearchOptions::default()).unwrap_err(), Error::Closed);
    assert_eq!(db.get("a").unwrap_err(), Error::Closed);
    assert_eq!(db.delete("a").unwrap_err(), Error::Closed);
    assert_eq!(db.stats().unwrap_err(), Error::Closed);
    assert_eq!(db.close().unwrap_err(), Error::Closed);
}

#[test]
fn foreign_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let text = temp_path(&dir, "notes.txt");
    let content = b"this is not a database, and it must stay exactly like this\n".repeat(200);
    std::fs::write(&text, &content).unwrap();
    assert_eq!(VectorDb::open(Config::new(&text)).err().unwrap().code(), "CORRUPT");
    assert_eq!(std::fs::read(&text).unwrap(), content);

    let other = temp_path(&dir, "other.db");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE users(name TEXT); INSERT INTO users VALUES ('ann');").unwrap();
    drop(conn);
    let before = std::fs::read(&other).unwrap();
    assert_eq!(VectorDb::open(Config::new(&other)).err().unwrap().code(), "CORRUPT");
    assert_eq!(std::fs::read(&other).unwrap(), before);
}

#[test]
fn damaged_rows_are_reported_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_path(&dir, "damaged.db");
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    db.insert(NewVector::new("a", vec![1.0, 2.0])).unwrap();
    db.close().unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE vectors SET embedding = x'0102'", []).unwrap();
    drop(conn);
    assert_eq!(VectorDb::open(Config::new(&path)).err().unwrap().code(), "CORRUPT");
}

#[test]
fn metadata_filters_on_types() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    let rows = [
        ("num", json!({"v": 1})),
        ("str", json!({"v": "1"})),
        ("bool", json!({"v": true})),
        ("null", json!({"v": null})),
        ("missing", json!({})),
        ("obj", json!({"v": {"b": 2, "a": 1}})),
        ("arr", json!({"v": [1, 2]})),
        ("float", json!({"v": 2.5})),
    ];
    for (i, (id, m)) in rows.iter().enumerate() {
        db.insert(NewVector::new(*id, vec![1.0, i as f32]).with_metadata(m.clone())).unwrap();
    }
    let ids = |filter: serde_json::Value| -> Vec<String> {
        let o = SearchOptions { filter: Some(filter), ..Default::default() };
        let mut v: Vec<String> = db.search(&[1.0, 0.0], 100, &o).unwrap().into_iter().map(|h| h.id).collect();
        v.sort();
        v
    };
    assert_eq!(ids(json!({"v": 1})), ["num"]);
    assert_eq!(ids(json!({"v": "1"})), ["str"]);
    assert_eq!(ids(json!({"v": true})), ["bool"]);
    assert_eq!(ids(json!({"v": null})), ["missing", "null"]);
    assert_eq!(ids(json!({"v": {"a": 1, "b": 2}})), ["obj"]);
    assert_eq!(ids(json!({"v": [1, 2]})), ["arr"]);
    assert_eq!(ids(json!({"v": {"$gt": 1}})), ["float"]);
    assert_eq!(ids(json!({"v": {"$gte": 1, "$lt": 3}})), ["float", "num"]);
    assert_eq!(ids(json!({"v": {"$in": [1, "1"]}})), ["num", "str"]);
    assert_eq!(ids(json!({"v": {"$ne": 1}})).len(), 7);
    assert_eq!(ids(json!({"v": {"$in": []}})).len(), 0);
    assert_eq!(ids(json!({"v": {"$lt": "2"}})), ["str"]);
    // Every fixture-style check agrees with the reference matcher too.
    for filter in [json!({"v": 1}), json!({"v": null}), json!({"v": {"$ne": 1}}), json!({"v": {"$gt": 1}})] {
        let want: Vec<String> = {
            let mut v: Vec<String> =
                rows.iter().filter(|(_, m)| matches(m, &filter)).map(|(id, _)| id.to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(ids(filter.clone()), want, "{filter}");
    }
}

#[test]
fn error_codes_are_the_api_codes() {
    let all = [
        Error::DimensionMismatch { expected: 1, actual: 2 },
        Error::InvalidVector(String::new()),
        Error::InvalidArgument(String::new()),
        Error::DuplicateId(String::new()),
        Error::Closed,
        Error::Locked(String::new()),
        Error::QuotaExceeded(String::new()),
        Error::BackendUnavailable(String::new()),
        Error::Corrupt(String::new()),
        Error::Internal(String::new()),
    ];
    let codes: Vec<&str> = all.iter().map(Error::code).collect();
    assert_eq!(
        codes,
        [
            "DIMENSION_MISMATCH",
            "INVALID_VECTOR",
            "INVALID_ARGUMENT",
            "DUPLICATE_ID",
            "CLOSED",
            "LOCKED",
            "QUOTA_EXCEEDED",
            "BACKEND_UNAVAILABLE",
            "CORRUPT",
            "INTERNAL"
        ]
    );
}

fn fixture_db(path: &str) -> VectorDb {
    let f = fixtures();
    let mut db = VectorDb::open(Config::new(path)).unwrap();
    db.insert_batch(new_vectors(&f)).unwrap();
    db
}

#[test]
fn export_then_import_answers_the_same_in_memory_and_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixtures();
    for wal_mode in [false, true] {
        let src = temp_path(&dir, &format!("src-{wal_mode}.db"));
        let mut db = VectorDb::open(Config { wal_mode, ..Config::new(&src) }).unwrap();
        db.insert_batch(new_vectors(&f)).unwrap();
        let bytes = db.export().unwrap();
        assert_eq!(&bytes[..16], b"SQLite format 3\0");
        assert_eq!((bytes[18], bytes[19]), (1, 1), "exports are in rollback-journal mode");

        let in_memory = VectorDb::import(Config::default(), &bytes).unwrap();
        check_search_matches_brute_force(&in_memory, &f);
        let dest = temp_path(&dir, &format!("dest-{wal_mode}.db"));
        let mut on_disk =
            VectorDb::import(Config { wal_mode: !wal_mode, ..Config::new(&dest) }, &bytes).unwrap();
        check_search_matches_brute_force(&on_disk, &f);
        assert_eq!(on_disk.stats().unwrap().count, f.vectors.len());
        assert_eq!(on_disk.storage_settings().unwrap().journal_mode, if wal_mode { "delete" } else { "wal" });
        on_disk.close().unwrap();
        // and the imported file opens by path, with no bytes
        let reopened = VectorDb::open(Config::new(&dest)).unwrap();
        check_search_matches_brute_force(&reopened, &f);
        db.close().unwrap();
    }
}

#[test]
fn import_changes_the_page_size_even_into_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixtures();
    // An image with 8 KiB pages, as the wasm build writes them.
    let src = temp_path(&dir, "big-pages.db");
    {
        let conn = rusqlite::Connection::open(&src).unwrap();
        conn.execute_batch("PRAGMA page_size = 8192; VACUUM;").unwrap();
    }
    let mut db = fixture_db(&src);
    let bytes = db.export().unwrap();
    assert_eq!(u16::from_be_bytes([bytes[16], bytes[17]]), 8192);
    db.close().unwrap();
    let dest = temp_path(&dir, "wal-dest.db");
    drop(VectorDb::open(Config { wal_mode: true, ..Config::new(&dest) }).unwrap()); // an empty WAL database
    let db =
        VectorDb::import(Config { wal_mode: true, overwrite: true, ..Config::new(&dest) }, &bytes).unwrap();
    assert_eq!(db.storage_settings().unwrap().page_size, 8192);
    check_search_matches_brute_force(&db, &f);
}

#[test]
fn bad_images_are_corrupt_and_occupied_paths_need_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixtures();
    let path = temp_path(&dir, "keep.db");
    let mut db = fixture_db(&path);
    let good = db.export().unwrap();
    db.close().unwrap();
    let before = std::fs::read(&path).unwrap();

    let foreign = {
        let p = temp_path(&dir, "foreign.db");
        let conn = rusqlite::Connection::open(&p).unwrap();
        conn.execute_batch("CREATE TABLE notes(body TEXT); INSERT INTO notes VALUES ('hello');").unwrap();
        drop(conn);
        std::fs::read(&p).unwrap()
    };
    let mut header_only = vec![0u8; 4096];
    header_only[..16].copy_from_slice(b"SQLite format 3\0");
    let empty_sqlite = {
        let p = temp_path(&dir, "empty.db");
        let conn = rusqlite::Connection::open(&p).unwrap();
        conn.execute_batch("PRAGMA user_version = 1;").unwrap();
        drop(conn);
        std::fs::read(&p).unwrap()
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("text", b"hello, not a database".repeat(100)),
        ("empty", Vec::new()),
        ("header only", header_only),
        ("truncated", good[..good.len() / 2].to_vec()),
        ("foreign SQLite", foreign),
        ("empty SQLite", empty_sqlite),
    ];
    for (what, bytes) in &cases {
        for target in [path.as_str(), ":memory:"] {
            let r = VectorDb::import(Config { overwrite: true, ..Config::new(target) }, bytes);
            assert_eq!(r.err().map(|e| e.code()), Some("CORRUPT"), "{what} into {target}");
        }
        let fresh = temp_path(&dir, "never.db");
        assert!(VectorDb::import(Config::new(&fresh), bytes).is_err());
        assert!(!std::path::Path::new(&fresh).exists(), "{what}: a refused import creates no file");
    }
    let occupied = VectorDb::import(Config::new(&path), &good);
    assert_eq!(occupied.err().map(|e| e.code()), Some("INVALID_ARGUMENT"));
    assert_eq!(std::fs::read(&path).unwrap(), before, "refused imports leave the file byte for byte");

    let mut small = VectorDb::open(Config::default()).unwrap();
    small.insert(NewVector::new("only", vec![1.0, 2.0])).unwrap();
    let replaced =
        VectorDb::import(Config { overwrite: true, ..Config::new(&path) }, &small.export().unwrap()).unwrap();
    assert_eq!(replaced.stats().unwrap().count, 1);
    assert_eq!(replaced.dimension(), Some(2));
    assert_ne!(f.dimension, 2);
}

#[test]
fn an_open_file_is_locked_for_other_connections() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_path(&dir, "held.db");
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    db.insert(NewVector::new("a", vec![1.0])).unwrap();
    assert_eq!(VectorDb::open(Config::new(&path)).err().map(|e| e.code()), Some("LOCKED"));
    let raw = rusqlite::Connection::open(&path).unwrap();
    assert!(raw.query_row("SELECT count(*) FROM vectors", [], |r| r.get::<_, i64>(0)).is_err());
    db.close().unwrap();
    assert_eq!(raw.query_row("SELECT count(*) FROM vectors", [], |r| r.get::<_, i64>(0)).unwrap(), 1);
}
