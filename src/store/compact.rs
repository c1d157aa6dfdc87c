//! Compaction: deleted rows leave zeroed slots in chunks that still hold live rows, and
//! free pages in the file. [`Store::renumber_rows`] gives the live rows the rowids
//! `1..=n` in their order (ties keep breaking the same way) and repacks their embeddings
//! and codes into as few chunks as that takes; [`Store::vacuum`] then returns the free
//! pages to the file system.

use super::schema::{CODES, EMBEDDINGS};
use super::{Store, Writer};
use crate::error::Result;
use rusqlite::params;

impl Store {
    /// Renumbers the live rows `1..=n` in rowid order and repacks their chunks, in one
    /// transaction together with `more` (given the old rowids in order: it rewrites anything
    /// else keyed by rowid).
    /// Returns the old rowids in order (row `i` became `i + 1`), or `None` without writing
    /// anything when the rowids already are `1..=n`.
    pub fn renumber_rows(
        &mut self,
        more: impl FnOnce(&Writer<'_>, &[i64]) -> Result<()>,
    ) -> Result<Option<Vec<i64>>> {
        let Some(layout) = self.layout else { return Ok(None) };
        let old: Vec<i64> = self
            .conn
            .prepare("SELECT rowid FROM vectors ORDER BY rowid")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if old.last().is_none_or(|&last| last == old.len() as i64) {
            return Ok(None);
        }
        self.commit_pending()?;
        let tx = self.conn.unchecked_transaction()?;
        let mut tables = vec![(EMBEDDINGS, layout.dimension * 4)];
        tables.extend(self.code_row_bytes.map(|rb| (CODES, rb)));
        for (table, row_bytes) in tables {
            let chunk_bytes = layout.chunk_rows * row_bytes;
            tx.execute_batch(&format!(
                "CREATE TABLE {table}_packed (chunk INTEGER PRIMARY KEY, data BLOB NOT NULL)"
            ))?;
            let mut insert =
                tx.prepare(&format!("INSERT INTO {table}_packed(chunk, data) VALUES (?1, ?2)"))?;
            let (mut chunk, mut buf) = (0i64, Vec::with_capacity(chunk_bytes));
            self.scan_chunked(table, row_bytes, |_, _, row| {
                buf.extend_from_slice(row);
                if buf.len() == chunk_bytes {
                    insert.execute(params![chunk, buf])?;
                    chunk += 1;
                    buf.clear();
                }
                Ok(())
            })?;
            if !buf.is_empty() {
                buf.resize(chunk_bytes, 0);
                insert.execute(params![chunk, buf])?;
            }
            drop(insert);
            tx.execute_batch(&format!("DROP TABLE {table}; ALTER TABLE {table}_packed RENAME TO {table};"))?;
        }
        // The same columns as schema.rs creates; rowids assigned 1..=n in the old order.
        tx.execute_batch(
            "CREATE TABLE vectors_packed (
               rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, metadata TEXT, created_at INTEGER NOT NULL);
             INSERT INTO vectors_packed(rowid, id, metadata, created_at)
               SELECT row_number() OVER (ORDER BY rowid), id, metadata, created_at FROM vectors;
             DROP TABLE vectors;
             ALTER TABLE vectors_packed RENAME TO vectors;",
        )?;
        more(&Writer::new(&tx, self.layout, self.code_row_bytes), &old)?;
        tx.commit()?;
        Ok(Some(old))
    }

    /// Syncs committed writes (WAL mode: a passive checkpoint; otherwise nothing to do).
    pub fn checkpoint(&self) -> Result<()> {
        self.commit_pending()?;
        let journal: String = self.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if journal.eq_ignore_ascii_case("wal") {
            self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Rebuilds the file without its free pages (SQLite's `VACUUM`); in WAL mode the log is
    /// checkpointed and truncated too, so the file on disk shrinks now.
    pub fn vacuum(&self) -> Result<()> {
        self.commit_pending()?;
        self.conn.execute_batch("VACUUM")?;
        let journal: String = self.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if journal.eq_ignore_ascii_case("wal") {
            self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }
}
