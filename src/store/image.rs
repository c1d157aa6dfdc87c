//! Database images: [`Store::import`] verifies an exported file in memory before anything
//! touches the destination, and [`Store::export`] serializes a consistent snapshot.

use super::{Location, Store, Tuning};
use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension};

impl Store {
    /// Creates the database at `location` from an exported file image. The image is checked
    /// in memory first (SQLite header, integrity, our schema, every row's embedding length),
    /// so a bad image never touches `location`. An existing database there is replaced only
    /// with `overwrite`, in one transaction (SQLite's backup of every page at once).
    pub fn import(location: Location<'_>, tuning: &Tuning, image: &[u8], overwrite: bool) -> Result<Store> {
        let mut source = Store::from_image(image)?;
        if let Location::Memory = location {
            source.tune(tuning)?;
            return Ok(source);
        }
        let mut dest = Store::connect(&location)?;
        dest.lock(&location, tuning)?;
        if dest.table_count()? > 0 && !overwrite {
            return Err(Error::InvalidArgument(
                "the path already holds a database; pass overwrite: true to replace it".into(),
            ));
        }
        // WAL forbids changing the page size, and the image may have another one.
        dest.conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
        {
            let backup = rusqlite::backup::Backup::new(&source.conn, &mut dest.conn)?;
            match backup.step(-1)? {
                rusqlite::backup::StepResult::Done => {}
                _ => return Err(Error::Locked("the destination database is in use".into())),
            }
        }
        let layout = source.layout;
        source.close()?;
        dest.tune(tuning)?;
        dest.check_or_create()?;
        debug_assert_eq!(dest.layout, layout);
        Ok(dest)
    }

    /// An in-memory copy of an exported image, verified to be a sound sqlite-vector database.
    fn from_image(image: &[u8]) -> Result<Store> {
        const MAGIC: &[u8; 16] = b"SQLite format 3\0";
        if image.len() < 512 || &image[..16] != MAGIC {
            return Err(Error::Corrupt("the data is not a SQLite database file".into()));
        }
        // A file written in WAL mode says so in bytes 18-19; the image is complete (export
        // reads through the WAL), and an in-memory database cannot use WAL. The header is
        // patched on the way into SQLite's buffer, so the image is copied only once.
        let mut header = [0u8; 20];
        header.copy_from_slice(&image[..20]);
        if header[18] == 2 && header[19] == 2 {
            header[18] = 1;
            header[19] = 1;
        }
        let mut conn = Connection::open_in_memory()?;
        let bytes = std::io::Read::chain(&header[..], &image[20..]);
        conn.deserialize_read_exact(rusqlite::MAIN_DB, bytes, image.len(), false)?;
        let mut store =
            Store { conn, layout: None, code_row_bytes: None, deferred: false, pending: Default::default() };
        let check: String = store.conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(Error::Corrupt(format!("the database is damaged: {check}")));
        }
        if store.table_count()? == 0 {
            return Err(Error::Corrupt("an empty SQLite database is not a sqlite-vector database".into()));
        }
        store.check_or_create()?;
        store.verify_rows()?;
        Ok(store)
    }

    /// Checks that every chunk has the layout's size and every row has its chunk.
    pub(super) fn verify_rows(&self) -> Result<()> {
        let Some(layout) = self.layout else {
            let n = self.count()?;
            if n > 0 {
                return Err(Error::Corrupt(format!("{n} vectors are stored but no dimension is")));
            }
            return Ok(());
        };
        let bad_chunk: Option<i64> = self
            .conn
            .query_row(
                "SELECT chunk FROM embeddings WHERE typeof(data) != 'blob' OR length(data) != ?1 LIMIT 1",
                [layout.chunk_bytes() as i64],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(chunk) = bad_chunk {
            return Err(Error::Corrupt(format!(
                "embedding chunk {chunk} is not {} vectors of dimension {}",
                layout.chunk_rows, layout.dimension
            )));
        }
        let orphan: Option<i64> = self
            .conn
            .query_row(
                "SELECT rowid FROM vectors WHERE rowid < 1 OR NOT EXISTS \
                 (SELECT 1 FROM embeddings WHERE chunk = (vectors.rowid - 1) / ?1) LIMIT 1",
                [layout.chunk_rows as i64],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(rowid) = orphan {
            return Err(Error::Corrupt(format!("row {rowid} has no stored embedding")));
        }
        Ok(())
    }

    /// The whole database file as bytes: a consistent snapshot, in rollback-journal mode so
    /// that it opens anywhere (including from memory).
    pub fn export(&mut self) -> Result<Vec<u8>> {
        self.commit_pending()?;
        let data = self.conn.serialize(rusqlite::MAIN_DB)?;
        let mut bytes = data.to_vec();
        if bytes.len() >= 20 && bytes[18] == 2 && bytes[19] == 2 {
            bytes[18] = 1;
            bytes[19] = 1;
        }
        Ok(bytes)
    }
}
