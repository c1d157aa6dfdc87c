//! Writes inside one transaction opened by [`Store::transaction`](super::Store::transaction).

use super::schema::{chunk_rows_for, Layout};
use crate::codec;
use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};

/// Writes inside a transaction opened by [`Store::transaction`].
pub struct Writer<'a> {
    conn: &'a Connection,
    pub(super) layout: std::cell::Cell<Option<Layout>>,
}

impl<'a> Writer<'a> {
    pub(super) fn new(conn: &'a Connection, layout: Option<Layout>) -> Self {
        Writer { conn, layout: std::cell::Cell::new(layout) }
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

    /// Writes the embeddings of consecutive rowids from `first_rowid` into their chunks:
    /// a chunk wholly written is inserted as one BLOB, a partial one is created zeroed if
    /// needed and written in place (incremental BLOB I/O, only the touched pages).
    pub fn write_vectors<'v>(
        &self,
        layout: Layout,
        first_rowid: i64,
        vectors: impl Iterator<Item = &'v [f32]>,
    ) -> Result<()> {
        let row_bytes = layout.dimension * 4;
        let mut vectors = vectors.peekable();
        let mut rowid = first_rowid;
        let mut buf = Vec::with_capacity(layout.chunk_bytes());
        while vectors.peek().is_some() {
            let (chunk, at) = layout.chunk_of(rowid);
            buf.clear();
            for v in vectors.by_ref().take(layout.chunk_rows - at) {
                debug_assert_eq!(v.len(), layout.dimension);
                codec::encode_into(v, &mut buf);
            }
            let rows = buf.len() / row_bytes;
            if at == 0 && rows == layout.chunk_rows {
                // Every slot is new (rowids only grow), so an old chunk holds nothing live.
                self.conn
                    .prepare_cached("INSERT OR REPLACE INTO embeddings(chunk, data) VALUES (?1, ?2)")?
                    .execute(params![chunk, buf])?;
            } else {
                self.conn
                    .prepare_cached(
                        "INSERT INTO embeddings(chunk, data) VALUES (?1, zeroblob(?2)) ON CONFLICT(chunk) DO NOTHING",
                    )?
                    .execute(params![chunk, layout.chunk_bytes() as i64])?;
                self.write_in_chunk(chunk, at * row_bytes, &buf)?;
            }
            rowid += rows as i64;
        }
        Ok(())
    }

    fn write_in_chunk(&self, chunk: i64, offset: usize, bytes: &[u8]) -> Result<()> {
        let mut blob = self.conn.blob_open(rusqlite::MAIN_DB, "embeddings", "data", chunk, false)?;
        blob.write_at(bytes, offset)?;
        Ok(())
    }

    /// Deletes by id: the thin row, and the embedding's bytes (zeroed in its chunk, or the
    /// whole chunk once no live row is left in it). Returns the row's rowid and metadata.
    pub fn delete(&self, id: &str) -> Result<Option<(i64, Option<String>)>> {
        let mut stmt =
            self.conn.prepare_cached("DELETE FROM vectors WHERE id = ?1 RETURNING rowid, metadata")?;
        let Some((rowid, metadata)) =
            stmt.query_row([id], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?))).optional()?
        else {
            return Ok(None);
        };
        let Some(layout) = self.layout.get() else { return Ok(Some((rowid, metadata))) };
        let (chunk, at) = layout.chunk_of(rowid);
        let (first, last) = layout.rowid_range(chunk);
        let live: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM vectors WHERE rowid BETWEEN ?1 AND ?2)")?
            .query_row([first, last], |r| r.get(0))?;
        if live {
            let row_bytes = layout.dimension * 4;
            self.write_in_chunk(chunk, at * row_bytes, &vec![0u8; row_bytes])?;
        } else {
            self.conn.prepare_cached("DELETE FROM embeddings WHERE chunk = ?1")?.execute([chunk])?;
        }
        Ok(Some((rowid, metadata)))
    }
}
