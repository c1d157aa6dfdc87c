//! The Node-API addon (feature `node`): a thin skin over [`crate::VectorDb`] with the same
//! shape as the wasm binding, so `js/dispatcher.js` drives either one (`js/binding.d.ts`).
//!
//! Every call that touches the database runs on libuv's thread pool (a napi `AsyncTask`),
//! never on the JS thread: a large batch insert or search leaves the event loop free. The
//! database sits behind a mutex; the JS handler already sends one request at a time.
//!
//! Results are the core's shapes as JS objects (the same as the wasm binding's); metadata
//! crosses as JSON text both ways (the JS side stringifies and parses), and search options
//! as JSON text, so both bindings read them with the same serde_json rules. Errors reject
//! with a JS `Error` whose `code` is the API.md code.

use crate::js_input::{self, SearchOptionsInput};
use crate::{Compaction, Config, Error, Hits, Info, Packed, Selection, Stats, StoredVector, VectorDb};
use napi::bindgen_prelude::*;
use napi::{Env, JsValue, Task};
use napi_derive::napi;
use std::sync::{Arc, Mutex};

type Slot = Arc<Mutex<Option<VectorDb>>>;
type Work<T> = Box<dyn FnOnce(&mut Option<VectorDb>) -> crate::Result<T> + Send>;

/// One call, run off the JS thread.
pub struct Job<T: ToJs> {
    slot: Slot,
    work: Option<Work<T>>,
    failure: Option<Error>,
}

impl<T: ToJs> Job<T> {
    fn new(
        slot: Slot,
        work: impl FnOnce(&mut Option<VectorDb>) -> crate::Result<T> + Send + 'static,
    ) -> Self {
        Job { slot, work: Some(Box::new(work)), failure: None }
    }

    /// A job on the open database (`Closed` once it is closed).
    fn on_db(
        slot: &Slot,
        work: impl FnOnce(&mut VectorDb) -> crate::Result<T> + Send + 'static,
    ) -> AsyncTask<Self> {
        AsyncTask::new(Job::new(slot.clone(), move |db| match db.as_mut() {
            Some(db) => work(db),
            None => Err(Error::Closed),
        }))
    }
}

impl<T: ToJs> Task for Job<T> {
    type Output = T;
    type JsValue = T::Js;

    fn compute(&mut self) -> napi::Result<T> {
        let work = self.work.take().expect("a job runs once");
        let result = match self.slot.lock() {
            Ok(mut db) => work(&mut db),
            Err(_) => Err(Error::Internal("an earlier call panicked while holding the database".into())),
        };
        result.map_err(|e| {
            let message = e.to_string();
            self.failure = Some(e);
            napi::Error::from_reason(message)
        })
    }

    fn resolve(&mut self, _env: Env, output: T) -> napi::Result<T::Js> {
        output.into_js(&self.slot)
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<T::Js> {
        Err(match self.failure.take() {
            Some(e) => coded_error(&env, e.code(), &e.to_string()),
            None => coded_error(&env, "INTERNAL", &err.reason),
        })
    }
}

/// A JS `Error` named `VectorDBError` with `.code`.
fn coded_error(env: &Env, code: &str, message: &str) -> napi::Error {
    let build = || -> napi::Result<napi::Error> {
        let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, message))?;
        obj.set("code", code)?;
        obj.set("name", "VectorDBError")?;
        Ok(napi::Error::from(obj.to_unknown()))
    };
    build().unwrap_or_else(|e| e)
}

/// Thrown synchronously (argument shapes checked on the JS thread).
fn sync_error(env: &Env, e: Error) -> napi::Error {
    coded_error(env, e.code(), &e.to_string())
}

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
pub struct Bytes(Vec<u8>);

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

/// Opens (or creates, or imports from `data`) the database described by `configJson`.
#[napi(js_name = "openDatabase")]
pub fn open_database(
    env: Env,
    config_json: String,
    data: Option<Buffer>,
) -> napi::Result<AsyncTask<Job<VectorDb>>> {
    let config: Config = serde_json::from_str(&config_json)
        .map_err(|e| sync_error(&env, Error::InvalidArgument(format!("bad config: {e}"))))?;
    let data = data.map(|d| d.to_vec());
    let slot: Slot = Arc::new(Mutex::new(None));
    Ok(AsyncTask::new(Job::new(slot, move |_| match data {
        Some(bytes) => VectorDb::import(config, &bytes),
        None => VectorDb::open(config),
    })))
}

/// The database as JavaScript sees it (same methods as the wasm binding's `WasmVectorDb`).
#[napi]
pub struct NativeVectorDb {
    slot: Slot,
}

#[napi]
impl NativeVectorDb {
    /// Inserts a packed batch (see the wasm binding): `ids[i]` string or null, vectors
    /// concatenated in `flat` with their `lengths`, `metadata[i]` JSON text or null.
    #[napi]
    pub fn insert_batch(
        &self,
        ids: Vec<Option<String>>,
        flat: Float32Array,
        lengths: Uint32Array,
        metadata: Vec<Option<String>>,
    ) -> AsyncTask<Job<Vec<String>>> {
        // Copied here, on the JS thread (one copy of the batch): the JS side may reuse its
        // buffers once we return.
        let flat = flat.to_vec();
        let lengths = lengths.to_vec();
        Job::on_db(&self.slot, move |db| db.insert_packed(&Packed::new(&flat[..], &lengths)?, ids, metadata))
    }

    /// Inserts or replaces a packed batch (as `insertBatch`; every id is required).
    #[napi]
    pub fn upsert_batch(
        &self,
        ids: Vec<Option<String>>,
        flat: Float32Array,
        lengths: Uint32Array,
        metadata: Vec<Option<String>>,
    ) -> AsyncTask<Job<Vec<String>>> {
        let flat = flat.to_vec();
        let lengths = lengths.to_vec();
        Job::on_db(&self.slot, move |db| db.upsert_packed(&Packed::new(&flat[..], &lengths)?, ids, metadata))
    }

    /// Changes a stored vector: `embedding` (null keeps it), `metadata` as JSON text
    /// (`"null"` removes it; null keeps it).
    #[napi]
    pub fn update(
        &self,
        id: String,
        embedding: Option<Float32Array>,
        metadata: Option<String>,
    ) -> AsyncTask<Job<bool>> {
        let embedding = embedding.map(|e| e.to_vec());
        Job::on_db(&self.slot, move |db| db.update_stored(&id, embedding.as_deref(), metadata.as_deref()))
    }

    /// Deletes the listed ids, the rows matching the filter (JSON text), or both; returns how
    /// many were deleted.
    #[napi]
    pub fn delete_many(
        &self,
        env: Env,
        ids: Option<Vec<String>>,
        filter_json: Option<String>,
    ) -> napi::Result<AsyncTask<Job<f64>>> {
        let filter = filter_json
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| sync_error(&env, Error::InvalidArgument(format!("bad filter: {e}"))))?;
        let selection = Selection { ids, filter };
        Ok(Job::on_db(&self.slot, move |db| db.delete_many(&selection).map(|n| n as f64)))
    }

    /// Returns the space of deleted rows: `{ before, after }` file bytes.
    #[napi]
    pub fn compact(&self) -> AsyncTask<Job<Compaction>> {
        Job::on_db(&self.slot, |db| db.compact())
    }

    /// Exact search; `optionsJson` is the options object as JSON text.
    #[napi]
    pub fn search(
        &self,
        env: Env,
        query: Float32Array,
        k: f64,
        options_json: Option<String>,
    ) -> napi::Result<AsyncTask<Job<Hits>>> {
        let query = query.to_vec();
        let k = js_input::k_from_f64(k).map_err(|e| sync_error(&env, e))?;
        let input: SearchOptionsInput = match options_json.as_deref() {
            None => SearchOptionsInput::default(),
            Some(text) => serde_json::from_str(text)
                .map_err(|e| sync_error(&env, Error::InvalidArgument(format!("bad search options: {e}"))))?,
        };
        let options = input.into_options().map_err(|e| sync_error(&env, e))?;
        Ok(Job::on_db(&self.slot, move |db| db.search_hits(&query, k, &options)))
    }

    #[napi]
    pub fn get(&self, id: String) -> AsyncTask<Job<Option<StoredVector>>> {
        Job::on_db(&self.slot, move |db| db.get_stored(&id))
    }

    #[napi]
    pub fn delete(&self, id: String) -> AsyncTask<Job<bool>> {
        Job::on_db(&self.slot, move |db| db.delete(&id))
    }

    #[napi]
    pub fn stats(&self) -> AsyncTask<Job<Stats>> {
        Job::on_db(&self.slot, |db| db.stats())
    }

    /// The whole database file.
    #[napi]
    pub fn export(&self) -> AsyncTask<Job<Bytes>> {
        Job::on_db(&self.slot, |db| db.export().map(Bytes))
    }

    /// Closes the database and releases the file for other processes.
    #[napi]
    pub fn close(&self) -> AsyncTask<Job<()>> {
        AsyncTask::new(Job::new(self.slot.clone(), |slot| match slot.take() {
            Some(mut db) => db.close(),
            None => Err(Error::Closed),
        }))
    }

    /// Makes the index described by `optionsJson` the database's index.
    #[napi]
    pub fn create_index(&self, env: Env, options_json: String) -> napi::Result<AsyncTask<Job<()>>> {
        let options = serde_json::from_str(&options_json)
            .map_err(|e| Error::InvalidArgument(format!("bad index options: {e}")))
            .and_then(js_input::index_options)
            .map_err(|e| sync_error(&env, e))?;
        Ok(Job::on_db(&self.slot, move |db| db.create_index(&options)))
    }

    /// Back to f32 exact search.
    #[napi]
    pub fn drop_index(&self) -> AsyncTask<Job<()>> {
        Job::on_db(&self.slot, |db| db.drop_index())
    }

    /// `{ kernel, indexBytes, journalMode, pageSize, cacheSizeKib, mmapSize }`.
    #[napi]
    pub fn info(&self) -> AsyncTask<Job<Info>> {
        Job::on_db(&self.slot, |db| db.info())
    }
}
