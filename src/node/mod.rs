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

mod outputs;

use crate::js_input::{self, SearchOptionsInput};
use crate::{Compaction, Config, Error, Hits, Info, Packed, Selection, Stats, StoredVector, VectorDb};
use napi::bindgen_prelude::*;
use napi::{Env, JsValue, Task};
use napi_derive::napi;
use outputs::Bytes;
pub use outputs::ToJs;
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
            // A panic must not unwind out of here (napi's execute callback cannot unwind: the
            // process would abort). The database it left behind may be half-changed in memory,
            // so it is dropped (its transaction rolls back) and later calls get CLOSED.
            Ok(mut db) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&mut db)))
                .unwrap_or_else(|panic| {
                    db.take();
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Err(Error::Internal(format!("the call panicked ({what}); the database was closed")))
                }),
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

/// `k` and the search options (JSON text) as both search methods take them; thrown
/// synchronously when bad.
fn search_args(env: &Env, k: f64, options_json: Option<&str>) -> napi::Result<(usize, crate::SearchOptions)> {
    let k = js_input::k_from_f64(k).map_err(|e| sync_error(env, e))?;
    let input: SearchOptionsInput = match options_json {
        None => SearchOptionsInput::default(),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| sync_error(env, Error::InvalidArgument(format!("bad search options: {e}"))))?,
    };
    let options = input.into_options().map_err(|e| sync_error(env, e))?;
    Ok((k, options))
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

    /// Syncs every committed write to storage now.
    #[napi]
    pub fn flush(&self) -> AsyncTask<Job<()>> {
        Job::on_db(&self.slot, |db| db.flush())
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
        let (k, options) = search_args(&env, k, options_json.as_deref())?;
        Ok(Job::on_db(&self.slot, move |db| db.search_hits(&query, k, &options)))
    }

    /// [`search`](Self::search) right here on the JS thread when it is quick (a graph walk,
    /// or a scan of at most about a million floats: well under a millisecond), as
    /// hnswlib-node and better-sqlite3 do: a round trip through libuv's thread pool costs
    /// more than such a search (measured: 25 us for `stats()`, 100-150 us for a 10k x 128
    /// graph search that itself takes 35-65 us). `undefined` when it is not quick or the
    /// database is busy: the caller then uses `search`. Errors throw.
    #[napi(js_name = "searchNow")]
    pub fn search_now(
        &self,
        env: Env,
        query: Float32Array,
        k: f64,
        options_json: Option<String>,
    ) -> napi::Result<Option<outputs::SearchOutput>> {
        let (k, options) = search_args(&env, k, options_json.as_deref())?;
        let Ok(mut slot) = self.slot.try_lock() else { return Ok(None) };
        let Some(db) = slot.as_mut() else { return Err(sync_error(&env, Error::Closed)) };
        if !db.is_quick_search(&options) {
            return Ok(None);
        }
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| db.search_hits(&query, k, &options)));
        match result {
            Ok(Ok(hits)) => {
                drop(slot);
                hits.into_js(&self.slot).map(Some)
            }
            Ok(Err(e)) => Err(sync_error(&env, e)),
            Err(_) => {
                slot.take();
                Err(sync_error(&env, Error::Internal("the call panicked; the database was closed".into())))
            }
        }
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
