//! A writer killed (SIGKILL) at random points while it inserts into and deletes from a
//! database with an hnsw index over int8 codes: after every kill the file holds whole batches
//! only, passes `quick_check`, and its codes and graph records cover exactly the live rows
//! (they are written in the same transaction as the rows), so reopening needs no rebuild.
//! `SV_CRASH_ROUNDS` sets the rounds (default 6, CI-sized).
#![cfg(unix)]

use rusqlite::Connection;
use sqlite_vector::{Config, IndexKind, IndexOptions, NewVector, Quantization, SearchOptions, VectorDb};
use std::collections::HashSet;
use std::process::Command;
use std::time::Duration;

const BATCH: usize = 150;
const D: usize = 16;

fn vector(i: usize) -> Vec<f32> {
    (0..D).map(|j| (((i * 31 + j * 7) % 97) as f32 / 97.0) - 0.5 + (i % 5) as f32).collect()
}

/// The child: open, index if needed, then insert batches (and delete a few rows) forever.
fn writer(path: &str) {
    let mut db = VectorDb::open(Config::new(path)).unwrap();
    if db.stats().unwrap().index.is_none() {
        db.insert_batch((0..BATCH).map(|i| NewVector::new(format!("seed{i}"), vector(i))).collect()).unwrap();
        db.create_index(&IndexOptions {
            kind: IndexKind::Hnsw,
            quantization: Quantization::Int8,
            m: Some(8),
            ef_construction: Some(32),
            ..Default::default()
        })
        .unwrap();
    }
    let mut next = db.stats().unwrap().count * 7 + 1000;
    loop {
        let batch: Vec<NewVector> =
            (0..BATCH).map(|j| NewVector::new(format!("r{}", next + j), vector(next + j))).collect();
        db.insert_batch(batch).unwrap();
        db.delete(&format!("r{}", next + 3)).unwrap();
        next += BATCH;
    }
}

#[test]
fn killed_writer_leaves_rows_codes_and_graph_in_step() {
    if let Ok(path) = std::env::var("SV_CRASH_CHILD") {
        writer(&path);
        return;
    }
    let rounds: usize = std::env::var("SV_CRASH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(6);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db").to_string_lossy().into_owned();
    let mut seed = 0x853c_49e6_748f_ea9bu64;
    let mut graphs_seen = 0;
    for round in 0..rounds {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "killed_writer_leaves_rows_codes_and_graph_in_step",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SV_CRASH_CHILD", &path)
            .spawn()
            .unwrap();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(300 + seed % 900));
        child.kill().unwrap(); // SIGKILL: no destructor, no rollback of our own
        child.wait().unwrap();

        let conn = Connection::open(&path).unwrap();
        let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok", "round {round}");
        let rows: HashSet<i64> = conn
            .prepare("SELECT rowid FROM vectors")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let inserted: i64 =
            conn.query_row("SELECT count(*) FROM vectors WHERE id LIKE 'r%'", [], |r| r.get(0)).unwrap();
        // Each batch call inserts BATCH rows and the next call deletes one of them: with whole
        // calls only, `inserted` is b·BATCH − b or b·BATCH − (b − 1) for some b.
        let per = BATCH as i64 - 1;
        assert!(
            inserted % per == 0 || (inserted - 1) % per == 0,
            "round {round}: {inserted} rows is not whole calls"
        );
        graphs_seen += usize::from(!rows.is_empty());
        let graph: HashSet<i64> = conn
            .prepare("SELECT rowid FROM index_graph")
            .map(|mut s| s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect())
            .unwrap_or_default();
        assert!(graph.is_empty() || !rows.is_empty());
        if !graph.is_empty() {
            assert_eq!(graph, rows, "round {round}: graph records cover exactly the live rows");
            let mut stmt = conn.prepare("SELECT links FROM index_graph").unwrap();
            for links in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0)).unwrap() {
                let links = links.unwrap();
                let (&level, mut rest) = links.split_first().unwrap();
                for _ in 0..=level {
                    let n = u16::from_le_bytes([rest[0], rest[1]]) as usize;
                    for c in rest[2..2 + n * 8].chunks_exact(8) {
                        let target = i64::from_le_bytes(c.try_into().unwrap());
                        assert!(rows.contains(&target), "round {round}: a link to a deleted row {target}");
                    }
                    rest = &rest[2 + n * 8..];
                }
            }
        }
        drop(conn);
        let db = VectorDb::open(Config::new(&path)).unwrap();
        let stats = db.stats().unwrap();
        assert_eq!(stats.count, rows.len());
        let hits = db
            .search(&vector(7), 3, &SearchOptions { include_embedding: false, ..Default::default() })
            .unwrap();
        assert_eq!(hits.len(), 3.min(rows.len()));
    }
    let conn = Connection::open(&path).unwrap();
    let graph_rows: i64 = conn.query_row("SELECT count(*) FROM index_graph", [], |r| r.get(0)).unwrap();
    assert!(
        graphs_seen > 0 && graph_rows > BATCH as i64,
        "the writer got past building the index ({graph_rows} nodes)"
    );
}
