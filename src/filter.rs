//! Metadata filters: a JSON object of `field: value` conditions compiled into a SQL
//! predicate over the `metadata` column. Values and JSON paths are always bound as
//! parameters; nothing the caller sends is spliced into SQL text.
//!
//! Semantics (Mongo-like): `{f: v}` equality on JSON values (a `null` also matches a
//! missing field); `{f: {$in: [..]}}`, `$nin`, `$ne` (also matches a missing field),
//! `$gt/$gte/$lt/$lte` on numbers or strings (a field of another type never matches).
//! Dotted paths (`"a.b"`) reach nested fields. Several operators on one field all apply.

use crate::error::{Error, Result};
use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value};

/// A compiled filter: a SQL boolean expression and its parameters, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    pub sql: String,
    pub params: Vec<SqlValue>,
}

/// Compiles a filter object. An empty object matches every row.
pub fn compile(filter: &Value) -> Result<Predicate> {
    let Value::Object(fields) = filter else {
        return Err(bad(format!("filter must be an object, got {}", type_name(filter))));
    };
    let mut p = Predicate { sql: String::new(), params: Vec::new() };
    let mut parts = Vec::new();
    for (field, cond) in fields {
        if field.starts_with('$') {
            return Err(bad(format!("unknown top-level operator {field:?}")));
        }
        let path = json_path(field)?;
        parts.push(field_condition(&path, cond, &mut p.params)?);
    }
    p.sql = if parts.is_empty() { "1".into() } else { parts.join(" AND ") };
    Ok(p)
}

fn field_condition(path: &str, cond: &Value, params: &mut Vec<SqlValue>) -> Result<String> {
    let ops = match cond {
        Value::Object(m) if m.keys().any(|k| k.starts_with('$')) => m,
        other => return Ok(equals(path, other, params)),
    };
    if ops.keys().any(|k| !k.starts_with('$')) {
        return Err(bad(format!("operator object for {path:?} mixes operators and fields")));
    }
    let mut parts = Vec::new();
    for (op, arg) in ops {
        parts.push(operator(path, op, arg, params)?);
    }
    Ok(format!("({})", parts.join(" AND ")))
}

fn operator(path: &str, op: &str, arg: &Value, params: &mut Vec<SqlValue>) -> Result<String> {
    match op {
        "$eq" => Ok(equals(path, arg, params)),
        "$ne" => Ok(format!("(COALESCE({}, 0) = 0)", equals(path, arg, params))),
        "$in" | "$nin" => {
            let Value::Array(items) = arg else {
                return Err(bad(format!("{op} needs an array, got {}", type_name(arg))));
            };
            let any = if items.is_empty() {
                "0".to_string()
            } else {
                let alts: Vec<String> = items.iter().map(|v| equals(path, v, params)).collect();
                format!("({})", alts.join(" OR "))
            };
            Ok(if op == "$in" { any } else { format!("(COALESCE({any}, 0) = 0)") })
        }
        "$gt" | "$gte" | "$lt" | "$lte" => {
            let cmp = match op {
                "$gt" => ">",
                "$gte" => ">=",
                "$lt" => "<",
                _ => "<=",
            };
            let types = match arg {
                Value::Number(_) => "('integer','real')",
                Value::String(_) => "('text')",
                other => {
                    return Err(bad(format!("{op} needs a number or a string, got {}", type_name(other))))
                }
            };
            params.push(SqlValue::Text(path.to_string()));
            params.push(SqlValue::Text(path.to_string()));
            params.push(scalar(arg));
            Ok(format!("(json_type(metadata, ?) IN {types} AND json_extract(metadata, ?) {cmp} ?)"))
        }
        other => Err(bad(format!(
            "unknown filter operator {other:?} (expected $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte)"
        ))),
    }
}

/// Equality on a JSON value, typed so that `"1"` never equals `1` and `true` never `1`.
fn equals(path: &str, v: &Value, params: &mut Vec<SqlValue>) -> String {
    let p = || SqlValue::Text(path.to_string());
    match v {
        Value::Null => {
            params.extend([p(), p()]);
            "(json_type(metadata, ?) IS NULL OR json_type(metadata, ?) = 'null')".into()
        }
        Value::Bool(b) => {
            params.push(p());
            format!("(json_type(metadata, ?) = '{}')", if *b { "true" } else { "false" })
        }
        Value::Number(_) => {
            params.extend([p(), p(), scalar(v)]);
            "(json_type(metadata, ?) IN ('integer','real') AND json_extract(metadata, ?) = ?)".into()
        }
        Value::String(_) => {
            params.extend([p(), p(), scalar(v)]);
            "(json_type(metadata, ?) = 'text' AND json_extract(metadata, ?) = ?)".into()
        }
        Value::Array(_) | Value::Object(_) => {
            // Stored metadata is serialized by serde_json with sorted keys, and so is this.
            params.extend([p(), p(), SqlValue::Text(v.to_string())]);
            "(json_type(metadata, ?) IN ('array','object') AND json_extract(metadata, ?) = json(?))".into()
        }
    }
}

fn scalar(v: &Value) -> SqlValue {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

/// `"a.b"` -> `$."a"."b"`. Segments must be non-empty and free of `"` and control chars.
fn json_path(field: &str) -> Result<String> {
    let mut path = String::from("$");
    for seg in field.split('.') {
        if seg.is_empty() || seg.contains('"') || seg.contains('\\') || seg.chars().any(char::is_control) {
            return Err(bad(format!("bad field path {field:?}")));
        }
        path.push_str(".\"");
        path.push_str(seg);
        path.push('"');
    }
    Ok(path)
}

/// Checks that metadata is a JSON object (or absent) and serializes it for storage.
pub fn metadata_json(metadata: Option<&Value>) -> Result<Option<String>> {
    match metadata {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(serde_json::to_string(v)?)),
        Some(other) => Err(bad(format!("metadata must be a JSON object, got {}", type_name(other)))),
    }
}

/// Metadata that arrives as JSON text, in the stored form: it must be one JSON object, and
/// is re-serialized with sorted keys, which object-equality filters rely on.
pub fn metadata_from_text(text: &str) -> Result<Option<String>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::InvalidArgument(format!("metadata is not JSON: {e}")))?;
    metadata_json(Some(&value))
}

/// Parses stored metadata back into an object.
pub fn metadata_from_json(text: Option<String>) -> Result<Option<Map<String, Value>>> {
    match text {
        None => Ok(None),
        Some(t) => match serde_json::from_str(&t) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            Ok(_) | Err(_) => Err(Error::Corrupt("stored metadata is not a JSON object".into())),
        },
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn bad(message: String) -> Error {
    Error::InvalidArgument(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_params_are_bound_not_spliced() {
        let p = compile(&json!({"a.b": "x'; DROP TABLE vectors; --"})).unwrap();
        assert!(!p.sql.contains("DROP"));
        assert_eq!(p.params[0], SqlValue::Text("$.\"a\".\"b\"".into()));
    }

    #[test]
    fn rejects_bad_filters() {
        for f in [
            json!(1),
            json!({"$or": []}),
            json!({"a": {"$regex": "x"}}),
            json!({"a": {"$in": 3}}),
            json!({"a": {"$gt": true}}),
            json!({"a..b": 1}),
            json!({"a": {"$gt": 1, "b": 2}}),
        ] {
            assert_eq!(compile(&f).unwrap_err().code(), "INVALID_ARGUMENT", "{f}");
        }
    }
}
