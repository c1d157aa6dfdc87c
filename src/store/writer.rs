//! Writes inside one transaction opened by [`Store::transaction`](super::Store::transaction).

use super::schema::{chunk_rows_for, Layout, CODES, EMBEDDINGS, GRAPH};
use crate::codec;
use crate::error::{Error, Result};
use crate::index::quantized::Quantizer;
use crate::types::{IndexKind, IndexOptions};
use rusqlite::{params, Connection};

/// Writes inside a transaction opened by [`Store::transaction`].
pub struct Writer<'a> {
    pub(super) conn: &'a Connection,
    pub(super) layout: std::cell::Cell<Option<Layout>>,
    /// Bytes of a stored code row while the database has a quantized index.
    pub(super) code_row_bytes: std::cell::Cell<Option<usize>>,
}

impl<'a> Writer<'a> {
    pub(super) fn new(conn: &'a Connection, layout: Option<Layout>, code_row_bytes: Option<usize>) -> Self {
        Writer {
            conn,
            layout: std::cell::Cell::new(layout),
            code_row_bytes: std::cell::Cell::new(code_row_bytes),
        }
    }

    /// The layout, including a dimension set earlier in this transaction.
    pub fn layout(&self) -> Option<Layout> {
        self.layout.get()
    }

    /// Fixes the dimension (and with it the chunking) of a database that has none yet.
    pub fn set_dimension(&self, dimension: usize) -> Result<Layout> {
        let layout = Layout { dimension, chunk_rows: chunk_rows_for(dimension) };
        self.conn.execute(
            "INSERT INTO vector_meta(key, value) VALUES ('dimension', ?1), ('chunk_rows', ?2)",
            [dimension.to_string(), layout.chunk_rows.to_string()],
        )?;
        self.layout.set(Some(layout));
        Ok(layout)
    }

    /// Inserts thin rows `(id, metadata JSON)` with consecutive rowids from `first_rowid`.
    /// A taken id gives `DuplicateId`.
    pub fn insert_rows<'r>(
        &self,
        first_rowid: i64,
        rows: impl Iterator<Item = (&'r str, Option<&'r str>)>,
        created_at: i64,
    ) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO vectors(rowid, id, metadata, created_at) VALUES (?1, ?2, ?3, ?4)")?;
        for (i, (id, metadata)) in rows.enumerate() {
            match stmt.execute(params![first_rowid + i as i64, id, metadata, created_at]) {
                Ok(_) => {}
                Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                    return Err(Error::DuplicateId(id.to_string()));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Writes the embeddings of consecutive rowids from `first_rowid` into their chunks.
    pub fn write_vectors<'v>(
        &self,
        layout: Layout,
        first_rowid: i64,
        vectors: impl Iterator<Item = &'v [f32]>,
    ) -> Result<()> {
        let row_bytes = layout.dimension * 4;
        self.write_chunked(EMBEDDINGS, layout, row_bytes, first_rowid, vectors, |v, buf| {
            debug_assert_eq!(v.len(), layout.dimension);
            codec::encode_into(v, buf);
        })
    }

    /// Writes the stored code rows (`row_bytes` each, end to end) of consecutive rowids from
    /// `first_rowid` into the index's chunks.
    pub fn write_codes(&self, layout: Layout, first_rowid: i64, rows: &[u8]) -> Result<()> {
        let row_bytes = self.code_row_bytes.get().ok_or_else(|| Error::Internal("no code index".into()))?;
        let chunks = rows.chunks_exact(row_bytes);
        self.write_chunked(CODES, layout, row_bytes, first_rowid, chunks, |r, buf| buf.extend_from_slice(r))
    }

    /// Rows of consecutive rowids from `first_rowid` into the chunks of `table` (rows of
    /// `row_bytes`, `layout.chunk_rows` to a chunk): a chunk wholly written is inserted as
    /// one BLOB, a partial one is created zeroed if needed and written in place (incremental
    /// BLOB I/O, only the touched pages).
    fn write_chunked<R>(
        &self,
        table: &str,
        layout: Layout,
        row_bytes: usize,
        first_rowid: i64,
        rows: impl Iterator<Item = R>,
        encode: impl Fn(R, &mut Vec<u8>),
    ) -> Result<()> {
        let chunk_bytes = layout.chunk_rows * row_bytes;
        let mut rows = rows.peekable();
        let mut rowid = first_rowid;
        let mut buf = Vec::with_capacity(chunk_bytes);
        while rows.peek().is_some() {
            let (chunk, at) = layout.chunk_of(rowid);
            buf.clear();
            for r in rows.by_ref().take(layout.chunk_rows - at) {
                encode(r, &mut buf);
            }
            let n = buf.len() / row_bytes;
            if at == 0 && n == layout.chunk_rows {
                // Every slot is new (rowids only grow), so an old chunk holds nothing live.
                self.conn
                    .prepare_cached(&format!("INSERT OR REPLACE INTO {table}(chunk, data) VALUES (?1, ?2)"))?
                    .execute(params![chunk, buf])?;
            } else {
                self.conn
                    .prepare_cached(&format!(
                        "INSERT INTO {table}(chunk, data) VALUES (?1, zeroblob(?2)) ON CONFLICT(chunk) DO NOTHING"
                    ))?
                    .execute(params![chunk, chunk_bytes as i64])?;
                self.write_in_chunk(table, chunk, at * row_bytes, &buf)?;
            }
            rowid += n as i64;
        }
        Ok(())
    }

    fn write_in_chunk(&self, table: &str, chunk: i64, offset: usize, bytes: &[u8]) -> Result<()> {
        let mut blob = self.conn.blob_open(rusqlite::MAIN_DB, table, "data", chunk, false)?;
        blob.write_at(bytes, offset)?;
        Ok(())
    }

    /// Writes one whole chunk of code rows (building an index from every stored row).
    pub fn put_code_chunk(&self, chunk: i64, bytes: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached(&format!("INSERT OR REPLACE INTO {CODES}(chunk, data) VALUES (?1, ?2)"))?
            .execute(params![chunk, bytes])?;
        Ok(())
    }

    /// Empties the graph table (creating it if it is missing).
    pub fn reset_graph(&self) -> Result<()> {
        self.conn.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS {GRAPH} (rowid INTEGER PRIMARY KEY, links BLOB NOT NULL); DELETE FROM {GRAPH};"
        ))?;
        Ok(())
    }

    /// Writes graph records (`None`: the node is gone).
    pub fn put_graph_records(&self, records: impl Iterator<Item = (i64, Option<Vec<u8>>)>) -> Result<()> {
        let mut put = self
            .conn
            .prepare_cached(&format!("INSERT OR REPLACE INTO {GRAPH}(rowid, links) VALUES (?1, ?2)"))?;
        let mut delete = self.conn.prepare_cached(&format!("DELETE FROM {GRAPH} WHERE rowid = ?1"))?;
        for (rowid, record) in records {
            match record {
                Some(bytes) => put.execute(params![rowid, bytes])?,
                None => delete.execute([rowid])?,
            };
        }
        Ok(())
    }

    /// Stores one more named array of the index's parameters (after [`set_index`](Self::set_index)).
    pub fn set_index_param(&self, name: &str, values: &[f32]) -> Result<()> {
        let mut bytes = Vec::with_capacity(values.len() * 4);
        codec::encode_into(values, &mut bytes);
        self.conn.execute(
            "INSERT OR REPLACE INTO index_params(name, data) VALUES (?1, ?2)",
            params![name, bytes],
        )?;
        Ok(())
    }

    /// Records the database's index: its options in `vector_meta`, the quantizer's trained
    /// arrays in `index_params`, and an empty `index_codes` table for codes (`None` removes
    /// every index table).
    pub fn set_index(&self, options: Option<&IndexOptions>, quantizer: Option<&Quantizer>) -> Result<()> {
        self.conn.execute_batch(
            "DROP TABLE IF EXISTS index_codes; DROP TABLE IF EXISTS index_params; DROP TABLE IF EXISTS index_graph;
             DELETE FROM vector_meta WHERE key = 'index';",
        )?;
        self.code_row_bytes.set(None);
        let Some(options) = options else { return Ok(()) };
        self.conn.execute(
            "INSERT INTO vector_meta(key, value) VALUES ('index', ?1)",
            [serde_json::to_string(options)?],
        )?;
        if options.kind == IndexKind::Hnsw {
            self.conn.execute_batch(&format!(
                "CREATE TABLE {GRAPH} (rowid INTEGER PRIMARY KEY, links BLOB NOT NULL);"
            ))?;
        }
        if let Some(q) = quantizer {
            self.conn.execute_batch(
                "CREATE TABLE index_params (name TEXT PRIMARY KEY NOT NULL, data BLOB NOT NULL) WITHOUT ROWID;
                 CREATE TABLE index_codes (chunk INTEGER PRIMARY KEY, data BLOB NOT NULL);",
            )?;
            let mut stmt = self.conn.prepare("INSERT INTO index_params(name, data) VALUES (?1, ?2)")?;
            for (name, values) in q.params() {
                let mut bytes = Vec::with_capacity(values.len() * 4);
                codec::encode_into(values, &mut bytes);
                stmt.execute(params![name, bytes])?;
            }
            self.code_row_bytes.set(Some(q.row_bytes()));
        }
        Ok(())
    }
}
