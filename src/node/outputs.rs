//! What each call's result becomes in JS (built on the JS thread once the job is done): the
//! core's shapes as plain objects, the same as the wasm binding's.

use super::{NativeVectorDb, Slot};
use crate::{Compaction, Hits, Info, Stats, StoredVector, VectorDb};
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// A job's result as a JS value (built on the JS thread).
pub trait ToJs: Send + 'static {
    type Js: ToNapiValue + TypeName;
    fn into_js(self, slot: &Slot) -> napi::Result<Self::Js>;
}

macro_rules! plain_to_js {
    ($($t:ty),*) => {$(
        impl ToJs for $t {
            type Js = $t;
            fn into_js(self, _: &Slot) -> napi::Result<$t> {
                Ok(self)
            }
        }
    )*};
}
plain_to_js!(bool, (), f64, String, Vec<String>);

impl ToJs for VectorDb {
    type Js = NativeVectorDb;
    fn into_js(self, slot: &Slot) -> napi::Result<NativeVectorDb> {
        *slot.lock().map_err(|_| napi::Error::from_reason("poisoned"))? = Some(self);
        Ok(NativeVectorDb { slot: slot.clone() })
    }
}

#[napi(object)]
pub struct StatsOutput {
    pub count: f64,
    /// `null` (not undefined) until the dimension is known, as the wasm binding reports it.
    pub dimension: Either<u32, Null>,
    pub size: f64,
    pub backend: String,
    pub path: String,
    pub persistent: bool,
    /// `null` without an index.
    pub index: Either<IndexStatsOutput, Null>,
}

#[napi(object)]
pub struct IndexStatsOutput {
    #[napi(js_name = "type")]
    pub kind: String,
    pub quantization: String,
    pub m: Option<u32>,
    pub ef_construction: Option<u32>,
    pub memory_bytes: f64,
}

fn lowercase_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

impl ToJs for Stats {
    type Js = StatsOutput;
    fn into_js(self, _: &Slot) -> napi::Result<StatsOutput> {
        Ok(StatsOutput {
            count: self.count as f64,
            dimension: self.dimension.map_or(Either::B(Null), |d| Either::A(d as u32)),
            size: self.size as f64,
            backend: self.backend.into(),
            path: self.path,
            persistent: self.persistent,
            index: match self.index {
                None => Either::B(Null),
                Some(i) => Either::A(IndexStatsOutput {
                    kind: lowercase_name(&i.kind),
                    quantization: lowercase_name(&i.quantization),
                    m: i.m.map(|m| m as u32),
                    ef_construction: i.ef_construction.map(|e| e as u32),
                    memory_bytes: i.memory_bytes as f64,
                }),
            },
        })
    }
}

#[napi(object)]
pub struct InfoOutput {
    pub kernel: String,
    pub index_bytes: f64,
    pub journal_mode: String,
    pub page_size: f64,
    pub cache_size_kib: f64,
    pub mmap_size: f64,
}

impl ToJs for Info {
    type Js = InfoOutput;
    fn into_js(self, _: &Slot) -> napi::Result<InfoOutput> {
        Ok(InfoOutput {
            kernel: self.kernel.into(),
            index_bytes: self.index_bytes as f64,
            journal_mode: self.journal_mode,
            page_size: self.page_size as f64,
            cache_size_kib: self.cache_size_kib as f64,
            mmap_size: self.mmap_size as f64,
        })
    }
}

#[napi(object)]
pub struct CompactOutput {
    pub before: f64,
    pub after: f64,
}

impl ToJs for Compaction {
    type Js = CompactOutput;
    fn into_js(self, _: &Slot) -> napi::Result<CompactOutput> {
        Ok(CompactOutput { before: self.before as f64, after: self.after as f64 })
    }
}

/// Export: the file's bytes.
pub struct Bytes(pub Vec<u8>);

impl ToJs for Bytes {
    type Js = Buffer;
    fn into_js(self, _: &Slot) -> napi::Result<Buffer> {
        Ok(Buffer::from(self.0))
    }
}

/// Search results as the wasm binding returns them.
#[napi(object)]
pub struct SearchOutput {
    pub ids: Vec<String>,
    pub scores: Float64Array,
    pub dimension: u32,
    pub embeddings: Option<Float32Array>,
    /// Stored JSON text per hit (`null` when the hit has no metadata).
    pub metadata: Vec<Option<String>>,
}

impl ToJs for Hits {
    type Js = SearchOutput;
    fn into_js(self, _: &Slot) -> napi::Result<SearchOutput> {
        Ok(SearchOutput {
            ids: self.ids,
            scores: Float64Array::new(self.scores.into_iter().map(f64::from).collect()),
            dimension: self.dimension as u32,
            embeddings: self.embeddings.map(Float32Array::new),
            metadata: self.metadata,
        })
    }
}

#[napi(object)]
pub struct RecordOutput {
    pub id: String,
    pub embedding: Float32Array,
    /// Stored JSON text, `null` when the vector has no metadata.
    pub metadata: Option<String>,
    pub timestamp: f64,
}

impl ToJs for Option<StoredVector> {
    type Js = Option<RecordOutput>;
    fn into_js(self, _: &Slot) -> napi::Result<Option<RecordOutput>> {
        Ok(self.map(|r| RecordOutput {
            id: r.id,
            embedding: Float32Array::new(r.embedding),
            metadata: r.metadata,
            timestamp: r.timestamp as f64,
        }))
    }
}
