//! The floor under a native batch insert on this machine: what SQLite alone takes to write
//! 100k × 128 into a file in one transaction, with no validation, no arena and no bindings,
//! for the schema 1 layout (a row per vector, embedding inline), the schema 2 layout (thin
//! rows + 64 KiB chunks), and the vector bytes alone (chunks only).
//!   cargo run --release --features native --example insert_floor
use rusqlite::{params, Connection};
use std::time::Instant;

fn main() {
    let (n, dim) = (100_000usize, 128usize);
    let data: Vec<f32> = (0..n * dim).map(|i| ((i * 7919) % 1000) as f32 / 1000.0).collect();
    let bytes: &[u8] = bytemuck::cast_slice(&data);
    let ids: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let dir = tempfile::tempdir().unwrap();
    for layout in ["schema 1 (row per vector)", "schema 2 (thin rows + chunks)", "vector bytes only (chunks)"]
    {
        let path = dir.path().join(format!("{}.db", layout.len()));
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -100000;
             CREATE TABLE v1(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, embedding BLOB, norm REAL,
               metadata TEXT, created_at INTEGER);
             CREATE TABLE vectors(rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, metadata TEXT, created_at INTEGER);
             CREATE TABLE embeddings(chunk INTEGER PRIMARY KEY, data BLOB NOT NULL);",
        )
        .unwrap();
        let t = Instant::now();
        let tx = conn.unchecked_transaction().unwrap();
        let row = |i: usize| &bytes[i * dim * 4..(i + 1) * dim * 4];
        if layout.starts_with("schema 1") {
            let mut st = tx
                .prepare("INSERT INTO v1(id, embedding, norm, metadata, created_at) VALUES (?1,?2,?3,NULL,5)")
                .unwrap();
            for (i, id) in ids.iter().enumerate() {
                st.execute(params![id, row(i), 1.0f64]).unwrap();
            }
        } else {
            if layout.starts_with("schema 2") {
                let mut st =
                    tx.prepare("INSERT INTO vectors(id, metadata, created_at) VALUES (?1, NULL, 5)").unwrap();
                for id in &ids {
                    st.execute([id]).unwrap();
                }
            }
            let mut st = tx.prepare("INSERT INTO embeddings(chunk, data) VALUES (?1, ?2)").unwrap();
            for (c, chunk) in bytes.chunks(128 * dim * 4).enumerate() {
                st.execute(params![c as i64, chunk]).unwrap();
            }
        }
        tx.commit().unwrap();
        let s = t.elapsed().as_secs_f64();
        println!("{layout}: {:.0} vectors/s ({:.1} ms)", n as f64 / s, s * 1e3);
    }
}
