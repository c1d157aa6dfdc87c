//! The public value types of the API: configuration, inputs, results and reports.

use crate::metric::Metric;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The path that means "in memory, not persisted".
pub const MEMORY_PATH: &str = ":memory:";

/// Which backend a database runs on (`"native"` or `"wasm"`).
pub const BACKEND: &str = if cfg!(target_arch = "wasm32") { "wasm" } else { "native" };

/// Options for [`VectorDb::open`](crate::VectorDb::open). Everything has a default; see API.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// A file path, or `":memory:"`.
    pub path: String,
    /// Vector length; fixed once set. `None`: taken from the first insert.
    pub dimension: Option<usize>,
    /// Default metric for [`VectorDb::search`](crate::VectorDb::search).
    pub metric: Metric,
    /// SQLite page cache in KiB.
    pub cache_size: Option<i64>,
    /// Native only: use SQLite's WAL journal.
    pub wal_mode: bool,
    /// Native only: bytes of the file to memory-map.
    pub mmap_size: Option<i64>,
    /// [`VectorDb::import`](crate::VectorDb::import) only: replace a database that already
    /// exists at `path`.
    pub overwrite: bool,
    /// When a write is on disk (see [`Durability`]).
    pub durability: Durability,
}

/// When a resolved write is on disk (API.md `config.durability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Every committed write is synced to storage before the call returns
    /// (`PRAGMA synchronous = FULL`).
    #[default]
    Strict,
    /// Commits are not synced one by one: a crash of the machine may lose the last writes,
    /// never corrupt the file or half-apply a batch. Natively a file switches to WAL with
    /// `synchronous = NORMAL` (synced at each checkpoint, and by [`flush`]); elsewhere
    /// `synchronous = NORMAL` (fewer syncs per commit).
    ///
    /// [`flush`]: crate::VectorDb::flush
    Relaxed,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: MEMORY_PATH.into(),
            dimension: None,
            metric: Metric::Cosine,
            cache_size: None,
            wal_mode: false,
            mmap_size: None,
            overwrite: false,
            durability: Durability::Strict,
        }
    }
}

impl Config {
    /// A configuration for `path` with every other field at its default.
    pub fn new(path: impl Into<String>) -> Self {
        Config { path: path.into(), ..Config::default() }
    }
}

/// A vector to insert. `id: None` gets a generated id (a time-ordered UUID v7).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewVector {
    pub id: Option<String>,
    pub embedding: Vec<f32>,
    /// Must be a JSON object when present.
    pub metadata: Option<Value>,
}

impl NewVector {
    pub fn new(id: impl Into<String>, embedding: Vec<f32>) -> Self {
        NewVector { id: Some(id.into()), embedding, metadata: None }
    }

    pub fn with_metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// Options for [`VectorDb::search`](crate::VectorDb::search).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// `None`: the database's default metric.
    pub metric: Option<Metric>,
    /// Keep `score >= threshold` (cosine, dot) or `score <= threshold` (euclidean).
    pub threshold: Option<f64>,
    /// A metadata filter object (see [`crate::filter`]).
    pub filter: Option<Value>,
    /// Return each hit's embedding (default true).
    pub include_embedding: bool,
    /// The true top-k by f32 whatever index exists (default false).
    pub exact: bool,
    /// Quantized indexes: `rescore × k` candidates are rescored with the f32 vectors
    /// (`None`: [`Quantization::default_rescore`]).
    pub rescore: Option<usize>,
    /// HNSW search breadth (accepted for every index; only a graph uses it).
    pub ef: Option<usize>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            metric: None,
            threshold: None,
            filter: None,
            include_embedding: true,
            exact: false,
            rescore: None,
            ef: None,
        }
    }
}

/// How an index stores vectors in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quantization {
    /// f32, in the heap (exact search).
    #[default]
    None,
    /// One byte per dimension (trained per-dimension offset and scale); f32 stay in the file.
    Int8,
    /// One bit per dimension (sign against the per-dimension mean); f32 stay in the file.
    Binary,
}

impl Quantization {
    /// Candidates per result rescored with f32 when a search does not say. int8: 2 gave
    /// recall@10 of 1.0 on bench-like clustered data at 128-d and 768-d (1: 0.96;
    /// `examples/quantized_speed.rs`). binary: 16 gave 0.87 at 768-d and 0.49 at 128-d
    /// there: one bit per dimension needs many dimensions and spread data.
    pub fn default_rescore(self) -> usize {
        match self {
            Quantization::None => 1,
            Quantization::Int8 => 2,
            Quantization::Binary => 16,
        }
    }
}

/// The kind of index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexKind {
    #[default]
    Flat,
    Hnsw,
}

/// Options for [`VectorDb::create_index`](crate::VectorDb::create_index) (API.md `IndexOptions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexOptions {
    #[serde(rename = "type")]
    pub kind: IndexKind,
    #[serde(default)]
    pub quantization: Quantization,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ef_construction: Option<usize>,
    /// hnsw: the metric the graph is built for (the database's default metric when the
    /// index was created). Searches with another metric scan instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
}

impl IndexOptions {
    /// hnsw defaults: m = 16, efConstruction = 100.
    pub const DEFAULT_M: usize = 16;
    pub const DEFAULT_EF_CONSTRUCTION: usize = 100;
    /// hnsw search breadth when a search does not give `ef`.
    pub const DEFAULT_EF: usize = 64;
}

/// The index part of [`Stats`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexStats {
    #[serde(rename = "type")]
    pub kind: IndexKind,
    pub quantization: Quantization,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub m: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ef_construction: Option<usize>,
    /// Heap held by vectors, codes, norms and the graph.
    pub memory_bytes: usize,
}

/// One search hit, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    pub id: String,
    pub score: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding: Option<Vec<f32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
}

/// Search results in the shape both JS bindings hand on: parallel arrays, the embeddings
/// packed end to end straight from the arena, metadata as the stored JSON text (parsed once,
/// by whoever needs objects).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hits {
    pub ids: Vec<String>,
    pub scores: Vec<f32>,
    /// Floats per embedding.
    pub dimension: usize,
    /// `ids.len() × dimension` floats, when embeddings were asked for.
    pub embeddings: Option<Vec<f32>>,
    pub metadata: Vec<Option<String>>,
}

impl Hits {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// One [`SearchResult`] per hit, metadata parsed.
    pub fn into_results(self) -> crate::Result<Vec<SearchResult>> {
        let d = self.dimension;
        let mut embeddings = self.embeddings.as_deref().map(|e| e.chunks_exact(d.max(1)));
        self.ids
            .into_iter()
            .zip(self.scores)
            .zip(self.metadata)
            .map(|((id, score), metadata)| {
                Ok(SearchResult {
                    id,
                    score,
                    embedding: embeddings.as_mut().and_then(|e| e.next()).map(<[f32]>::to_vec),
                    metadata: crate::metadata::parse_stored(metadata.as_deref())?,
                })
            })
            .collect()
    }
}

/// A stored vector as [`VectorDb::get`](crate::VectorDb::get) returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub id: String,
    pub embedding: Vec<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    /// Insertion time, milliseconds since the Unix epoch.
    pub timestamp: i64,
}

/// A stored vector with its metadata as the stored JSON text (what the bindings pass on).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVector {
    pub id: String,
    pub embedding: Vec<f32>,
    pub metadata: Option<String>,
    pub timestamp: i64,
}

/// What [`VectorDb::stats`](crate::VectorDb::stats) reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub count: usize,
    pub dimension: Option<usize>,
    /// Bytes of the database file.
    pub size: u64,
    pub backend: &'static str,
    pub path: String,
    pub persistent: bool,
    /// The index the database has (`None`: plain f32 exact search).
    pub index: Option<IndexStats>,
}

/// Diagnostics: the kernels in use, the heap held by the index, and the SQLite settings in
/// effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    /// `avx2+fma`, `simd128` or `scalar`.
    pub kernel: &'static str,
    /// Bytes held in memory by the search index.
    pub index_bytes: usize,
    pub journal_mode: String,
    pub page_size: i64,
    pub cache_size_kib: i64,
    pub mmap_size: i64,
}

/// A change to a stored vector ([`VectorDb::update`](crate::VectorDb::update)): at least one
/// field. The metadata is replaced whole; `Some(None)` removes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Patch {
    pub embedding: Option<Vec<f32>>,
    pub metadata: Option<Option<Value>>,
}

/// Which rows [`VectorDb::delete_many`](crate::VectorDb::delete_many) deletes: the listed ids,
/// the rows matching the filter, or with both the listed ids that match the filter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    pub ids: Option<Vec<String>>,
    pub filter: Option<Value>,
}

/// File sizes around [`VectorDb::compact`](crate::VectorDb::compact), in bytes
/// (`stats().size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Compaction {
    pub before: u64,
    pub after: u64,
}
