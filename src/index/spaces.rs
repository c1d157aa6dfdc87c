//! What a graph navigates on: the f32 arena (exact keys) or int8 codes (approximate keys,
//! nodes read back as their decoded codes). See [`super::hnsw::Space`].

use super::flat::FlatIndex;
use super::hnsw::Space;
use super::quantized::{CodeIndex, CodeQuery};
use super::score::norm;
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
    fn key(&self, q: &Self::Query, rowid: i64) -> f32 {
        self.index.key(self.metric, &q.0, q.1, rowid).unwrap_or(f32::NEG_INFINITY)
    }
    fn vector(&self, rowid: i64) -> Vec<f32> {
        self.index.vector(rowid).map(<[f32]>::to_vec).unwrap_or_default()
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
    fn key(&self, q: &Self::Query, rowid: i64) -> f32 {
        self.codes.key(q, rowid).unwrap_or(f32::NEG_INFINITY)
    }
    fn vector(&self, rowid: i64) -> Vec<f32> {
        self.codes.decode(rowid).unwrap_or_default()
    }
}
