//! Native integration tests: real SQLite files on disk, the fixture scenario against brute
//! force, and every error code the core can produce.

mod common;

use common::*;
use serde_json::json;
use sqlite_vector::{Config, Error, Metric, NewVector, Packed, SearchOptions, VectorDb};

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
    assert_eq!(&id[14..15], "7", "UUID v7: {id}");
    // Time-ordered: a later batch's generated ids sort after earlier ones, in batch order.
    let later = db
        .insert_batch(
            (0..50)
                .map(|i| NewVector { embedding: vec![i as f32, 1.0, 0.0], ..Default::default() })
                .collect(),
        )
        .unwrap();
    let mut sorted = later.clone();
    sorted.sort();
    assert_eq!(sorted, later);
    assert!(later[0] > id);
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
    let damages = [
        ("a chunk of the wrong size", "UPDATE embeddings SET data = x'0102'"),
        ("a chunk that is not a BLOB", "UPDATE embeddings SET data = 'text'"),
        ("a row whose chunk is gone", "DELETE FROM embeddings"),
        ("a row below rowid 1", "UPDATE vectors SET rowid = 0"),
        ("a bad chunk_rows", "UPDATE vector_meta SET value = 'x' WHERE key = 'chunk_rows'"),
        ("an unknown schema version", "UPDATE vector_meta SET value = '9' WHERE key = 'schema_version'"),
    ];
    for (what, sql) in damages {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_path(&dir, "damaged.db");
        let mut db = VectorDb::open(Config::new(&path)).unwrap();
        db.insert(NewVector::new("a", vec![1.0, 2.0])).unwrap();
        let image = db.export().unwrap();
        db.close().unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(sql).unwrap();
        drop(conn);
        assert_eq!(VectorDb::open(Config::new(&path)).err().unwrap().code(), "CORRUPT", "open with {what}");
        // The same damage in an exported image is refused before anything is written.
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut conn = conn;
        conn.deserialize_read_exact(rusqlite::MAIN_DB, &image[..], image.len(), false).unwrap();
        conn.execute_batch(sql).unwrap();
        let bad = conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec();
        let target = temp_path(&dir, "import.db");
        let err = VectorDb::import(Config::new(&target), &bad).err().unwrap();
        assert_eq!(err.code(), "CORRUPT", "import with {what}: {err}");
        assert!(!std::path::Path::new(&target).exists() || std::fs::metadata(&target).unwrap().len() == 0);
    }
}

/// The embeddings table as raw bytes per chunk.
fn chunks(path: &str) -> Vec<(i64, Vec<u8>)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT chunk, data FROM embeddings ORDER BY chunk").unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

#[test]
fn vectors_are_packed_in_chunks_and_deletes_leave_no_bytes_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_path(&dir, "chunks.db");
    let dim = 1024; // 16 vectors per 64 KiB chunk
    let v = |i: usize| vec![i as f32 + 1.0; dim];
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    // One batch across two chunks, then single inserts that fill the second one in place.
    db.insert_batch((0..20).map(|i| NewVector::new(format!("v{i}"), v(i))).collect()).unwrap();
    for i in 20..34 {
        db.insert(NewVector::new(format!("v{i}"), v(i))).unwrap();
    }
    db.close().unwrap();
    let stored = chunks(&path);
    assert_eq!(stored.iter().map(|c| c.0).collect::<Vec<_>>(), vec![0, 1, 2]);
    let row = |c: &[u8], at: usize| -> Vec<f32> {
        c[at * dim * 4..(at + 1) * dim * 4]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect()
    };
    for (chunk, data) in &stored {
        assert_eq!(data.len(), 16 * dim * 4, "chunk {chunk} holds 16 vectors");
        for at in 0..16 {
            let i = *chunk as usize * 16 + at;
            let want = if i < 34 { v(i) } else { vec![0.0; dim] };
            assert_eq!(row(data, at), want, "vector {i}");
        }
    }
    // Deleting zeroes the slot; deleting a chunk's last live row drops the chunk.
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    assert!(db.delete("v3").unwrap());
    for i in 32..34 {
        assert!(db.delete(&format!("v{i}")).unwrap());
    }
    db.close().unwrap();
    let stored = chunks(&path);
    assert_eq!(stored.iter().map(|c| c.0).collect::<Vec<_>>(), vec![0, 1]);
    assert_eq!(row(&stored[0].1, 3), vec![0.0; dim]);
    assert_eq!(row(&stored[0].1, 4), v(4));
    // Reopened, everything left is there, and new rows go after the old ones.
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    assert_eq!(count(&db), 31);
    assert_eq!(db.get("v3").unwrap(), None);
    assert_eq!(db.get("v31").unwrap().unwrap().embedding, v(31));
    db.insert(NewVector::new("new", v(99))).unwrap();
    let hits = db.search(&v(99), 1, &SearchOptions::default()).unwrap();
    assert_eq!(hits[0].id, "v0", "cosine ties: all vectors are parallel, the oldest wins");
    let opts = SearchOptions { metric: Some(Metric::Euclidean), ..Default::default() };
    assert_eq!(db.search(&v(99), 1, &opts).unwrap()[0].id, "new");
}

#[test]
fn a_failed_batch_leaves_file_and_memory_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_path(&dir, "atomic.db");
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    db.insert_batch((0..5).map(|i| NewVector::new(format!("v{i}"), vec![i as f32, 1.0])).collect()).unwrap();
    let before = db.export().unwrap();
    // A NaN deep in the batch (after staging has begun), and a taken id at the very end
    // (after every thin row before it was written).
    let mut nan: Vec<NewVector> =
        (10..600).map(|i| NewVector::new(format!("n{i}"), vec![i as f32, 1.0])).collect();
    nan[550].embedding[1] = f32::NAN;
    assert_eq!(db.insert_batch(nan).unwrap_err().code(), "INVALID_VECTOR");
    let mut dup: Vec<NewVector> =
        (10..600).map(|i| NewVector::new(format!("d{i}"), vec![i as f32, 1.0])).collect();
    dup.push(NewVector::new("v2", vec![0.0, 1.0]));
    assert_eq!(db.insert_batch(dup).unwrap_err().code(), "DUPLICATE_ID");
    assert_eq!(db.export().unwrap(), before, "the file is byte for byte unchanged");
    assert_eq!(count(&db), 5);
    let all = db.search(&[1.0, 1.0], 1000, &SearchOptions::default()).unwrap();
    let mut ids: Vec<String> = all.into_iter().map(|h| h.id).collect();
    ids.sort();
    assert_eq!(ids, ["v0", "v1", "v2", "v3", "v4"]);
    // A first batch that fails leaves no dimension behind either.
    let mut fresh = VectorDb::open(Config::default()).unwrap();
    let bad =
        vec![NewVector::new("a", vec![1.0, 2.0, 3.0]), NewVector::new("b", vec![f32::INFINITY, 0.0, 0.0])];
    assert_eq!(fresh.insert_batch(bad).unwrap_err().code(), "INVALID_VECTOR");
    assert_eq!(fresh.dimension(), None);
    fresh.insert(NewVector::new("c", vec![1.0])).unwrap();
    assert_eq!(fresh.dimension(), Some(1));
}

#[test]
fn a_schema_1_file_is_migrated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = temp_path(&dir, "v1.db");
    // Schema version 1 exactly as the first releases wrote it: the embedding inline.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE vector_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE vectors (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, embedding BLOB NOT NULL,
           norm REAL NOT NULL, metadata TEXT, created_at INTEGER NOT NULL);
         PRAGMA application_id = 1397839427;
         INSERT INTO vector_meta VALUES ('format', 'sqlite-vector'), ('schema_version', '1'), ('dimension', '3');",
    )
    .unwrap();
    let f32s = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    // Rowids with gaps (deleted rows), as a used file has them.
    for (rowid, id, v) in [(1, "a", [1.0, 0.0, 0.0]), (2, "b", [0.0, 1.0, 0.0]), (5, "c", [0.0, 0.0, 1.0])] {
        conn.execute(
            "INSERT INTO vectors VALUES (?1, ?2, ?3, 1.0, ?4, 7)",
            rusqlite::params![rowid, id, f32s(&v), format!("{{\"n\":{rowid}}}")],
        )
        .unwrap();
    }
    drop(conn);
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    assert_eq!(count(&db), 3);
    let c = db.get("c").unwrap().unwrap();
    assert_eq!((c.embedding, c.timestamp), (vec![0.0, 0.0, 1.0], 7));
    assert_eq!(c.metadata.unwrap()["n"], json!(5));
    assert_eq!(db.search(&[0.0, 0.9, 0.1], 1, &SearchOptions::default()).unwrap()[0].id, "b");
    assert_eq!(db.insert(NewVector::new("a", vec![1.0, 1.0, 1.0])).unwrap_err().code(), "DUPLICATE_ID");
    db.insert(NewVector::new("d", vec![1.0, 1.0, 1.0])).unwrap();
    db.close().unwrap();
    let db = VectorDb::open(Config::new(&path)).unwrap();
    assert_eq!(count(&db), 4);
    assert_eq!(db.get("d").unwrap().unwrap().embedding, vec![1.0, 1.0, 1.0]);
    let conn = rusqlite::Connection::open(&path).unwrap();
    drop(db);
    let version: String = conn
        .query_row("SELECT value FROM vector_meta WHERE key = 'schema_version'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, "2");
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

#[test]
fn metadata_round_trips_key_order_and_last_digits() {
    let mut db = VectorDb::open(Config::default()).unwrap();
    let text =
        r#"{"z":1,"a":{"y":0.30000000000000004,"b":[1e-320,18014398509481985,-9007199254740993]},"m":null}"#;
    let ids = db
        .insert_packed(&Packed::new(&[1.0f32, 2.0][..], &[2]).unwrap(), vec![None], vec![Some(text.into())])
        .unwrap();
    let stored = db.get_stored(&ids[0]).unwrap().unwrap();
    assert_eq!(stored.metadata.as_deref(), Some(text));
    let keys: Vec<String> = db.get(&ids[0]).unwrap().unwrap().metadata.unwrap().keys().cloned().collect();
    assert_eq!(keys, ["z", "a", "m"]);
}

#[test]
fn filters_use_the_attribute_index_through_reopen_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.db").to_string_lossy().into_owned();
    let meta =
        |i: usize| json!({"c": i % 10, "g": {"h": format!("k{}", i % 3)}, "o": {"b": 1, "a": [i % 2]}});
    let mut db = VectorDb::open(Config::new(&path)).unwrap();
    db.insert_batch(
        (0..300)
            .map(|i| NewVector::new(format!("v{i}"), vec![i as f32, 1.0]).with_metadata(meta(i)))
            .collect(),
    )
    .unwrap();
    for i in (0..300).step_by(7) {
        assert!(db.delete(&format!("v{i}")).unwrap());
    }
    let expect = |f: &dyn Fn(usize) -> bool| -> Vec<String> {
        let mut ids: Vec<usize> = (0..300).filter(|i| i % 7 != 0 && f(*i)).collect();
        ids.sort_by(|a, b| (*b as f32).total_cmp(&(*a as f32)));
        ids.into_iter().map(|i| format!("v{i}")).collect()
    };
    let opts = |f: serde_json::Value| SearchOptions {
        metric: Some(Metric::Dot),
        filter: Some(f),
        include_embedding: false,
        ..Default::default()
    };
    let run = |db: &VectorDb, f: serde_json::Value| -> Vec<String> {
        db.search(&[1.0, 0.0], usize::MAX, &opts(f)).unwrap().into_iter().map(|h| h.id).collect()
    };
    assert_eq!(run(&db, json!({"c": 3})), expect(&|i| i % 10 == 3));
    assert_eq!(run(&db, json!({"g.h": "k1", "c": {"$gte": 5}})), expect(&|i| i % 3 == 1 && i % 10 >= 5));
    assert_eq!(run(&db, json!({"o": {"a": [1], "b": 1}})), expect(&|i| i % 2 == 1));
    assert_eq!(run(&db, json!({"c": {"$nin": [1, 2]}, "x": null})), expect(&|i| !matches!(i % 10, 1 | 2)));
    drop(db);
    let db = VectorDb::open(Config::new(&path)).unwrap();
    assert_eq!(run(&db, json!({"c": 3})), expect(&|i| i % 10 == 3));
    assert_eq!(
        run(&db, json!({"o": {"b": 1, "a": [0]}, "g.h": {"$ne": "k0"}})),
        expect(&|i| i % 2 == 0 && i % 3 != 0)
    );
}
