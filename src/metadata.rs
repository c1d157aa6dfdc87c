//! Metadata: a JSON object per vector, stored as text in `vectors.metadata`.
//!
//! It round-trips exactly (API.md): keys keep the order they were written in (serde_json's
//! `preserve_order`), every double keeps its last digit (`float_roundtrip` parses the text
//! the shortest way back), and integers beyond 2^53 are kept as written in the stored text,
//! so `JSON.parse` on the JS side gives the nearest double, as it would have from the
//! caller's own `JSON.stringify`.

use crate::error::{Error, Result};
use serde_json::{Map, Value};

/// Checks that metadata is a JSON object (or absent) and serializes it for storage.
pub fn to_stored(metadata: Option<&Value>) -> Result<Option<String>> {
    match metadata {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(serde_json::to_string(v)?)),
        Some(other) => {
            Err(Error::InvalidArgument(format!("metadata must be a JSON object, got {}", type_name(other))))
        }
    }
}

/// Metadata that arrives as JSON text (from the JS bindings), checked to be one JSON object
/// and returned with its value. `null` means none.
pub fn from_text(text: &str) -> Result<Option<(String, Map<String, Value>)>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::InvalidArgument(format!("metadata is not JSON: {e}")))?;
    let stored = to_stored(Some(&value))?;
    Ok(stored.map(|s| match value {
        Value::Object(m) => (s, m),
        _ => unreachable!("to_stored accepts only objects"),
    }))
}

/// Metadata given as a value (the Rust API), checked and paired with its stored text.
pub fn from_value(metadata: Option<Value>) -> Result<Option<(String, Map<String, Value>)>> {
    let text = to_stored(metadata.as_ref())?;
    Ok(text.map(|t| match metadata {
        Some(Value::Object(m)) => (t, m),
        _ => unreachable!("to_stored accepts only objects"),
    }))
}

/// Parses stored metadata back into an object.
pub fn parse_stored(text: Option<&str>) -> Result<Option<Map<String, Value>>> {
    match text {
        None => Ok(None),
        Some(t) => match serde_json::from_str(t) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            Ok(_) | Err(_) => Err(Error::Corrupt("stored metadata is not a JSON object".into())),
        },
    }
}

/// "a number", "an object", … for error messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The metadata of a packed batch (JSON object text per vector, `None` for none), parsed
/// once: what the insert and upsert paths of the bindings both take.
pub(crate) fn from_texts(texts: &[Option<String>]) -> Result<crate::db::BatchMetadata> {
    texts.iter().map(|m| Ok(m.as_deref().map(from_text).transpose()?.flatten())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_key_order_doubles_and_big_integers() {
        let text = r#"{"z":1,"a":0.30000000000000004,"m":{"y":true,"b":null},"big":18014398509481985,"neg":-1e-320}"#;
        let (stored, _) = from_text(text).unwrap().unwrap();
        assert_eq!(stored, text);
        assert_eq!(from_text("null").unwrap(), None);
        assert_eq!(from_text("[1]").unwrap_err().code(), "INVALID_ARGUMENT");
        assert_eq!(from_text("{").unwrap_err().code(), "INVALID_ARGUMENT");
    }
}
