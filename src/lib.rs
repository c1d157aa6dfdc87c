//! # sqlite-vector
//!
//! A vector database in one SQLite file. The same crate runs natively (rusqlite with bundled
//! SQLite, a file on disk) and in the browser (compiled to `wasm32-unknown-unknown`, SQLite
//! persisted to OPFS inside a dedicated Web Worker, see `src/wasm/`). Search is exact over a
//! segmented in-memory f32 arena with SIMD kernels (AVX2/FMA natively, simd128 on wasm).
//!
//! ```
//! use sqlite_vector::{Config, Metric, NewVector, SearchOptions, VectorDb};
//! use serde_json::json;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("vectors.db").to_string_lossy().into_owned();
//!
//! let mut db = VectorDb::open(Config::new(&path))?;
//! db.insert_batch(vec![
//!     NewVector::new("cat", vec![1.0, 0.0, 0.0]).with_metadata(json!({"kind": "animal"})),
//!     NewVector::new("dog", vec![0.9, 0.1, 0.0]).with_metadata(json!({"kind": "animal"})),
//!     NewVector::new("car", vec![0.0, 0.0, 1.0]).with_metadata(json!({"kind": "thing"})),
//! ])?;
//! let hits = db.search(&[1.0, 0.05, 0.0], 2, &SearchOptions::default())?;
//! assert_eq!(hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["cat", "dog"]);
//! db.close()?;
//!
//! // The file persists; its dimension is remembered.
//! let db = VectorDb::open(Config::new(&path))?;
//! assert_eq!(db.stats()?.count, 3);
//! assert_eq!(db.dimension(), Some(3));
//! let opts = SearchOptions { metric: Some(Metric::Dot), filter: Some(json!({"kind": "thing"})), ..Default::default() };
//! assert_eq!(db.search(&[0.0, 0.0, 2.0], 5, &opts)?[0].score, 2.0);
//! # Ok::<(), sqlite_vector::Error>(())
//! ```

mod attributes;
pub mod codec;
mod db;
mod durability;
pub mod error;
pub mod filter;
pub mod index;
mod indexing;
mod insert;
#[cfg(any(target_arch = "wasm32", feature = "node"))]
mod js_input;
pub mod kernels;
pub mod metadata;
pub mod metric;
mod mutations;
// napi-derive registers the exports only outside `cfg(test)`.
#[cfg(all(feature = "node", not(target_arch = "wasm32")))]
#[cfg_attr(test, allow(dead_code))]
mod node;
mod search;
mod source;
mod store;
mod types;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use db::{StorageSettings, VectorDb};
pub use error::{Error, Result};
pub use metric::Metric;
pub use source::{Floats, Packed, VectorSource};
pub use types::{
    Compaction, Config, Durability, Hits, IndexKind, IndexOptions, IndexStats, Info, NewVector, Patch,
    Quantization, Record, SearchOptions, SearchResult, Selection, Stats, StoredVector, BACKEND, MEMORY_PATH,
};
