//! Relaxed durability where SQLite has no WAL (the browser's OPFS pool): commits are
//! deferred. The first write opens one outer transaction; each write runs in a savepoint
//! inside it (released when it succeeds, rolled back alone when it fails, so a call is
//! still all or nothing), and [`Store::commit_pending`] commits them all at once: the
//! dispatcher's flush within a second of a write, and anything that needs the file to be
//! whole first (close, export, compaction, a checkpoint).
//!
//! A crash before that commit loses the deferred writes, whole (the journal rolls the file
//! back to the last commit): exactly what `durability: 'relaxed'` allows (API.md), at the
//! cost of one commit a second instead of one per call. Strict mode never defers.

use super::{Store, Writer};
use crate::error::Result;

impl Store {
    /// Runs `f` as one write inside the deferred outer transaction (see the module docs).
    pub(super) fn deferred_write<T>(&mut self, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
        if !self.pending.get() {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.pending.set(true);
        }
        self.conn.execute_batch("SAVEPOINT deferred_write")?;
        let writer = Writer::new(&self.conn, self.layout, self.code_row_bytes);
        match f(&writer) {
            Ok(out) => {
                let (layout, code_row_bytes) = (writer.layout.get(), writer.code_row_bytes.get());
                self.conn.execute_batch("RELEASE deferred_write")?;
                self.code_row_bytes = code_row_bytes;
                self.layout = layout;
                Ok(out)
            }
            Err(e) => {
                // Undo this write only; the earlier deferred ones stay.
                self.conn.execute_batch("ROLLBACK TO deferred_write; RELEASE deferred_write")?;
                Err(e)
            }
        }
    }

    /// Commits the deferred writes, if any. On failure the outer transaction is rolled back
    /// (the file is as it was at the last commit) and the error returned: the caller must
    /// reload what it holds in memory from the file.
    pub fn commit_pending(&self) -> Result<()> {
        if !self.pending.get() {
            return Ok(());
        }
        self.pending.set(false);
        if let Err(e) = self.conn.execute_batch("COMMIT") {
            if !self.conn.is_autocommit() {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
            return Err(e.into());
        }
        Ok(())
    }

    /// Whether writes are waiting for [`commit_pending`](Self::commit_pending).
    pub fn has_pending(&self) -> bool {
        self.pending.get()
    }
}

impl Drop for Store {
    /// A store dropped without `close` still commits what it deferred (best effort).
    fn drop(&mut self) {
        let _ = self.commit_pending();
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Location, Store, Tuning};
    use crate::error::Error;
    use rusqlite::Connection;

    fn keys(path: &str) -> Vec<String> {
        let c = Connection::open(path).unwrap();
        let mut s = c.prepare("SELECT key FROM vector_meta WHERE key LIKE 'k%' ORDER BY key").unwrap();
        s.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    #[test]
    fn relaxed_writes_commit_together_and_a_failed_one_is_undone_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db").to_string_lossy().into_owned();
        let tuning = Tuning {
            cache_size_kib: 2048,
            lock_timeout_ms: 500,
            wal_mode: false,
            mmap_size: None,
            page_size: 4096,
            relaxed: true,
        };
        // The default VFS by name: no exclusive lock, so a second connection can look.
        let mut store = Store::open(Location::Vfs { path: &path, vfs: "unix" }, &tuning).unwrap();
        let put = |key: &'static str| {
            move |w: &super::Writer<'_>| -> crate::error::Result<()> {
                w.conn.execute("INSERT INTO vector_meta(key, value) VALUES (?1, 'x')", [key])?;
                Ok(())
            }
        };
        store.transaction(put("k1")).unwrap();
        store.transaction(put("k2")).unwrap();
        assert!(store.has_pending());
        assert!(keys(&path).is_empty(), "nothing is committed before the flush");
        let failed = store.transaction(|w| {
            put("k3")(w)?;
            Err::<(), _>(Error::InvalidArgument("refused".into()))
        });
        assert_eq!(failed.unwrap_err().code(), "INVALID_ARGUMENT");
        store.commit_pending().unwrap();
        assert!(!store.has_pending());
        assert_eq!(keys(&path), ["k1", "k2"], "the failed write alone is undone");
        store.transaction(put("k4")).unwrap();
        drop(store); // dropped without close: still committed
        assert_eq!(keys(&path), ["k1", "k2", "k4"]);
    }
}
