//! In-memory search structures, loaded from the `vectors` and `embeddings` tables at open
//! and updated only after a write has committed. The database stays the source of truth: any index here can
//! be dropped and rebuilt from rows. Today there is the exact [`flat::FlatIndex`]; an ANN
//! index (HNSW) and quantized arenas will live beside it and answer the same [`Query`].

pub mod flat;
pub mod score;
mod topk;

use crate::metric::Metric;

/// One search request against an index.
pub struct Query<'a> {
    pub vector: &'a [f32],
    pub metric: Metric,
    /// Maximum number of hits; `usize::MAX` means all.
    pub k: usize,
    /// Keep only scores that pass this threshold (see [`Metric::passes`]).
    pub threshold: Option<f32>,
    /// Restrict the search to these row ids (a metadata filter's survivors).
    pub candidates: Option<&'a [i64]>,
}

/// One result: the SQLite rowid (insertion order) and its score under the query's metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub rowid: i64,
    pub score: f32,
}
