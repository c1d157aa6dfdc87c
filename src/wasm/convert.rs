//! Conversions across the JS boundary, and errors as JS `Error`s carrying API.md's `code`.

use crate::{Config, Error, Metric, SearchOptions};
use js_sys::Reflect;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

pub type JsResult<T> = Result<T, JsValue>;

/// A JS `Error` with `.code` set to the error's API.md code.
pub fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("VectorDBError");
    let _ = Reflect::set(&err, &"code".into(), &e.code().into());
    err.into()
}

pub fn invalid_argument(message: &str) -> JsValue {
    js_error(&Error::InvalidArgument(message.to_string()))
}

/// Serializes plain data (objects as JS objects, not Maps).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&ser).map_err(|e| js_error(&Error::Internal(e.to_string())))
}

pub fn config(value: JsValue) -> JsResult<Config> {
    if value.is_undefined() || value.is_null() {
        return Ok(Config::default());
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| invalid_argument(&format!("bad config: {e}")))
}

pub fn id(value: &JsValue) -> JsResult<String> {
    match value.as_string() {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(invalid_argument("id must be a non-empty string")),
    }
}

pub fn optional_id(value: JsValue) -> JsResult<Option<String>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    id(&value).map(Some)
}

pub fn metadata(value: JsValue) -> JsResult<Option<serde_json::Value>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() || js_sys::Array::is_array(&value) {
        return Err(invalid_argument("metadata must be a JSON object"));
    }
    serde_wasm_bindgen::from_value(value)
        .map(Some)
        .map_err(|e| invalid_argument(&format!("metadata is not JSON: {e}")))
}

/// `k` must be a positive integer (as a JS number).
pub fn k(value: &JsValue) -> JsResult<usize> {
    match value.as_f64() {
        Some(k) if k >= 1.0 && k.fract() == 0.0 && k.is_finite() => Ok(k.min(usize::MAX as f64) as usize),
        _ => Err(invalid_argument("k must be a positive integer")),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct JsSearchOptions {
    metric: Option<String>,
    threshold: Option<f64>,
    filter: Option<serde_json::Value>,
    include_embedding: Option<bool>,
}

pub fn search_options(value: JsValue) -> JsResult<SearchOptions> {
    let o: JsSearchOptions = if value.is_undefined() || value.is_null() {
        JsSearchOptions::default()
    } else {
        serde_wasm_bindgen::from_value(value)
            .map_err(|e| invalid_argument(&format!("bad search options: {e}")))?
    };
    let metric = o.metric.as_deref().map(str::parse::<Metric>).transpose().map_err(|e| js_error(&e))?;
    Ok(SearchOptions {
        metric,
        threshold: o.threshold,
        filter: o.filter,
        include_embedding: o.include_embedding.unwrap_or(true),
    })
}
