//! Failed mutations change nothing: failures injected inside the transaction (a trigger
//! that aborts, or a page limit that fills the file) leave the file, the vectors, the graph
//! and the attribute index as they were, with no index, int8 codes and an hnsw graph.

use crate::types::{IndexKind, IndexOptions, Quantization};
use crate::{Config, Metric, NewVector, Patch, SearchOptions, Selection, VectorDb};
use serde_json::{json, Value};

const D: usize = 16;

fn vector(seed: usize) -> Vec<f32> {
    (0..D)
        .map(|j| (((seed * 7919 + j * 104_729) % 1000) as f32 / 500.0 - 1.0) * (1.0 + j as f32 / 8.0))
        .collect()
}

fn database(index: Option<IndexOptions>) -> VectorDb {
    let mut db = VectorDb::open(Config::default()).unwrap();
    db.insert_batch(
        (0..300)
            .map(|i| {
                NewVector::new(format!("v{i}"), vector(i)).with_metadata(json!({"g": i % 4, "s": i % 7}))
            })
            .collect(),
    )
    .unwrap();
    if let Some(options) = index {
        db.create_index(&options).unwrap();
    }
    // Holes, so that compact has rows to renumber.
    let gone = (0..300).step_by(3).map(|i| format!("v{i}")).collect();
    db.delete_many(&Selection { ids: Some(gone), ..Default::default() }).unwrap();
    db
}

/// Everything a caller can observe: every row, and searches of every kind (approximate and
/// exact, with and without a filter, every metric).
fn observe(db: &VectorDb) -> Value {
    let rows: Vec<Value> = (0..320)
        .filter_map(|i| db.get(&format!("v{i}")).unwrap())
        .map(|r| json!([r.id, r.embedding, r.metadata, r.timestamp]))
        .collect();
    let mut searches = Vec::new();
    for q in [vector(1000), vector(1001)] {
        for metric in [Metric::Cosine, Metric::Euclidean, Metric::Dot] {
            for filter in [None, Some(json!({"g": 1, "s": {"$lt": 5}}))] {
                for exact in [false, true] {
                    let opts = SearchOptions {
                        metric: Some(metric),
                        filter: filter.clone(),
                        exact,
                        ..Default::default()
                    };
                    let hits = db.search(&q, 12, &opts).unwrap();
                    searches.push(json!(hits.iter().map(|h| json!([h.id, h.score])).collect::<Vec<_>>()));
                }
            }
        }
    }
    json!({"count": db.stats().unwrap().count, "rows": rows, "searches": searches})
}

fn execute(db: &VectorDb, sql: &str) {
    db.open_ref().unwrap().store.connection().execute_batch(sql).unwrap();
}

fn indexes() -> Vec<Option<IndexOptions>> {
    vec![
        None,
        Some(IndexOptions { quantization: Quantization::Int8, ..Default::default() }),
        Some(IndexOptions {
            kind: IndexKind::Hnsw,
            m: Some(6),
            ef_construction: Some(32),
            ..Default::default()
        }),
    ]
}

#[test]
fn a_mutation_that_fails_in_its_transaction_changes_nothing() {
    for index in indexes() {
        let mut db = database(index);
        let before = observe(&db);
        let upserts = || {
            let mut batch: Vec<NewVector> =
                (0..50).map(|i| NewVector::new(format!("v{i}"), vector(500 + i))).collect();
            batch.push(NewVector::new("new", vector(2000)).with_metadata(json!({"g": 1})));
            batch
        };
        let patch = Patch { embedding: Some(vector(3000)), metadata: Some(Some(json!({"g": 1, "s": 0}))) };
        // Each call fails late in its transaction, after it has written some rows.
        let fail = |db: &VectorDb, when: &str| {
            execute(db, &format!("CREATE TRIGGER fail {when} BEGIN SELECT RAISE(ABORT, 'injected'); END;"))
        };
        fail(&db, "BEFORE INSERT ON vectors");
        assert!(db.upsert_batch(upserts()).is_err());
        execute(&db, "DROP TRIGGER fail;");
        assert_eq!(observe(&db), before, "{index:?}: upsert");
        fail(&db, "AFTER UPDATE ON vectors");
        assert!(db.update("v1", patch.clone()).is_err());
        assert!(db.upsert_batch(upserts()).is_err());
        execute(&db, "DROP TRIGGER fail;");
        assert_eq!(observe(&db), before, "{index:?}: update");
        fail(&db, "AFTER DELETE ON vectors WHEN OLD.rowid > 250");
        assert!(db.delete_many(&Selection { filter: Some(json!({"g": 2})), ..Default::default() }).is_err());
        execute(&db, "DROP TRIGGER fail;");
        assert_eq!(observe(&db), before, "{index:?}: deleteMany");
        // A file that cannot grow: compact's new tables and big batches fail.
        let pages: i64 = db
            .open_ref()
            .unwrap()
            .store
            .connection()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        execute(&db, &format!("PRAGMA max_page_count = {pages};"));
        assert_eq!(db.compact().unwrap_err().code(), "QUOTA_EXCEEDED", "{index:?}");
        let big: Vec<NewVector> = (0..2000).map(|i| NewVector::new(format!("n{i}"), vector(i))).collect();
        assert_eq!(db.upsert_batch(big).unwrap_err().code(), "QUOTA_EXCEEDED");
        assert_eq!(observe(&db), before, "{index:?}: a full file");
        // The same calls succeed once the file may grow again.
        execute(&db, "PRAGMA max_page_count = 1073741823;");
        db.compact().unwrap();
        db.upsert_batch(upserts()).unwrap();
        assert!(db.update("v1", patch.clone()).unwrap());
        assert!(
            db.delete_many(&Selection { filter: Some(json!({"g": 2})), ..Default::default() }).unwrap() > 0
        );
        assert_ne!(observe(&db), before);
    }
}
