//! The wasm-bindgen surface: a thin skin over [`crate::VectorDb`]. The worker (browser) and
//! the Node entry (in process) call these; all database logic stays in the core.

mod convert;
pub mod opfs;

use crate::{Config, Floats, Packed, VectorDb};
use convert::{js_error, to_js, JsResult};
use js_sys::{Array, Float32Array, Float64Array, Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The database as JavaScript sees it.
#[wasm_bindgen(js_name = WasmVectorDb)]
pub struct WasmVectorDb {
    db: VectorDb,
    /// Held while the database lives in OPFS; paused on close to release the files.
    pool: Option<opfs::Pool>,
}

/// Opens a database. `persist: true` (dedicated worker only) stores it in OPFS; otherwise it
/// lives on SQLite's in-memory VFS and is gone when the process ends. With `data` (an
/// exported file), the database is created from those bytes (see [`VectorDb::import`]).
#[wasm_bindgen(js_name = openDatabase)]
pub async fn open_database(config: JsValue, persist: bool, data: Option<Vec<u8>>) -> JsResult<WasmVectorDb> {
    let config: Config = convert::config(config)?;
    let open = |config: Config, vfs: Option<&str>, persistent: bool| match &data {
        Some(bytes) => VectorDb::import_with_vfs(config, bytes, vfs, persistent),
        None => VectorDb::open_with_vfs(config, vfs, persistent),
    };
    if persist && config.path != crate::MEMORY_PATH {
        let pool = opfs::Pool::install(&config.path).await?;
        match open(config, Some(pool.vfs_name()), true) {
            Ok(db) => Ok(WasmVectorDb { db, pool: Some(pool) }),
            Err(e) => {
                pool.release();
                Err(js_error(&e))
            }
        }
    } else {
        let db = open(config, None, false).map_err(|e| js_error(&e))?;
        Ok(WasmVectorDb { db, pool: None })
    }
}

#[wasm_bindgen(js_class = WasmVectorDb)]
impl WasmVectorDb {
    /// Inserts a packed batch: `ids[i]` (string or null), the vectors concatenated in `flat`
    /// with their lengths in `lengths`, `metadata[i]` (JSON text or null).
    /// Returns the ids. One transaction: all or nothing.
    ///
    /// `flat` stays in JS memory: the core copies it, a segment at a time, straight into
    /// the search arena, so wasm memory never holds the batch twice (it cannot shrink again).
    #[wasm_bindgen(js_name = insertBatch)]
    pub fn insert_batch(
        &mut self,
        ids: Array,
        flat: Float32Array,
        lengths: &[u32],
        metadata: Array,
    ) -> JsResult<Array> {
        let n = lengths.len();
        if ids.length() as usize != n || metadata.length() as usize != n {
            return Err(convert::invalid_argument(
                "ids, lengths and metadata must have one entry per vector",
            ));
        }
        let ids = ids.iter().map(convert::optional_id).collect::<JsResult<Vec<_>>>()?;
        let metadata = metadata.iter().map(convert::metadata).collect::<JsResult<Vec<_>>>()?;
        let source = Packed::new(flat, lengths).map_err(|e| js_error(&e))?;
        let out = self.db.insert_packed(&source, ids, metadata).map_err(|e| js_error(&e))?;
        Ok(out.into_iter().map(JsValue::from).collect())
    }

    /// Searches. Returns `{ ids, scores: Float64Array, dimension, embeddings: Float32Array |
    /// null (k rows packed), metadata: (object|undefined)[] }` — packed so the worker can
    /// transfer the buffers instead of copying them.
    pub fn search(&self, query: &[f32], k: JsValue, options: JsValue) -> JsResult<Object> {
        let k = convert::k(&k)?;
        let options = convert::search_options(options)?;
        let hits = self.db.search(query, k, &options).map_err(|e| js_error(&e))?;
        let ids = Array::new_with_length(hits.len() as u32);
        let scores = Float64Array::new_with_length(hits.len() as u32);
        let metadata = Array::new_with_length(hits.len() as u32);
        let dim = self.db.dimension().unwrap_or(0);
        let mut packed = Vec::with_capacity(if options.include_embedding { hits.len() * dim } else { 0 });
        for (i, hit) in hits.iter().enumerate() {
            ids.set(i as u32, JsValue::from_str(&hit.id));
            scores.set_index(i as u32, f64::from(hit.score));
            if let Some(m) = &hit.metadata {
                metadata.set(i as u32, to_js(m)?);
            }
            if let Some(e) = &hit.embedding {
                packed.extend_from_slice(e);
            }
        }
        let out = Object::new();
        set(&out, "ids", &ids)?;
        set(&out, "scores", &scores)?;
        set(&out, "dimension", &JsValue::from(dim as u32))?;
        let embeddings =
            if options.include_embedding { Float32Array::from(&packed[..]).into() } else { JsValue::NULL };
        set(&out, "embeddings", &embeddings)?;
        set(&out, "metadata", &metadata)?;
        Ok(out)
    }

    /// `{ id, embedding: Float32Array, metadata?, timestamp }` or `null`.
    pub fn get(&self, id: JsValue) -> JsResult<JsValue> {
        let id = convert::id(&id)?;
        let Some(record) = self.db.get(&id).map_err(|e| js_error(&e))? else { return Ok(JsValue::NULL) };
        let out = Object::new();
        set(&out, "id", &JsValue::from_str(&record.id))?;
        set(&out, "embedding", &Float32Array::from(&record.embedding[..]))?;
        if let Some(m) = &record.metadata {
            set(&out, "metadata", &to_js(m)?)?;
        }
        set(&out, "timestamp", &JsValue::from(record.timestamp as f64))?;
        Ok(out.into())
    }

    /// `true` when a vector was deleted.
    pub fn delete(&mut self, id: JsValue) -> JsResult<bool> {
        let id = convert::id(&id)?;
        self.db.delete(&id).map_err(|e| js_error(&e))
    }

    /// `{ count, dimension, size, backend, path, persistent }`.
    pub fn stats(&self) -> JsResult<JsValue> {
        to_js(&self.db.stats().map_err(|e| js_error(&e))?)
    }

    /// The whole database file (a consistent snapshot).
    pub fn export(&mut self) -> JsResult<Vec<u8>> {
        self.db.export().map_err(|e| js_error(&e))
    }

    /// Closes the database and releases its OPFS files for other tabs.
    pub fn close(&mut self) -> JsResult<()> {
        let result = self.db.close().map_err(|e| js_error(&e));
        if let Some(pool) = self.pool.take() {
            pool.release();
        }
        result
    }

    /// `{ journalMode, pageSize, cacheSizeKib, mmapSize }`: what SQLite runs with.
    #[wasm_bindgen(js_name = storageSettings)]
    pub fn storage_settings(&self) -> JsResult<JsValue> {
        to_js(&self.db.storage_settings().map_err(|e| js_error(&e))?)
    }

    /// Name of the similarity kernels in use (`simd128` or `scalar`).
    #[wasm_bindgen(js_name = kernelName)]
    pub fn kernel_name(&self) -> String {
        crate::kernels::best().name.to_string()
    }

    /// Bytes of wasm memory held by the search index.
    #[wasm_bindgen(js_name = indexBytes)]
    pub fn index_bytes(&self) -> f64 {
        self.db.index_bytes() as f64
    }
}

/// A batch still in JS memory: the core copies from it a segment at a time.
impl Floats for Float32Array {
    fn float_count(&self) -> usize {
        self.length() as usize
    }
    fn copy_range(&self, start: usize, out: &mut [f32]) {
        self.subarray(start as u32, (start + out.len()) as u32).copy_to(out);
    }
}

fn set(obj: &Object, key: &str, value: &JsValue) -> JsResult<()> {
    Reflect::set(obj, &JsValue::from_str(key), value).map(|_| ())
}
