//! Conversions across the JS boundary, and errors as JS `Error`s carrying API.md's `code`.

use crate::js_input::SearchOptionsInput;
use crate::{Config, Error, SearchOptions, Selection};
use js_sys::Reflect;
use serde::Serialize;
use wasm_bindgen::prelude::*;

pub type JsResult<T> = Result<T, JsValue>;

/// A JS `Error` named `VectorDBError` with `.code` set to the error's API.md code, so that
/// binding methods end in `?`.
impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        let err = js_sys::Error::new(&e.to_string());
        err.set_name("VectorDBError");
        let _ = Reflect::set(&err, &"code".into(), &e.code().into());
        err.into()
    }
}

pub fn invalid_argument(message: &str) -> JsValue {
    Error::InvalidArgument(message.to_string()).into()
}

/// Serializes plain data (objects as JS objects, not Maps).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&ser).map_err(|e| Error::Internal(e.to_string()).into())
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

/// Metadata as JSON text (the client stringifies it), or null/undefined for none. The
/// core checks that the text is one JSON object.
pub fn metadata(value: JsValue) -> JsResult<Option<String>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_string() {
        Some(text) => Ok(Some(text)),
        None => Err(invalid_argument("metadata must be sent as JSON text")),
    }
}

/// `k` must be a positive integer (as a JS number).
pub fn k(value: &JsValue) -> JsResult<usize> {
    Ok(crate::js_input::k_from_f64(value.as_f64().unwrap_or(f64::NAN))?)
}

pub fn search_options(value: JsValue) -> JsResult<SearchOptions> {
    let o: SearchOptionsInput = if value.is_undefined() || value.is_null() {
        SearchOptionsInput::default()
    } else {
        serde_wasm_bindgen::from_value(value)
            .map_err(|e| invalid_argument(&format!("bad search options: {e}")))?
    };
    Ok(o.into_options()?)
}

/// `deleteMany`'s selection: `ids` an array of ids or null, `filter` an object or null.
pub fn selection(ids: JsValue, filter: JsValue) -> JsResult<Selection> {
    let absent = |v: &JsValue| v.is_undefined() || v.is_null();
    let ids = if absent(&ids) {
        None
    } else if js_sys::Array::is_array(&ids) {
        Some(js_sys::Array::from(&ids).iter().map(|v| id(&v)).collect::<JsResult<Vec<_>>>()?)
    } else {
        return Err(invalid_argument("ids must be an array of ids"));
    };
    let filter = if absent(&filter) {
        None
    } else {
        Some(
            serde_wasm_bindgen::from_value(filter)
                .map_err(|e| invalid_argument(&format!("bad filter: {e}")))?,
        )
    };
    Ok(Selection { ids, filter })
}
