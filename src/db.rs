//! [`VectorDb`]: the public operations of API.md over the store and the in-memory index.

use crate::attributes::Attributes;
use crate::error::{Error, Result};
use crate::index::hnsw::Hnsw;
use crate::index::spaces::graph_remove;
use crate::index::Vectors;
use crate::indexing;
use crate::metadata;
use crate::metric::Metric;
use crate::search;
pub use crate::store::StorageSettings;
use crate::store::{Location, Store, Tuning};
use crate::types::{
    Config, Durability, Hits, IndexOptions, IndexStats, Info, Record, SearchOptions, SearchResult, Stats,
    StoredVector,
};
use crate::types::{BACKEND, MEMORY_PATH};
use serde_json::{Map, Value};

/// The page size of a new file. In the browser every OPFS call has a fixed cost (about
/// 1 ms in a private window), so fewer, larger pages: measured over OPFS in Chromium at
/// 100k x 128 (`npm run bench`, one machine, back to back), 64 KiB pages against 4 KiB
/// doubled batch inserts (85k vs 38-41k vectors/s), and took reopen to first answer from
/// 730-1000 ms to 314 ms. Natively 4 KiB measured best (64 KiB: 0.6x the insert rate).
const PAGE_SIZE: i64 = if cfg!(target_arch = "wasm32") { 65_536 } else { 4_096 };

/// A vector database in one SQLite file.
///
/// ```
/// use sqlite_vector::{Config, NewVector, SearchOptions, VectorDb};
///
/// let mut db = VectorDb::open(Config::default())?; // in memory
/// db.insert(NewVector::new("a", vec![1.0, 0.0]))?;
/// db.insert(NewVector::new("b", vec![0.0, 1.0]))?;
/// let hits = db.search(&[0.9, 0.1], 1, &SearchOptions::default())?;
/// assert_eq!(hits[0].id, "a");
/// # Ok::<(), sqlite_vector::Error>(())
/// ```
pub struct VectorDb {
    pub(crate) open: Option<Open>,
    path: String,
    pub(crate) metric: Metric,
    persistent: bool,
}

pub(crate) struct Open {
    pub(crate) store: Store,
    /// `None` until the dimension is known (first insert or `config.dimension`).
    pub(crate) index: Option<Vectors>,
    /// Every row's metadata, for filters.
    pub(crate) attributes: Attributes,
    /// The hnsw graph over `index`, when the database has an hnsw index.
    pub(crate) graph: Option<Hnsw>,
}

/// Metadata of a batch: stored text and the parsed object, per vector.
pub(crate) type BatchMetadata = Vec<Option<(String, Map<String, Value>)>>;

impl VectorDb {
    /// Opens or creates the database at `config.path` (`":memory:"` for none).
    ///
    /// A file on disk is held exclusively while open: another process (or another `VectorDb`
    /// on the same file) gets `Locked`.
    ///
    /// Errors: `Corrupt` when the file is not a sqlite-vector database,
    /// `DimensionMismatch` when `config.dimension` differs from the stored one,
    /// `Locked` when the file is held elsewhere.
    ///
    /// ```
    /// # use sqlite_vector::{Config, VectorDb};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("v.db").to_string_lossy().into_owned();
    /// let db = VectorDb::open(Config { dimension: Some(3), wal_mode: true, ..Config::new(&path) })?;
    /// assert_eq!(VectorDb::open(Config::new(&path)).err().unwrap().code(), "LOCKED");
    /// drop(db); // or close()
    /// assert_eq!(VectorDb::open(Config::new(&path))?.dimension(), Some(3));
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn open(config: Config) -> Result<Self> {
        Self::open_with_vfs(config, None, true)
    }

    /// Opens through a named SQLite VFS, or SQLite's default one when `vfs` is `None`
    /// (how the wasm binding reaches OPFS, or the in-memory VFS in Node).
    /// `persistent` says whether that VFS outlives the process.
    pub fn open_with_vfs(config: Config, vfs: Option<&str>, persistent: bool) -> Result<Self> {
        Self::open_at(&config, vfs, persistent, None)
    }

    /// Creates the database at `config.path` from the bytes of an exported file (see
    /// [`export`](Self::export)) and opens it. `":memory:"` opens the copy in memory.
    ///
    /// The bytes are verified in memory before anything is written: data that is not a sound
    /// sqlite-vector database gives `Corrupt`. A path that already holds a database gives
    /// `InvalidArgument` unless `config.overwrite`; either way nothing existing is damaged.
    ///
    /// ```
    /// # use sqlite_vector::{Config, NewVector, VectorDb};
    /// let mut db = VectorDb::open(Config::default())?;
    /// db.insert(NewVector::new("a", vec![1.0, 2.0]))?;
    /// let bytes = db.export()?;
    ///
    /// let copy = VectorDb::import(Config::default(), &bytes)?;
    /// assert_eq!(copy.get("a")?.unwrap().embedding, vec![1.0, 2.0]);
    /// assert_eq!(VectorDb::import(Config::default(), b"not a database").err().unwrap().code(), "CORRUPT");
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn import(config: Config, bytes: &[u8]) -> Result<Self> {
        Self::import_with_vfs(config, bytes, None, true)
    }

    /// [`import`](Self::import) through a named VFS (see [`open_with_vfs`](Self::open_with_vfs)).
    pub fn import_with_vfs(
        config: Config,
        bytes: &[u8],
        vfs: Option<&str>,
        persistent: bool,
    ) -> Result<Self> {
        Self::open_at(&config, vfs, persistent, Some(bytes))
    }

    fn open_at(config: &Config, vfs: Option<&str>, persistent: bool, image: Option<&[u8]>) -> Result<Self> {
        if config.dimension == Some(0) {
            return Err(Error::InvalidArgument("dimension must be a positive integer".into()));
        }
        let in_memory = config.path == MEMORY_PATH || config.path.is_empty();
        let location = match vfs {
            _ if in_memory => Location::Memory,
            Some(vfs) => Location::Vfs { path: &config.path, vfs },
            None => Location::File(&config.path),
        };
        // In wasm the page cache is heap that never shrinks, and the vectors already live in
        // the arena: SQLite only needs room for the thin rows and the pages a write touches.
        let default_cache = if cfg!(target_arch = "wasm32") { 2_048 } else { 100_000 };
        // Relaxed durability on a file natively is WAL with synchronous = NORMAL: commits
        // append to the log unsynced, and the log is synced at checkpoints, never torn.
        let relaxed = config.durability == Durability::Relaxed;
        let tuning = Tuning {
            cache_size_kib: config.cache_size.unwrap_or(default_cache),
            lock_timeout_ms: 500,
            wal_mode: !cfg!(target_arch = "wasm32")
                && (config.wal_mode || (relaxed && matches!(location, Location::File(_)))),
            mmap_size: if cfg!(target_arch = "wasm32") { None } else { config.mmap_size },
            page_size: PAGE_SIZE,
            relaxed,
        };
        let mut store = match image {
            None => Store::open(location, &tuning)?,
            Some(bytes) => Store::import(location, &tuning, bytes, config.overwrite)?,
        };
        match (store.layout().map(|l| l.dimension), config.dimension) {
            (Some(s), Some(c)) if s != c => {
                return Err(Error::DimensionMismatch { expected: s, actual: c });
            }
            (None, Some(c)) => {
                store.transaction(|w| w.set_dimension(c))?;
            }
            _ => {}
        }
        let (index, graph) = indexing::load(&mut store)?;
        Ok(VectorDb {
            open: Some(Open { store, index, attributes: Attributes::new(), graph }),
            path: config.path.clone(),
            metric: config.metric,
            persistent: persistent && !in_memory,
        })
    }

    pub(crate) fn open_mut(&mut self) -> Result<&mut Open> {
        self.open.as_mut().ok_or(Error::Closed)
    }

    pub(crate) fn open_ref(&self) -> Result<&Open> {
        self.open.as_ref().ok_or(Error::Closed)
    }

    /// The fixed vector length, once known.
    pub fn dimension(&self) -> Option<usize> {
        self.open.as_ref().and_then(|o| o.index.as_ref()).map(Vectors::dimension)
    }

    /// Exact top-`k` search. `k` has no upper bound (`usize::MAX` returns every match).
    ///
    /// ```
    /// # use sqlite_vector::{Config, Metric, NewVector, SearchOptions, VectorDb};
    /// # use serde_json::json;
    /// let mut db = VectorDb::open(Config::default())?;
    /// db.insert(NewVector::new("near", vec![1.0, 1.0]).with_metadata(json!({"kind": "x"})))?;
    /// db.insert(NewVector::new("far", vec![9.0, 9.0]).with_metadata(json!({"kind": "y"})))?;
    /// let opts = SearchOptions { metric: Some(Metric::Euclidean), filter: Some(json!({"kind": "y"})), ..Default::default() };
    /// let hits = db.search(&[0.0, 0.0], 5, &opts)?;
    /// assert_eq!(hits.len(), 1);
    /// assert!((hits[0].score - 162f32.sqrt()).abs() < 1e-5);
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn search(&self, query: &[f32], k: usize, options: &SearchOptions) -> Result<Vec<SearchResult>> {
        self.search_hits(query, k, options)?.into_results()
    }

    /// Whether a search with these options is quick: an unfiltered graph walk, or a scan of
    /// at most about a million floats (bindings may then run it without leaving their
    /// thread). A filtered one may scan its matches exactly, so only the size counts.
    pub fn is_quick_search(&self, options: &SearchOptions) -> bool {
        let Ok(open) = self.open_ref() else { return true }; // fails fast with Closed
        let graph = open.graph.is_some() && !options.exact && options.filter.is_none();
        graph || open.index.as_ref().is_none_or(|v| v.len().saturating_mul(v.dimension()) <= 1 << 20)
    }

    /// [`search`](Self::search) in the packed shape the JS bindings hand on: embeddings
    /// copied once, straight from the arena; ids and metadata of every hit read in one
    /// statement.
    pub fn search_hits(&self, query: &[f32], k: usize, options: &SearchOptions) -> Result<Hits> {
        let open = self.open_ref()?;
        search::run(
            &open.store,
            open.index.as_ref(),
            open.graph.as_ref(),
            &open.attributes,
            query,
            k,
            options,
            self.metric,
        )
    }

    /// The stored vector with this id, or `None`.
    pub fn get(&self, id: &str) -> Result<Option<Record>> {
        let Some(v) = self.get_stored(id)? else { return Ok(None) };
        Ok(Some(Record {
            metadata: metadata::parse_stored(v.metadata.as_deref())?,
            id: v.id,
            embedding: v.embedding,
            timestamp: v.timestamp,
        }))
    }

    /// [`get`](Self::get) with the metadata as its stored JSON text.
    pub fn get_stored(&self, id: &str) -> Result<Option<StoredVector>> {
        let open = self.open_ref()?;
        check_id(id)?;
        let Some(row) = open.store.get(id)? else { return Ok(None) };
        let embedding = match open.index.as_ref() {
            Some(Vectors::Flat(ix)) => ix.vector(row.rowid).map(<[f32]>::to_vec),
            Some(Vectors::Codes(_)) => {
                let mut v = Vec::new();
                open.store.read_vectors(&[row.rowid], &mut v)?;
                Some(v)
            }
            None => None,
        };
        let embedding =
            embedding.ok_or_else(|| Error::Internal(format!("row {} is not indexed", row.rowid)))?;
        Ok(Some(StoredVector {
            id: id.to_string(),
            embedding,
            metadata: row.metadata,
            timestamp: row.created_at,
        }))
    }

    /// Deletes by id; `false` when the id did not exist.
    ///
    /// ```
    /// # use sqlite_vector::{Config, NewVector, VectorDb};
    /// let mut db = VectorDb::open(Config::default())?;
    /// db.insert(NewVector::new("a", vec![1.0]))?;
    /// assert!(db.delete("a")?);
    /// assert!(!db.delete("a")?);
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn delete(&mut self, id: &str) -> Result<bool> {
        let open = self.open_mut()?;
        check_id(id)?;
        let Some(row) = open.store.get(id)? else { return Ok(false) };
        // The graph is relinked first (it needs the vectors), and its changed records are
        // written in the same transaction as the deletion.
        if let (Some(graph), Some(vectors)) = (open.graph.as_mut(), open.index.as_ref()) {
            graph_remove(graph, vectors, row.rowid);
        }
        let graph = &mut open.graph;
        let deleted = open.store.transaction(|w| {
            let deleted = w.delete(id)?;
            if let Some(g) = graph.as_mut() {
                indexing::write_graph(w, g)?;
            }
            Ok(deleted)
        });
        let (rowid, meta) = match deleted {
            Ok(Some(d)) => d,
            Ok(None) => return Err(Error::Internal(format!("row of {id:?} vanished"))),
            Err(e) => {
                self.reload_graph()?;
                return Err(e);
            }
        };
        if let Some(index) = open.index.as_mut() {
            index.remove(rowid);
        }
        // The row is gone from the file; metadata that cannot be parsed was never indexed.
        if let Some(attributes) = open.attributes.built_mut() {
            attributes.remove(rowid, metadata::parse_stored(meta.as_deref()).ok().flatten().as_ref());
        }
        Ok(true)
    }

    /// Count, dimension, file size and where the database lives.
    pub fn stats(&self) -> Result<Stats> {
        let open = self.open_ref()?;
        Ok(Stats {
            count: match &open.index {
                Some(ix) => ix.len(),
                None => open.store.count()?,
            },
            dimension: self.dimension(),
            size: open.store.file_size()?,
            backend: BACKEND,
            path: self.path.clone(),
            persistent: self.persistent,
            index: open.store.index_options()?.map(|o| IndexStats {
                kind: o.kind,
                quantization: o.quantization,
                m: o.m,
                ef_construction: o.ef_construction,
                memory_bytes: open.index.as_ref().map_or(0, Vectors::heap_bytes)
                    + open.graph.as_ref().map_or(0, Hnsw::heap_bytes),
            }),
        })
    }

    /// The whole database file: a consistent snapshot that [`import`](Self::import) (or
    /// `createVectorDB({ path, data })` on any target) opens again.
    pub fn export(&mut self) -> Result<Vec<u8>> {
        self.commit_deferred()?;
        self.open_mut()?.store.export()
    }

    /// The SQLite settings in effect: journal mode, page size, page cache, mmap size.
    pub fn storage_settings(&self) -> Result<StorageSettings> {
        self.open_ref()?.store.settings()
    }

    /// Bytes held in memory by the search index.
    pub fn index_bytes(&self) -> usize {
        self.open.as_ref().map_or(0, |o| {
            o.index.as_ref().map_or(0, Vectors::heap_bytes)
                + o.graph.as_ref().map_or(0, Hnsw::heap_bytes)
                + o.attributes.heap_bytes()
        })
    }

    /// Diagnostics in one report: kernels, index memory and the SQLite settings.
    pub fn info(&self) -> Result<Info> {
        let s = self.storage_settings()?;
        Ok(Info {
            kernel: crate::kernels::best().name,
            index_bytes: self.index_bytes(),
            journal_mode: s.journal_mode,
            page_size: s.page_size,
            cache_size_kib: s.cache_size_kib,
            mmap_size: s.mmap_size,
        })
    }

    /// Makes `options` the database's index, built from the stored rows (an empty database
    /// is fine once the dimension is known), kept up to date by every later write and stored
    /// in the file, so reopening loads it without retraining. With `int8` or `binary`
    /// quantization the heap keeps codes instead of f32 vectors; searches shortlist
    /// `rescore × k` rows by code and return their exact f32 scores, read from the file.
    ///
    /// ```
    /// # use sqlite_vector::{Config, IndexOptions, Metric, NewVector, Quantization, SearchOptions, VectorDb};
    /// let mut db = VectorDb::open(Config::default())?;
    /// db.insert_batch((0..100).map(|i| NewVector::new(format!("v{i}"), vec![i as f32, 1.0, -1.0])).collect())?;
    /// db.create_index(&IndexOptions { quantization: Quantization::Int8, ..Default::default() })?;
    /// let opts = SearchOptions { metric: Some(Metric::Euclidean), ..Default::default() };
    /// let hits = db.search(&[41.0, 1.0, -1.0], 1, &opts)?;
    /// assert_eq!((hits[0].id.as_str(), hits[0].score), ("v41", 0.0)); // the exact f32 score
    /// assert_eq!(db.stats()?.index.unwrap().quantization, Quantization::Int8);
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn create_index(&mut self, options: &IndexOptions) -> Result<()> {
        let metric = self.metric;
        let open = self.open_mut()?;
        indexing::create(&mut open.store, options, metric, &mut open.index, &mut open.graph)
    }

    /// Removes the index: back to f32 exact search with the vectors in the heap.
    pub fn drop_index(&mut self) -> Result<()> {
        let open = self.open_mut()?;
        let current = open.index.take();
        match indexing::drop(&mut open.store, current) {
            Ok(vectors) => {
                open.index = vectors;
                open.graph = None;
                Ok(())
            }
            Err(e) => {
                // The file still has its index; load what it says again.
                (open.index, open.graph) = indexing::load(&mut open.store)?;
                Err(e)
            }
        }
    }

    /// After a failed write: the graph as the file has it (the in-memory one may hold nodes
    /// of the rolled-back write).
    pub(crate) fn reload_graph(&mut self) -> Result<()> {
        let open = self.open_mut()?;
        if open.graph.is_some() {
            (open.index, open.graph) = indexing::load(&mut open.store)?;
        }
        Ok(())
    }

    /// Closes the connection. Every later call, `close` included, fails with `Closed`.
    pub fn close(&mut self) -> Result<()> {
        let committed = self.commit_deferred();
        let open = self.open.take().ok_or(Error::Closed)?;
        committed?;
        open.store.close()
    }

    /// Whether [`close`](Self::close) has been called.
    pub fn is_closed(&self) -> bool {
        self.open.is_none()
    }
}

pub(crate) fn check_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::InvalidArgument("id must be a non-empty string".into()));
    }
    Ok(())
}
