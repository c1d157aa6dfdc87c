//! The storage engine: one code path for both targets (rusqlite switches to sqlite-wasm-rs
//! on wasm32 by itself). Opening, locking and tuning the connection, and every read, live
//! here; the layout and its migration in [`schema`], file images in [`image`], writes in
//! [`writer`], generated ids in [`ids`].

mod codes;
mod compact;
mod deferred;
mod ids;
mod image;
mod mutate;
mod schema;
mod writer;

pub use schema::{Layout, CODES};
pub use writer::Writer;

use crate::codec;
use crate::error::{Error, Result};
use crate::index::flat::FlatIndex;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

/// How to reach the database file.
pub enum Location<'a> {
    /// A private in-memory database.
    Memory,
    /// A file through SQLite's default VFS (a path on disk natively).
    File(&'a str),
    /// A file through a named VFS (OPFS in the browser).
    Vfs { path: &'a str, vfs: &'a str },
}

/// Connection tuning that does not change the file format.
pub struct Tuning {
    pub cache_size_kib: i64,
    /// How long to wait for another connection's lock before failing with `Locked`.
    pub lock_timeout_ms: u64,
    pub wal_mode: bool,
    pub mmap_size: Option<i64>,
    /// The page size of a new file (an existing file keeps its own).
    pub page_size: i64,
    /// `config.durability: 'relaxed'`: commits are not synced one by one.
    pub relaxed: bool,
}

pub struct Store {
    conn: Connection,
    /// `None` until the dimension is known.
    layout: Option<Layout>,
    /// Bytes of a stored code row while the database has a quantized index (set by
    /// [`Store::index_options`]'s caller through [`Store::set_code_rows`], and by writes).
    code_row_bytes: Option<usize>,
    /// Relaxed durability without WAL: writes are committed together later (`deferred.rs`).
    deferred: bool,
    /// An outer transaction of deferred writes is open.
    pending: std::cell::Cell<bool>,
}

/// SQLite settings in effect, as `db.info()` reports them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageSettings {
    pub journal_mode: String,
    pub page_size: i64,
    pub cache_size_kib: i64,
    pub mmap_size: i64,
}

/// A stored row as `get` returns it (the embedding is the index's).
pub struct StoredRow {
    pub rowid: i64,
    pub metadata: Option<String>,
    pub created_at: i64,
}

impl Store {
    /// Opens (or creates) the database and checks that it is ours (migrating an older
    /// layout in one transaction).
    pub fn open(location: Location<'_>, tuning: &Tuning) -> Result<Store> {
        let mut store = Store::connect(&location)?;
        store.lock(&location, tuning)?;
        store.tune(tuning)?;
        store.check_or_create()?;
        Ok(store)
    }

    /// The dimension and chunking, once the dimension is known.
    pub fn layout(&self) -> Option<Layout> {
        self.layout
    }

    pub(super) fn connect(location: &Location<'_>) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match *location {
            Location::Memory => Connection::open_in_memory()?,
            Location::File(path) => Connection::open_with_flags(path, flags)?,
            Location::Vfs { path, vfs } => Connection::open_with_flags_and_vfs(path, flags, vfs)?,
        };
        Ok(Store { conn, layout: None, code_row_bytes: None, deferred: false, pending: Default::default() })
    }

    /// A file on disk is held exclusively for as long as it is open: the in-memory index
    /// must see every write, so a second process gets `Locked` instead of sharing the file.
    /// (OPFS files are held by their access handles and a Web Lock instead.)
    pub(super) fn lock(&self, location: &Location<'_>, tuning: &Tuning) -> Result<()> {
        self.conn.busy_timeout(std::time::Duration::from_millis(tuning.lock_timeout_ms))?;
        if let Location::File(_) = location {
            // A file that is not SQLite fails here with NOTADB, which maps to CORRUPT.
            self.conn.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |_| Ok(()))?;
            self.conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;").map_err(|e| match Error::from(e) {
                Error::Locked(m) => Error::Locked(format!("another process has the database open ({m})")),
                other => other,
            })?;
        }
        Ok(())
    }

    pub(super) fn tune(&mut self, t: &Tuning) -> Result<()> {
        // Relaxed on a file without WAL (the browser): commits are deferred (deferred.rs).
        self.deferred = t.relaxed && !t.wal_mode && self.conn.path().is_some_and(|p| !p.is_empty());
        // A file that is not SQLite fails here with NOTADB, which maps to CORRUPT.
        self.conn.execute_batch(&format!("PRAGMA cache_size = -{};", t.cache_size_kib.max(0)))?;
        // Only takes effect on a file with no pages yet, so before the journal mode (a WAL
        // file fixes the page size).
        self.conn.execute_batch(&format!("PRAGMA page_size = {};", t.page_size))?;
        if t.wal_mode {
            self.conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        }
        // FULL syncs every commit; NORMAL never leaves a torn file (the journal or the log is
        // synced before the database is written) but may lose the last commits in a crash.
        let synchronous = if t.relaxed { "NORMAL" } else { "FULL" };
        self.conn.execute_batch(&format!("PRAGMA synchronous = {synchronous};"))?;
        if let Some(mmap) = t.mmap_size {
            // Returns the new size for a file, nothing for an in-memory database.
            self.conn.pragma_update(None, "mmap_size", mmap.max(0))?;
        }
        Ok(())
    }

    pub(super) fn table_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table'", [], |r| r.get(0))?)
    }

    pub(super) fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM vector_meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// Loads every vector into a new arena, in rowid order, each vector copied once from
    /// its chunk into place.
    pub fn load_index(&self) -> Result<Option<FlatIndex>> {
        let Some(layout) = self.layout else { return Ok(None) };
        let d = layout.dimension;
        let mut index = FlatIndex::with_capacity(d, self.count()?);
        self.scan_chunked(schema::EMBEDDINGS, d * 4, |rowid, _, bytes| {
            index.append_rows(rowid, 1, |space| codec::decode_to(bytes, &mut space[..d]).map(|()| 1))?;
            Ok(())
        })?;
        Ok(Some(index))
    }

    /// Visits every live row in rowid order with its metadata text.
    pub fn scan_metadata(&self, mut visit: impl FnMut(i64, Option<&str>) -> Result<()>) -> Result<()> {
        let mut rows = self.conn.prepare("SELECT rowid, metadata FROM vectors ORDER BY rowid")?;
        let mut rows = rows.query([])?;
        while let Some(row) = rows.next()? {
            let metadata = row.get_ref(1)?.as_str_or_null().map_err(rusqlite::Error::from)?;
            visit(row.get(0)?, metadata)?;
        }
        Ok(())
    }

    /// Visits every live row in rowid order with its metadata text and its row of `table`
    /// (`row_bytes` bytes in the chunk layout of `embeddings`): the thin rows and the chunks
    /// are read side by side, in large sequential pieces. A missing or mis-sized chunk is
    /// `Corrupt`.
    pub(crate) fn scan_chunked(
        &self,
        table: &str,
        row_bytes: usize,
        mut visit: impl FnMut(i64, Option<&str>, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let Some(layout) = self.layout else { return Ok(()) };
        let chunk_bytes = layout.chunk_rows * row_bytes;
        let mut rows = self.conn.prepare("SELECT rowid, metadata FROM vectors ORDER BY rowid")?;
        let mut rows = rows.query([])?;
        let missing = |rowid: i64| Error::Corrupt(format!("row {rowid} has no stored {table} row"));
        let mut chunks = self.conn.prepare(&format!("SELECT chunk, data FROM {table} ORDER BY chunk"))?;
        let mut chunks = chunks.query([])?;
        let mut current: Option<(i64, i64)> = None; // the chunk in hand: (first rowid, last rowid)
        let mut chunk_row = None;
        while let Some(row) = rows.next()? {
            let rowid: i64 = row.get(0)?;
            while current.is_none_or(|(_, last)| rowid > last) {
                let Some(c) = chunks.next()? else { return Err(missing(rowid)) };
                let chunk: i64 = c.get(0)?;
                current = Some(layout.rowid_range(chunk));
                chunk_row = Some(c);
            }
            let (first, _) = current.expect("a chunk");
            if rowid < first {
                return Err(missing(rowid));
            }
            let data = chunk_row
                .as_ref()
                .expect("a chunk")
                .get_ref(1)?
                .as_blob()
                .ok()
                .filter(|b| b.len() == chunk_bytes);
            let data = data.ok_or_else(|| {
                Error::Corrupt(format!(
                    "a {table} chunk is not {} rows of {row_bytes} bytes",
                    layout.chunk_rows
                ))
            })?;
            let at = (rowid - first) as usize * row_bytes;
            let metadata = row.get_ref(1)?.as_str_or_null().map_err(rusqlite::Error::from)?;
            visit(rowid, metadata, &data[at..at + row_bytes])?;
        }
        Ok(())
    }

    /// Runs `f` inside one transaction: committed when it returns Ok, rolled back otherwise.
    /// A dimension set inside becomes the store's layout only once committed.
    pub fn transaction<T>(&mut self, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
        if self.deferred {
            return self.deferred_write(f);
        }
        let tx = self.conn.transaction()?;
        let writer = Writer::new(&tx, self.layout, self.code_row_bytes);
        let out = f(&writer)?;
        let (layout, code_row_bytes) = (writer.layout.get(), writer.code_row_bytes.get());
        tx.commit()?;
        self.code_row_bytes = code_row_bytes;
        self.layout = layout;
        Ok(out)
    }

    /// `n` new ids (time-ordered UUID v7 text), from SQLite's clock and randomness source.
    pub fn new_ids(&self, n: usize) -> Result<Vec<String>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let random: Vec<u8> = self.conn.query_row("SELECT randomblob(?1)", [n as i64 * 16], |r| r.get(0))?;
        Ok(ids::uuid_v7(n, self.now_ms()?, &random))
    }

    /// Milliseconds since the Unix epoch, from SQLite's clock (works on every target).
    pub fn now_ms(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT CAST(round((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn get(&self, id: &str) -> Result<Option<StoredRow>> {
        let mut stmt =
            self.conn.prepare_cached("SELECT rowid, metadata, created_at FROM vectors WHERE id = ?1")?;
        Ok(stmt
            .query_row([id], |r| {
                Ok(StoredRow { rowid: r.get(0)?, metadata: r.get(1)?, created_at: r.get(2)? })
            })
            .optional()?)
    }

    /// The rowid the next inserted vector gets (the file is held exclusively, so it stays
    /// free until our own next write).
    pub fn next_rowid(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT coalesce(max(rowid), 0) + 1 FROM vectors", [], |r| r.get(0))?)
    }

    /// The ids and metadata of rows found by a search, in the order given, in one statement.
    pub fn ids_and_metadata(&self, rowids: &[i64]) -> Result<Vec<(String, Option<String>)>> {
        if rowids.is_empty() {
            return Ok(Vec::new());
        }
        let list = serde_json::to_string(rowids)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT v.id, v.metadata FROM json_each(?1) AS j JOIN vectors AS v ON v.rowid = j.value ORDER BY j.key",
        )?;
        let rows = stmt.query_map([list], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let out = rows.collect::<std::result::Result<Vec<_>, _>>()?;
        if out.len() != rowids.len() {
            return Err(Error::Internal("a search hit has no stored row".into()));
        }
        Ok(out)
    }

    /// What SQLite is actually running with (for diagnostics and tests).
    pub fn settings(&self) -> Result<StorageSettings> {
        let pragma = |name: &str| -> Result<i64> {
            Ok(self.conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).optional()?.unwrap_or(0))
        };
        let journal_mode: String = self.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let page_size = pragma("page_size")?;
        let cache = pragma("cache_size")?;
        Ok(StorageSettings {
            journal_mode,
            page_size,
            cache_size_kib: if cache < 0 { -cache } else { cache * page_size / 1024 },
            mmap_size: pragma("mmap_size")?,
        })
    }

    /// Size of the database file in bytes.
    pub fn file_size(&self) -> Result<u64> {
        let pages: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let size: i64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        Ok((pages * size) as u64)
    }

    pub fn count(&self) -> Result<usize> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM vectors", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// The connection itself, for tests that inject failures.
    #[cfg(test)]
    pub(crate) fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Closes the connection, reporting an error instead of dropping it silently.
    /// Commits deferred writes and closes the connection.
    pub fn close(self) -> Result<()> {
        self.commit_pending()
    }
}
