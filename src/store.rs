//! The storage layout and every SQL statement, one code path for both targets (rusqlite
//! switches to sqlite-wasm-rs on wasm32 by itself).
//!
//! Layout (schema version 1):
//! - `PRAGMA application_id = 0x53515643` ("SQVC") marks the file as ours.
//! - `vector_meta(key, value)`: `format = 'sqlite-vector'`, `schema_version`, `dimension`.
//! - `vectors(rowid, id, embedding, norm, metadata, created_at)`: rowid is insertion order
//!   (ties), `embedding` little-endian f32, `norm` its L2 norm, `metadata` a JSON object.
//!
//! Future indexes (HNSW graph, quantized codes) get tables of their own keyed by rowid and
//! can always be rebuilt from `vectors`.

use crate::codec;
use crate::error::{Error, Result};
use crate::index::flat::FlatIndex;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

pub const APPLICATION_ID: i64 = 0x5351_5643;
pub const FORMAT: &str = "sqlite-vector";
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE vector_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE vectors (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  embedding BLOB NOT NULL,
  norm REAL NOT NULL,
  metadata TEXT,
  created_at INTEGER NOT NULL
);
";

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

/// One row about to be written.
pub struct NewRow<'a> {
    pub id: &'a str,
    pub embedding: &'a [f32],
    pub norm: f32,
    pub metadata: Option<String>,
}

/// A stored row as `get` returns it.
pub struct StoredRow {
    pub embedding: Vec<f32>,
    pub metadata: Option<String>,
    pub created_at: i64,
}

impl Store {
    /// Opens (or creates) the database and checks that it is ours. Returns the store and the
    /// stored dimension, if any.
    pub fn open(location: Location<'_>, tuning: &Tuning) -> Result<(Store, Option<usize>)> {
        let store = Store::connect(&location)?;
        store.lock(&location, tuning)?;
        store.tune(tuning)?;
        let dimension = store.check_or_create()?;
        Ok((store, dimension))
    }

    /// Creates the database at `location` from an exported file image. The image is checked
    /// in memory first (SQLite header, integrity, our schema, every row's embedding length),
    /// so a bad image never touches `location`. An existing database there is replaced only
    /// with `overwrite`, in one transaction (SQLite's backup of every page at once).
    pub fn import(
        location: Location<'_>,
        tuning: &Tuning,
        image: &[u8],
        overwrite: bool,
    ) -> Result<(Store, Option<usize>)> {
        let (source, dimension) = Store::from_image(image)?;
        if let Location::Memory = location {
            source.tune(tuning)?;
            return Ok((source, dimension));
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
        source.close()?;
        dest.tune(tuning)?;
        let stored = dest.check_or_create()?;
        debug_assert_eq!(stored, dimension);
        Ok((dest, stored))
    }

    /// An in-memory copy of an exported image, verified to be a sound sqlite-vector database.
    fn from_image(image: &[u8]) -> Result<(Store, Option<usize>)> {
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
        let store = Store { conn };
        let check: String = store.conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(Error::Corrupt(format!("the database is damaged: {check}")));
        }
        if store.table_count()? == 0 {
            return Err(Error::Corrupt("an empty SQLite database is not a sqlite-vector database".into()));
        }
        let dimension = store.check_or_create()?;
        if let Some(d) = dimension {
            let bad: Option<i64> = store
                .conn
                .query_row(
                    "SELECT rowid FROM vectors WHERE typeof(embedding) != 'blob' OR length(embedding) != ?1 LIMIT 1",
                    [d as i64 * 4],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(rowid) = bad {
                return Err(Error::Corrupt(format!("row {rowid}: embedding is not {d} f32 values")));
            }
        }
        Ok((store, dimension))
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
        Ok(Store { conn })
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

    /// Creates the schema in an empty file, or verifies an existing one.
    fn check_or_create(&self) -> Result<Option<usize>> {
        if self.table_count()? == 0 {
            let tx = self.conn.unchecked_transaction()?;
            tx.execute_batch(SCHEMA)?;
            tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID};"))?;
            tx.execute(
                "INSERT INTO vector_meta(key, value) VALUES ('format', ?1), ('schema_version', ?2)",
                params![FORMAT, SCHEMA_VERSION.to_string()],
            )?;
            tx.commit()?;
            return Ok(None);
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
        let version: i64 = self.meta("schema_version")?.and_then(|v| v.parse().ok()).unwrap_or(0);
        if version != SCHEMA_VERSION {
            return Err(Error::Corrupt(format!(
                "schema version {version} is not supported by this build (it reads {SCHEMA_VERSION})"
            )));
        }
        match self.meta("dimension")? {
            None => Ok(None),
            Some(d) => match d.parse::<usize>() {
                Ok(d) if d > 0 => Ok(Some(d)),
                _ => Err(Error::Corrupt(format!("stored dimension {d:?} is not a positive integer"))),
            },
        }
    }

    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT value FROM vector_meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    /// Loads every vector into a new arena, in rowid order.
    pub fn load_index(&self, dimension: usize) -> Result<FlatIndex> {
        let count: i64 = self.conn.query_row("SELECT count(*) FROM vectors", [], |r| r.get(0))?;
        let mut index = FlatIndex::with_capacity(dimension, count as usize);
        let mut stmt = self.conn.prepare("SELECT rowid, embedding, norm FROM vectors ORDER BY rowid")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let rowid: i64 = row.get(0)?;
            let norm: f64 = row.get(2)?;
            let blob = row
                .get_ref(1)?
                .as_blob()
                .map_err(|_| Error::Corrupt(format!("row {rowid}: embedding is not a BLOB")))?;
            if blob.len() != dimension * 4 {
                return Err(Error::Corrupt(format!(
                    "row {rowid}: embedding has {} bytes, expected {} for dimension {dimension}",
                    blob.len(),
                    dimension * 4
                )));
            }
            index.push_with(rowid, norm as f32, |arena| codec::decode_into(blob, arena))?;
        }
        Ok(index)
    }

    /// Runs `f` inside one transaction: committed when it returns Ok, rolled back otherwise.
    pub fn transaction<T>(&mut self, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction()?;
        let out = f(&Writer { conn: &tx })?;
        tx.commit()?;
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
            self.conn.prepare_cached("SELECT embedding, metadata, created_at FROM vectors WHERE id = ?1")?;
        let row = stmt
            .query_row([id], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?))
            })
            .optional()?;
        match row {
            None => Ok(None),
            Some((blob, metadata, created_at)) => {
                Ok(Some(StoredRow { embedding: codec::decode(&blob)?, metadata, created_at }))
            }
        }
    }

    /// The id and metadata of a row found by a search.
    pub fn id_and_metadata(&self, rowid: i64) -> Result<(String, Option<String>)> {
        let mut stmt = self.conn.prepare_cached("SELECT id, metadata FROM vectors WHERE rowid = ?1")?;
        Ok(stmt.query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }

    /// Deletes by id; returns the rowid that was removed.
    pub fn delete(&self, id: &str) -> Result<Option<i64>> {
        let mut stmt = self.conn.prepare_cached("DELETE FROM vectors WHERE id = ?1 RETURNING rowid")?;
        Ok(stmt.query_row([id], |r| r.get(0)).optional()?)
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
}

impl Writer<'_> {
    /// Inserts one row and returns its rowid. A taken id gives `DuplicateId`.
    pub fn insert(&self, row: &NewRow<'_>, created_at: i64) -> Result<i64> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO vectors(id, embedding, norm, metadata, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let blob = codec::encode(row.embedding);
        match stmt.execute(params![row.id, blob, row.norm as f64, row.metadata, created_at]) {
            Ok(_) => Ok(self.conn.last_insert_rowid()),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Err(Error::DuplicateId(row.id.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn set_dimension(&self, dimension: usize) -> Result<()> {
        self.conn.execute(
            "INSERT INTO vector_meta(key, value) VALUES ('dimension', ?1)",
            [dimension.to_string()],
        )?;
        Ok(())
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
