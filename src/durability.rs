//! `config.durability` after the fact: [`VectorDb::flush`] makes every committed write
//! durable now. With `'strict'` each commit already is; with `'relaxed'` natively (WAL,
//! `synchronous = NORMAL`) commits reach the log unsynced and become durable at the next
//! checkpoint, which `flush` runs (the JS dispatcher calls it within a second of a write).
//! In the browser (no WAL) relaxed writes are committed together by `flush`
//! (`store/deferred.rs`).

use crate::attributes::Attributes;
use crate::error::Result;
use crate::indexing;
use crate::VectorDb;

impl VectorDb {
    /// Syncs every committed write to storage (in WAL mode: a checkpoint, which syncs the
    /// log and then the database). Nothing to do in rollback-journal mode, where each commit
    /// is synced before it returns.
    ///
    /// ```
    /// # use sqlite_vector::{Config, Durability, NewVector, VectorDb};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("r.db").to_string_lossy().into_owned();
    /// let mut db = VectorDb::open(Config { durability: Durability::Relaxed, ..Config::new(&path) })?;
    /// db.insert(NewVector::new("a", vec![1.0]))?;
    /// db.flush()?; // "a" is on disk now
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn flush(&mut self) -> Result<()> {
        self.commit_deferred()?;
        self.open_mut()?.store.checkpoint()
    }

    /// Commits deferred relaxed writes. If the commit fails the file is back at its last
    /// commit, so what memory holds is reloaded from it before the error is returned.
    pub(crate) fn commit_deferred(&mut self) -> Result<()> {
        let open = self.open_mut()?;
        if !open.store.has_pending() {
            return Ok(());
        }
        if let Err(e) = open.store.commit_pending() {
            (open.index, open.graph) = indexing::load(&mut open.store)?;
            open.attributes = Attributes::new();
            return Err(e);
        }
        Ok(())
    }
}
