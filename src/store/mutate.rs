//! Writes that change stored rows (upsert, update, delete, deleteMany), inside one
//! transaction opened by [`Store::transaction`](super::Store::transaction), and the reads
//! that plan them.

use super::schema::{Layout, CODES, EMBEDDINGS};
use super::{Store, Writer};
use crate::error::Result;
use rusqlite::{params, OptionalExtension};
use std::collections::BTreeMap;

/// A stored row as a mutation finds it: its rowid and metadata text.
pub type Found = Option<(i64, Option<String>)>;

impl Store {
    /// The rowid and metadata text of each id, in the order given (`None`: not stored).
    pub fn find(&self, ids: &[&str]) -> Result<Vec<Found>> {
        let mut stmt = self.conn.prepare_cached("SELECT rowid, metadata FROM vectors WHERE id = ?1")?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?);
        }
        Ok(out)
    }
}

impl Writer<'_> {
    /// Stamps a stored row with its write time and, unless `metadata` is `None`, replaces
    /// its metadata (`Some(None)`: removes it).
    pub fn update_row(&self, rowid: i64, metadata: Option<Option<&str>>, written_at: i64) -> Result<()> {
        match metadata {
            Some(m) => self
                .conn
                .prepare_cached("UPDATE vectors SET metadata = ?2, created_at = ?3 WHERE rowid = ?1")?
                .execute(params![rowid, m, written_at])?,
            None => self
                .conn
                .prepare_cached("UPDATE vectors SET created_at = ?2 WHERE rowid = ?1")?
                .execute(params![rowid, written_at])?,
        };
        Ok(())
    }

    /// Writes the embeddings of `rowids` (any order; row `i` of `floats` is `rowids[i]`'s)
    /// and, with a quantized index, their code rows (same order): stored rows are rewritten
    /// in their slots, runs of consecutive rowids in one piece.
    pub fn put_vectors(
        &self,
        layout: Layout,
        rowids: &[i64],
        floats: &[f32],
        code_rows: Option<&[u8]>,
    ) -> Result<()> {
        let d = layout.dimension;
        let mut order: Vec<usize> = (0..rowids.len()).collect();
        order.sort_unstable_by_key(|&i| rowids[i]);
        for run in order.chunk_by(|&a, &b| rowids[b] == rowids[a] + 1) {
            let first = rowids[run[0]];
            self.write_vectors(layout, first, run.iter().map(|&i| &floats[i * d..(i + 1) * d]))?;
            if let Some(codes) = code_rows {
                let rb = codes.len() / rowids.len();
                let bytes: Vec<u8> =
                    run.iter().flat_map(|&i| &codes[i * rb..(i + 1) * rb]).copied().collect();
                self.write_codes(layout, first, &bytes)?;
            }
        }
        Ok(())
    }

    /// Deletes by id: the thin row, and the bytes of its embedding and code. Returns the
    /// row's rowid and metadata.
    pub fn delete(&self, id: &str) -> Result<Found> {
        let mut stmt =
            self.conn.prepare_cached("DELETE FROM vectors WHERE id = ?1 RETURNING rowid, metadata")?;
        let found: Found = stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
        if let Some((rowid, _)) = found {
            self.clear_slots(&[rowid])?;
        }
        Ok(found)
    }

    /// Deletes rows by rowid (those not stored are skipped) with their embeddings and codes.
    /// Returns each deleted row's rowid and metadata.
    pub fn delete_rows(&self, rowids: &[i64]) -> Result<Vec<(i64, Option<String>)>> {
        let mut stmt = self.conn.prepare_cached("DELETE FROM vectors WHERE rowid = ?1 RETURNING metadata")?;
        let mut deleted = Vec::with_capacity(rowids.len());
        for &rowid in rowids {
            if let Some(metadata) = stmt.query_row([rowid], |r| r.get(0)).optional()? {
                deleted.push((rowid, metadata));
            }
        }
        let gone: Vec<i64> = deleted.iter().map(|d| d.0).collect();
        self.clear_slots(&gone)?;
        Ok(deleted)
    }

    /// The slots of deleted rows: zeroed in their chunks (embeddings and codes), or the whole
    /// chunks dropped once no live row is left in them. One blob handle per chunk.
    fn clear_slots(&self, rowids: &[i64]) -> Result<()> {
        let Some(layout) = self.layout.get() else { return Ok(()) };
        let mut by_chunk: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for &rowid in rowids {
            let (chunk, at) = layout.chunk_of(rowid);
            by_chunk.entry(chunk).or_default().push(at);
        }
        let mut tables = vec![(EMBEDDINGS, layout.dimension * 4)];
        tables.extend(self.code_row_bytes.get().map(|rb| (CODES, rb)));
        let mut live = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM vectors WHERE rowid BETWEEN ?1 AND ?2)")?;
        for (chunk, slots) in by_chunk {
            let (first, last) = layout.rowid_range(chunk);
            let live: bool = live.query_row([first, last], |r| r.get(0))?;
            for &(table, row_bytes) in &tables {
                if live {
                    let mut blob = self.conn.blob_open(rusqlite::MAIN_DB, table, "data", chunk, false)?;
                    let zeros = vec![0u8; row_bytes];
                    for &at in &slots {
                        blob.write_at(&zeros, at * row_bytes)?;
                    }
                } else {
                    self.conn
                        .prepare_cached(&format!("DELETE FROM {table} WHERE chunk = ?1"))?
                        .execute([chunk])?;
                }
            }
        }
        Ok(())
    }
}
