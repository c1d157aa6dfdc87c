//! The wasm-bindgen surface: a thin skin over [`crate::VectorDb`]. The worker (browser) and
//! the Node entry (in process) call these; all database logic stays in the core.

mod convert;
pub mod opfs;

use crate::{Config, Floats, Packed, VectorDb};
use convert::{to_js, JsResult};
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
                Err(e.into())
            }
        }
    } else {
        let db = open(config, None, false)?;
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
        let ids = ids.iter().map(convert::optional_id).collect::<JsResult<Vec<_>>>()?;
        let metadata = metadata.iter().map(convert::metadata).collect::<JsResult<Vec<_>>>()?;
        let out = self.db.insert_packed(&Packed::new(flat, lengths)?, ids, metadata)?;
        Ok(out.into_iter().map(JsValue::from).collect())
    }

    /// Inserts or replaces a packed batch (as `insertBatch`; every id is required). One
    /// transaction: all or nothing.
    #[wasm_bindgen(js_name = upsertBatch)]
    pub fn upsert_batch(
        &mut self,
        ids: Array,
        flat: Float32Array,
        lengths: &[u32],
        metadata: Array,
    ) -> JsResult<Array> {
        let ids = ids.iter().map(convert::optional_id).collect::<JsResult<Vec<_>>>()?;
        let metadata = metadata.iter().map(convert::metadata).collect::<JsResult<Vec<_>>>()?;
        let out = self.db.upsert_packed(&Packed::new(flat, lengths)?, ids, metadata)?;
        Ok(out.into_iter().map(JsValue::from).collect())
    }

    /// Changes a stored vector: `embedding` (or null to keep it), `metadata` as JSON text
    /// (`"null"` removes it; null keeps it). `false` when the id is not stored.
    pub fn update(&mut self, id: JsValue, embedding: Option<Vec<f32>>, metadata: JsValue) -> JsResult<bool> {
        let metadata = convert::metadata(metadata)?;
        Ok(self.db.update_stored(&convert::id(&id)?, embedding.as_deref(), metadata.as_deref())?)
    }

    /// Deletes the listed `ids` (an array, or null), the rows matching `filter` (an object,
    /// or null), or with both the listed ids that match. Returns how many were deleted.
    #[wasm_bindgen(js_name = deleteMany)]
    pub fn delete_many(&mut self, ids: JsValue, filter: JsValue) -> JsResult<f64> {
        Ok(self.db.delete_many(&convert::selection(ids, filter)?)? as f64)
    }

    /// Returns the space of deleted rows: `{ before, after }` file bytes.
    pub fn compact(&mut self) -> JsResult<JsValue> {
        to_js(&self.db.compact()?)
    }

    /// Searches. Returns `{ ids, scores: Float64Array, dimension, embeddings: Float32Array |
    /// null (the hits' vectors end to end), metadata: (string | null)[] (stored JSON text) }`:
    /// packed so the worker can transfer the buffers instead of copying them.
    pub fn search(&self, query: &[f32], k: JsValue, options: JsValue) -> JsResult<Object> {
        let hits = self.db.search_hits(query, convert::k(&k)?, &convert::search_options(options)?)?;
        let out = Object::new();
        set(&out, "ids", &hits.ids.iter().map(|id| JsValue::from_str(id)).collect::<Array>())?;
        let scores: Vec<f64> = hits.scores.iter().map(|&s| f64::from(s)).collect();
        set(&out, "scores", &Float64Array::from(&scores[..]))?;
        set(&out, "dimension", &JsValue::from(hits.dimension as u32))?;
        let embeddings = hits.embeddings.as_deref().map_or(JsValue::NULL, |e| Float32Array::from(e).into());
        set(&out, "embeddings", &embeddings)?;
        set(&out, "metadata", &hits.metadata.iter().map(|m| optional_text(m.as_deref())).collect::<Array>())?;
        Ok(out)
    }

    /// `{ id, embedding: Float32Array, metadata: string | null, timestamp }` or `null`.
    pub fn get(&self, id: JsValue) -> JsResult<JsValue> {
        let Some(v) = self.db.get_stored(&convert::id(&id)?)? else { return Ok(JsValue::NULL) };
        let out = Object::new();
        set(&out, "id", &JsValue::from_str(&v.id))?;
        set(&out, "embedding", &Float32Array::from(&v.embedding[..]))?;
        set(&out, "metadata", &optional_text(v.metadata.as_deref()))?;
        set(&out, "timestamp", &JsValue::from(v.timestamp as f64))?;
        Ok(out.into())
    }

    /// `true` when a vector was deleted.
    pub fn delete(&mut self, id: JsValue) -> JsResult<bool> {
        Ok(self.db.delete(&convert::id(&id)?)?)
    }

    /// `{ count, dimension, size, backend, path, persistent }`.
    pub fn stats(&self) -> JsResult<JsValue> {
        to_js(&self.db.stats()?)
    }

    /// The whole database file (a consistent snapshot).
    pub fn export(&mut self) -> JsResult<Vec<u8>> {
        Ok(self.db.export()?)
    }

    /// Closes the database and releases its OPFS files for other tabs.
    pub fn close(&mut self) -> JsResult<()> {
        let result = self.db.close();
        if let Some(pool) = self.pool.take() {
            pool.release();
        }
        Ok(result?)
    }

    /// Makes `{ type, quantization?, m?, efConstruction? }` the database's index.
    #[wasm_bindgen(js_name = createIndex)]
    pub fn create_index(&mut self, options: JsValue) -> JsResult<()> {
        let options: serde_json::Value = serde_wasm_bindgen::from_value(options)
            .map_err(|e| convert::invalid_argument(&format!("bad index options: {e}")))?;
        Ok(self.db.create_index(&crate::js_input::index_options(options)?)?)
    }

    /// Back to f32 exact search.
    #[wasm_bindgen(js_name = dropIndex)]
    pub fn drop_index(&mut self) -> JsResult<()> {
        Ok(self.db.drop_index()?)
    }

    /// `{ kernel, indexBytes, journalMode, pageSize, cacheSizeKib, mmapSize }`.
    pub fn info(&self) -> JsResult<JsValue> {
        to_js(&self.db.info()?)
    }
}

fn optional_text(text: Option<&str>) -> JsValue {
    text.map_or(JsValue::NULL, JsValue::from_str)
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
