//! The storage layout and every SQL statement, one code path for both targets (rusqlite
//! switches to sqlite-wasm-rs on wasm32 by itself).
//!
//! Layout (schema version 2):
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
//! transaction when opened. Future indexes (HNSW graph, quantized codes) get tables of their
//! own keyed by rowid and can always be rebuilt from `vectors` + `embeddings`.

use crate::codec;
use crate::error::{Error, Result};
use crate::index::flat::FlatIndex;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

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
    fn chunk_of(&self, rowid: i64) -> (i64, usize) {
        let slot = (rowid - 1) as usize;
        ((slot / self.chunk_rows) as i64, slot % self.chunk_rows)
    }

    fn chunk_bytes(&self) -> usize {
        self.chunk_rows * self.dimension * 4
    }

    /// The rowids chunk `c` holds.
    fn rowid_range(&self, chunk: i64) -> (i64, i64) {
        let first = chunk * self.chunk_rows as i64 + 1;
        (first, first + self.chunk_rows as i64 - 1)
    }
}

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
}

pub struct Store {
    conn: Connection,
    /// `None` until the dimension is known.
    layout: Option<Layout>,
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

    /// Creates the database at `location` from an exported file image. The image is checked
    /// in memory first (SQLite header, integrity, our schema, every row's embedding length),
    /// so a bad image never touches `location`. An existing database there is replaced only
    /// with `overwrite`, in one transaction (SQLite's backup of every page at once).
    pub fn import(location: Location<'_>, tuning: &Tuning, image: &[u8], overwrite: bool) -> Result<Store> {
        let source = Store::from_image(image)?;
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
        let mut store = Store { conn, layout: None };
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
    fn verify_rows(&self) -> Result<()> {
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
        let data = self.conn.serialize(rusqlite::MAIN_DB)?;
        let mut bytes = data.to_vec();
        if bytes.len() >= 20 && bytes[18] == 2 && bytes[19] == 2 {
            bytes[18] = 1;
            bytes[19] = 1;
        }
        Ok(bytes)
    }

    fn connect(location: &Location<'_>) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match *location {
            Location::Memory => Connection::open_in_memory()?,
            Location::File(path) => Connection::open_with_flags(path, flags)?,
            Location::Vfs { path, vfs } => Connection::open_with_flags_and_vfs(path, flags, vfs)?,
        };
        Ok(Store { conn, layout: None })
    }

    /// A file on disk is held exclusively for as long as it is open: the in-memory index
    /// must see every write, so a second process gets `Locked` instead of sharing the file.
    /// (OPFS files are held by their access handles and a Web Lock instead.)
    fn lock(&self, location: &Location<'_>, tuning: &Tuning) -> Result<()> {
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

    fn tune(&self, t: &Tuning) -> Result<()> {
        // A file that is not SQLite fails here with NOTADB, which maps to CORRUPT.
        self.conn.execute_batch(&format!("PRAGMA cache_size = -{};", t.cache_size_kib.max(0)))?;
        if t.wal_mode {
            self.conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        }
        if let Some(mmap) = t.mmap_size {
            // Returns the new size for a file, nothing for an in-memory database.
            self.conn.pragma_update(None, "mmap_size", mmap.max(0))?;
        }
        Ok(())
    }

    fn table_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table'", [], |r| r.get(0))?)
    }

    /// Creates the schema in an empty file, or verifies an existing one (migrating schema
    /// version 1), and reads the layout.
    fn check_or_create(&mut self) -> Result<()> {
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
            let writer = Writer { conn: &tx, layout: std::cell::Cell::new(Some(layout)) };
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

    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM vector_meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// Loads every vector into a new arena, in rowid order: the thin rows and the chunks are
    /// read side by side, each vector copied once from its chunk into place.
    pub fn load_index(&self) -> Result<Option<FlatIndex>> {
        let Some(layout) = self.layout else { return Ok(None) };
        let d = layout.dimension;
        let count = self.count()?;
        let mut index = FlatIndex::with_capacity(d, count);
        let mut rows = self.conn.prepare("SELECT rowid FROM vectors ORDER BY rowid")?;
        let mut rows = rows.query([])?;
        let mut next_rowid = || -> Result<Option<i64>> {
            match rows.next()? {
                None => Ok(None),
                Some(r) => Ok(Some(r.get(0)?)),
            }
        };
        let missing = |rowid: i64| Error::Corrupt(format!("row {rowid} has no stored embedding"));
        let mut pending = next_rowid()?;
        let mut chunks = self.conn.prepare("SELECT chunk, data FROM embeddings ORDER BY chunk")?;
        let mut chunks = chunks.query([])?;
        while let Some(chunk) = chunks.next()? {
            let c: i64 = chunk.get(0)?;
            let data = chunk.get_ref(1)?.as_blob().ok().filter(|b| b.len() == layout.chunk_bytes());
            let data = data.ok_or_else(|| {
                Error::Corrupt(format!(
                    "embedding chunk {c} is not {} vectors of dimension {d}",
                    layout.chunk_rows
                ))
            })?;
            let (first, last) = layout.rowid_range(c);
            while let Some(rowid) = pending {
                if rowid < first {
                    return Err(missing(rowid));
                }
                if rowid > last {
                    break;
                }
                let at = (rowid - first) as usize * d * 4;
                let bytes = &data[at..at + d * 4];
                index.append_rows(rowid, 1, |space| codec::decode_to(bytes, &mut space[..d]).map(|()| 1))?;
                pending = next_rowid()?;
            }
        }
        if let Some(rowid) = pending {
            return Err(missing(rowid));
        }
        Ok(Some(index))
    }

    /// Runs `f` inside one transaction: committed when it returns Ok, rolled back otherwise.
    /// A dimension set inside becomes the store's layout only once committed.
    pub fn transaction<T>(&mut self, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction()?;
        let writer = Writer { conn: &tx, layout: std::cell::Cell::new(self.layout) };
        let out = f(&writer)?;
        let layout = writer.layout.get();
        tx.commit()?;
        self.layout = layout;
        Ok(out)
    }

    /// `n` fresh random ids (UUID v4 text), from SQLite's randomness source.
    pub fn random_ids(&self, n: usize) -> Result<Vec<String>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let bytes: Vec<u8> = self.conn.query_row("SELECT randomblob(?1)", [n as i64 * 16], |r| r.get(0))?;
        Ok(bytes.chunks_exact(16).map(uuid_v4).collect())
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

    /// The id and metadata of a row found by a search.
    pub fn id_and_metadata(&self, rowid: i64) -> Result<(String, Option<String>)> {
        let mut stmt = self.conn.prepare_cached("SELECT id, metadata FROM vectors WHERE rowid = ?1")?;
        Ok(stmt.query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }

    /// Deletes by id in one transaction (the row, and its embedding's bytes); returns the
    /// rowid that was removed.
    pub fn delete(&mut self, id: &str) -> Result<Option<i64>> {
        self.transaction(|w| w.delete(id))
    }

    /// Row ids whose metadata satisfies a compiled filter, in rowid order.
    pub fn matching_rowids(&self, predicate: &crate::filter::Predicate) -> Result<Vec<i64>> {
        let sql = format!("SELECT rowid FROM vectors WHERE {} ORDER BY rowid", predicate.sql);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(predicate.params.iter()), |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<i64>, _>>()?)
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

    /// Closes the connection, reporting an error instead of dropping it silently.
    pub fn close(self) -> Result<()> {
        self.conn.close().map_err(|(_, e)| e.into())
    }
}

/// Writes inside a transaction opened by [`Store::transaction`].
pub struct Writer<'a> {
    conn: &'a Connection,
    layout: std::cell::Cell<Option<Layout>>,
}

impl Writer<'_> {
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
    /// whole chunk once no live row is left in it).
    pub fn delete(&self, id: &str) -> Result<Option<i64>> {
        let mut stmt = self.conn.prepare_cached("DELETE FROM vectors WHERE id = ?1 RETURNING rowid")?;
        let Some(rowid) = stmt.query_row([id], |r| r.get::<_, i64>(0)).optional()? else { return Ok(None) };
        let Some(layout) = self.layout.get() else { return Ok(Some(rowid)) };
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
        Ok(Some(rowid))
    }
}

fn uuid_v4(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut b: [u8; 16] = b.try_into().expect("16 bytes");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[(x >> 4) as usize] as char);
        out.push(HEX[(x & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuid_v4_sets_version_and_variant_and_formats_hex() {
        let bytes: Vec<u8> = (0u8..16).collect();
        assert_eq!(super::uuid_v4(&bytes), "00010203-0405-4607-8809-0a0b0c0d0e0f");
        assert_eq!(super::uuid_v4(&[0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }
}
