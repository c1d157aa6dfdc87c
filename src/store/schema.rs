//! The file's layout: schema version 2, checked or created at open, and the migration from
//! version 1.
//!
//! - `PRAGMA application_id = 0x53515643` ("SQVC") marks the file as ours.
//! - `vector_meta(key, value)`: `format = 'sqlite-vector'`, `schema_version`, and once the
//!   dimension is known `dimension` and `chunk_rows` (C, fixed for the file).
//! - `vectors(rowid, id, metadata, created_at)`: one thin row per vector; rowid is insertion
//!   order (ties), `metadata` a JSON object.
//! - `embeddings(chunk, data)`: the vectors themselves, packed C to a BLOB of exactly
//!   `C × dimension` little-endian f32. Row `r` lives in chunk `(r-1) / C` at row
//!   `(r-1) % C`; the slots of deleted rows are zeroed, and a chunk with no live row is
//!   deleted. Packing makes a batch insert one B-tree row per vector (plus the id index)
//!   and one BLOB per C vectors, instead of a 100-byte-to-6-KiB row each, and lets a reopen
//!   read the vectors in large sequential pieces.
//!
//! Schema version 1 (one row per vector with its embedding inline) is migrated to 2 in one
//! transaction when opened. Index tables (quantized codes, graphs) are keyed by rowid or
//! chunk and can always be rebuilt from `vectors` + `embeddings`.

use super::writer::Writer;
use super::Store;
use crate::codec;
use crate::error::{Error, Result};
use rusqlite::params;

pub const APPLICATION_ID: i64 = 0x5351_5643;
pub const FORMAT: &str = "sqlite-vector";
pub const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE vector_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE vectors (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  metadata TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE embeddings (chunk INTEGER PRIMARY KEY, data BLOB NOT NULL);
";

/// The table of packed f32 vectors.
pub const EMBEDDINGS: &str = "embeddings";
/// The table of a quantized index's code rows, chunked like `embeddings` (see
/// `index/quantized.rs` for a row's layout).
pub const CODES: &str = "index_codes";
/// The table of an hnsw index's nodes: one record per rowid (see `index/hnsw.rs`).
pub const GRAPH: &str = "index_graph";

/// Bytes aimed at per `embeddings` chunk: big enough that a batch writes few BLOBs, small
/// enough that a single insert rewrites little.
const CHUNK_BYTES: usize = 64 * 1024;

/// How many vectors of `dimension` floats a new file packs per chunk.
pub fn chunk_rows_for(dimension: usize) -> usize {
    (CHUNK_BYTES / (4 * dimension)).clamp(1, 4096)
}

/// Where vectors live in the file: fixed once the dimension is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub dimension: usize,
    pub chunk_rows: usize,
}

impl Layout {
    pub fn chunk_of(&self, rowid: i64) -> (i64, usize) {
        let slot = (rowid - 1) as usize;
        ((slot / self.chunk_rows) as i64, slot % self.chunk_rows)
    }

    pub(super) fn chunk_bytes(&self) -> usize {
        self.chunk_rows * self.dimension * 4
    }

    /// The rowids chunk `c` holds.
    pub(super) fn rowid_range(&self, chunk: i64) -> (i64, i64) {
        let first = chunk * self.chunk_rows as i64 + 1;
        (first, first + self.chunk_rows as i64 - 1)
    }
}

impl Store {
    /// Creates the schema in an empty file, or verifies an existing one (migrating schema
    /// version 1), and reads the layout.
    pub(super) fn check_or_create(&mut self) -> Result<()> {
        if self.table_count()? == 0 {
            let tx = self.conn.unchecked_transaction()?;
            tx.execute_batch(SCHEMA)?;
            tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID};"))?;
            tx.execute(
                "INSERT INTO vector_meta(key, value) VALUES ('format', ?1), ('schema_version', ?2)",
                params![FORMAT, SCHEMA_VERSION.to_string()],
            )?;
            tx.commit()?;
            self.layout = None;
            return Ok(());
        }
        let not_ours =
            || Error::Corrupt("the file is a SQLite database but not a sqlite-vector database".into());
        let has_meta: i64 = self.conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('vector_meta', 'vectors')",
            [],
            |r| r.get(0),
        )?;
        if has_meta != 2 {
            return Err(not_ours());
        }
        if self.meta("format")?.as_deref() != Some(FORMAT) {
            return Err(not_ours());
        }
        let dimension = match self.meta("dimension")? {
            None => None,
            Some(d) => match d.parse::<usize>() {
                Ok(d) if d > 0 => Some(d),
                _ => return Err(Error::Corrupt(format!("stored dimension {d:?} is not a positive integer"))),
            },
        };
        let version: i64 = self.meta("schema_version")?.and_then(|v| v.parse().ok()).unwrap_or(0);
        match version {
            SCHEMA_VERSION => {}
            1 => self.migrate_from_v1(dimension)?,
            _ => {
                return Err(Error::Corrupt(format!(
                "schema version {version} is not supported by this build (it reads 1 and {SCHEMA_VERSION})"
            )))
            }
        }
        self.layout = match dimension {
            None => None,
            Some(dimension) => {
                let chunk_rows = match self.meta("chunk_rows")?.map(|c| c.parse::<usize>()) {
                    Some(Ok(c)) if c > 0 => c,
                    other => {
                        return Err(Error::Corrupt(format!(
                            "stored chunk_rows {other:?} is not a positive integer"
                        )))
                    }
                };
                Some(Layout { dimension, chunk_rows })
            }
        };
        Ok(())
    }

    /// Schema version 1 kept each embedding (and its norm) inline in `vectors`. Rewrites the
    /// file to version 2 in one transaction: nothing changes if any step fails.
    fn migrate_from_v1(&self, dimension: Option<usize>) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute_batch(
            "CREATE TABLE vectors_v2 (
               rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, metadata TEXT, created_at INTEGER NOT NULL);
             INSERT INTO vectors_v2(rowid, id, metadata, created_at)
               SELECT rowid, id, metadata, created_at FROM vectors ORDER BY rowid;
             CREATE TABLE embeddings (chunk INTEGER PRIMARY KEY, data BLOB NOT NULL);",
        )?;
        if let Some(dimension) = dimension {
            let layout = Layout { dimension, chunk_rows: chunk_rows_for(dimension) };
            tx.execute(
                "INSERT INTO vector_meta(key, value) VALUES ('chunk_rows', ?1)",
                [layout.chunk_rows.to_string()],
            )?;
            let writer = Writer::new(&tx, Some(layout), None);
            let mut stmt = tx.prepare("SELECT rowid, embedding FROM vectors ORDER BY rowid")?;
            let mut rows = stmt.query([])?;
            // Runs of consecutive rowids are written together, decoded end to end in `run`.
            let (mut first, mut run): (i64, Vec<f32>) = (0, Vec::new());
            while let Some(row) = rows.next()? {
                let rowid: i64 = row.get(0)?;
                let blob =
                    row.get_ref(1)?.as_blob().ok().filter(|b| b.len() == dimension * 4).ok_or_else(|| {
                        Error::Corrupt(format!("row {rowid}: embedding is not {dimension} f32 values"))
                    })?;
                if rowid < 1 {
                    return Err(Error::Corrupt(format!("row {rowid} has a rowid below 1")));
                }
                let rows = run.len() / dimension;
                if rows == 0 || first + rows as i64 != rowid || rows >= 4096 {
                    writer.write_vectors(layout, first, run.chunks_exact(dimension))?;
                    run.clear();
                    first = rowid;
                }
                let at = run.len();
                run.resize(at + dimension, 0.0);
                codec::decode_to(blob, &mut run[at..])?;
            }
            writer.write_vectors(layout, first, run.chunks_exact(dimension))?;
        }
        tx.execute_batch(
            "DROP TABLE vectors;
             ALTER TABLE vectors_v2 RENAME TO vectors;
             UPDATE vector_meta SET value = '2' WHERE key = 'schema_version';",
        )?;
        tx.commit()?;
        Ok(())
    }
}
