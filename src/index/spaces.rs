//! What a graph navigates on: the f32 arena (exact keys) or int8 codes (approximate keys,
//! nodes read back as their decoded codes). See [`super::hnsw::Space`].

use super::flat::FlatIndex;
use super::hnsw::{Hnsw, Space};
use super::quantized::{CodeIndex, CodeQuery};
use super::score::norm;
use super::Vectors;
use crate::metric::Metric;

pub struct FlatSpace<'a> {
    pub index: &'a FlatIndex,
    pub metric: Metric,
}

impl Space for FlatSpace<'_> {
    type Query = (Vec<f32>, f32);
    fn prepare(&self, v: &[f32]) -> Self::Query {
        (v.to_vec(), norm(self.index.kernels(), v))
    }
    #[inline]
    fn key(&self, q: &Self::Query, rowid: i64) -> f32 {
        self.index.key(self.metric, &q.0, q.1, rowid).unwrap_or(f32::NEG_INFINITY)
    }
    fn vector(&self, rowid: i64) -> Vec<f32> {
        self.index.vector(rowid).map(<[f32]>::to_vec).unwrap_or_default()
    }
    #[inline]
    fn prefetch(&self, rowid: i64) {
        self.index.prefetch(rowid)
    }
}

pub struct CodeSpace<'a> {
    pub codes: &'a CodeIndex,
    pub metric: Metric,
}

impl Space for CodeSpace<'_> {
    type Query = CodeQuery;
    fn prepare(&self, v: &[f32]) -> Self::Query {
        self.codes.prepare(v, self.metric).expect("graphs run on int8 codes only")
    }
    #[inline]
    fn key(&self, q: &Self::Query, rowid: i64) -> f32 {
        self.codes.key(q, rowid).unwrap_or(f32::NEG_INFINITY)
    }
    fn vector(&self, rowid: i64) -> Vec<f32> {
        self.codes.decode(rowid).unwrap_or_default()
    }
    #[inline]
    fn prefetch(&self, rowid: i64) {
        self.codes.prefetch(rowid)
    }
}

/// Runs `f` with the space over whatever holds the vectors (a graph needs f32 or int8).
fn with_space<T>(vectors: &Vectors, metric: Metric, f: impl FnOnce(&dyn SpaceOps) -> T) -> T {
    match vectors {
        Vectors::Flat(index) => f(&FlatSpace { index, metric }),
        Vectors::Codes(codes) => f(&CodeSpace { codes, metric }),
    }
}

/// The graph operations over either space, object-safe (the graph's methods are generic).
pub trait SpaceOps {
    fn insert(&self, graph: &mut Hnsw, rowid: i64, v: &[f32]);
    fn remove(&self, graph: &mut Hnsw, rowid: i64) -> bool;
    fn search(
        &self,
        graph: &Hnsw,
        v: &[f32],
        ef: usize,
        allow: Option<&dyn Fn(i64) -> bool>,
    ) -> Vec<(i64, f32)>;
}

impl<S: Space> SpaceOps for S {
    fn insert(&self, graph: &mut Hnsw, rowid: i64, v: &[f32]) {
        graph.insert(self, rowid, v)
    }
    fn remove(&self, graph: &mut Hnsw, rowid: i64) -> bool {
        graph.remove(self, rowid)
    }
    fn search(
        &self,
        graph: &Hnsw,
        v: &[f32],
        ef: usize,
        allow: Option<&dyn Fn(i64) -> bool>,
    ) -> Vec<(i64, f32)> {
        graph.search(self, v, ef, allow)
    }
}

/// Adds a node (its vector already held by `vectors`).
pub fn graph_insert(graph: &mut Hnsw, vectors: &Vectors, rowid: i64, v: &[f32]) {
    let metric = graph.params().metric;
    with_space(vectors, metric, |s| s.insert(graph, rowid, v))
}

/// Removes a node (before its vector leaves `vectors`).
pub fn graph_remove(graph: &mut Hnsw, vectors: &Vectors, rowid: i64) -> bool {
    let metric = graph.params().metric;
    with_space(vectors, metric, |s| s.remove(graph, rowid))
}

/// The `ef` closest (allowed) rows by the space's keys, closest first.
pub fn graph_search(
    graph: &Hnsw,
    vectors: &Vectors,
    v: &[f32],
    ef: usize,
    allow: Option<&dyn Fn(i64) -> bool>,
) -> Vec<(i64, f32)> {
    with_space(vectors, graph.params().metric, |s| s.search(graph, v, ef, allow))
}
