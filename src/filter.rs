//! Metadata filters: a JSON object of `field: value` conditions, compiled once per search
//! into a [`Filter`] that the attribute index ([`crate::attributes`]) turns into candidate
//! rows without touching SQLite or JSON text. [`Filter::matches`] is the same semantics on
//! one parsed object (the definition the index is tested against).
//!
//! Semantics (Mongo-like, API.md): `{f: v}` equality on JSON values (a `null` also matches a
//! missing field; numbers compare by value, objects regardless of key order);
//! `{f: {$in: [..]}}`, `$nin`, `$ne` (also matches a missing field), `$gt/$gte/$lt/$lte` on
//! numbers or strings (strings by code point; a field of another type never matches).
//! Dotted paths (`"a.b"`) reach nested fields through objects only. Several operators on
//! one field all apply.

use crate::error::{Error, Result};
use crate::metadata::type_name;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// A compiled filter: every condition must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub conditions: Vec<Condition>,
}

/// One condition on the value at `path` (object keys, outermost first).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub path: Vec<String>,
    pub test: Test,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Eq(Value),
    Ne(Value),
    In(Vec<Value>),
    Nin(Vec<Value>),
    Range(Ordering, bool, Bound),
}

/// The operand of a range operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    Number(f64),
    Text(String),
}

impl Test {
    /// Whether `value` (`None`: missing) passes.
    pub fn passes(&self, value: Option<&Value>) -> bool {
        match self {
            Test::Eq(t) => equals(value, t),
            Test::Ne(t) => !equals(value, t),
            Test::In(ts) => ts.iter().any(|t| equals(value, t)),
            Test::Nin(ts) => !ts.iter().any(|t| equals(value, t)),
            Test::Range(side, inclusive, bound) => {
                let ord = match (value, bound) {
                    (Some(Value::Number(n)), Bound::Number(b)) => n.as_f64().and_then(|n| n.partial_cmp(b)),
                    (Some(Value::String(s)), Bound::Text(b)) => Some(s.as_str().cmp(b.as_str())),
                    _ => None,
                };
                ord.is_some_and(|o| o == *side || (*inclusive && o == Ordering::Equal))
            }
        }
    }
}

impl Filter {
    /// Whether one row's metadata (`None`: it has none) satisfies every condition.
    pub fn matches(&self, metadata: Option<&Map<String, Value>>) -> bool {
        self.conditions.iter().all(|c| c.test.passes(lookup(metadata, &c.path)))
    }
}

/// The value at a path, descending through objects only.
pub fn lookup<'a>(metadata: Option<&'a Map<String, Value>>, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut cur = metadata?.get(first)?;
    for seg in rest {
        cur = cur.as_object()?.get(seg)?;
    }
    Some(cur)
}

/// Equality as API.md defines it: `null` matches missing or null.
fn equals(value: Option<&Value>, target: &Value) -> bool {
    match (value, target) {
        (None, Value::Null) => true,
        (None, _) => false,
        (Some(v), t) => json_equal(v, t),
    }
}

/// Structural equality; numbers by value, objects regardless of key order.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Compiles a filter object. An empty object matches every row.
pub fn compile(filter: &Value) -> Result<Filter> {
    let Value::Object(fields) = filter else {
        return Err(bad(format!("filter must be an object, got {}", type_name(filter))));
    };
    let mut conditions = Vec::new();
    for (field, cond) in fields {
        if field.starts_with('$') {
            return Err(bad(format!("unknown top-level operator {field:?}")));
        }
        let path = field_path(field)?;
        let ops = match cond {
            Value::Object(m) if m.keys().any(|k| k.starts_with('$')) => m,
            other => {
                conditions.push(Condition { path, test: Test::Eq(other.clone()) });
                continue;
            }
        };
        if ops.keys().any(|k| !k.starts_with('$')) {
            return Err(bad(format!("operator object for {field:?} mixes operators and fields")));
        }
        for (op, arg) in ops {
            conditions.push(Condition { path: path.clone(), test: operator(op, arg)? });
        }
    }
    Ok(Filter { conditions })
}

fn operator(op: &str, arg: &Value) -> Result<Test> {
    Ok(match op {
        "$eq" => Test::Eq(arg.clone()),
        "$ne" => Test::Ne(arg.clone()),
        "$in" | "$nin" => {
            let Value::Array(items) = arg else {
                return Err(bad(format!("{op} needs an array, got {}", type_name(arg))));
            };
            if op == "$in" {
                Test::In(items.clone())
            } else {
                Test::Nin(items.clone())
            }
        }
        "$gt" | "$gte" | "$lt" | "$lte" => {
            let bound = match arg {
                Value::Number(n) => Bound::Number(n.as_f64().unwrap_or(f64::NAN)),
                Value::String(s) => Bound::Text(s.clone()),
                other => {
                    return Err(bad(format!("{op} needs a number or a string, got {}", type_name(other))))
                }
            };
            let side = if op.starts_with("$g") { Ordering::Greater } else { Ordering::Less };
            Test::Range(side, op.ends_with('e'), bound)
        }
        other => {
            return Err(bad(format!(
                "unknown filter operator {other:?} (expected $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte)"
            )))
        }
    })
}

/// `"a.b"` -> `["a", "b"]`. Segments must be non-empty and free of `"`, `\` and control
/// characters.
fn field_path(field: &str) -> Result<Vec<String>> {
    field
        .split('.')
        .map(|seg| {
            if seg.is_empty() || seg.contains('"') || seg.contains('\\') || seg.chars().any(char::is_control)
            {
                Err(bad(format!("bad field path {field:?}")))
            } else {
                Ok(seg.to_string())
            }
        })
        .collect()
}

fn bad(message: String) -> Error {
    Error::InvalidArgument(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn semantics_on_one_row() {
        let row = m(json!({"a": {"b": 2}, "n": 1.0, "s": "é", "t": true, "z": null, "l": [1, {"x": 1}]}));
        let yes = |f: Value| compile(&f).unwrap().matches(Some(&row));
        assert!(yes(json!({"a.b": 2, "n": 1})));
        assert!(yes(json!({"a": {"b": 2.0}, "l": [1.0, {"x": 1}]})));
        assert!(yes(json!({"missing": null, "z": null})));
        assert!(!yes(json!({"z": {"$ne": null}})));
        assert!(yes(json!({"missing": {"$ne": 3}, "n": {"$nin": [2, "1"]}})));
        assert!(yes(json!({"s": {"$gt": "e", "$lte": "é"}, "n": {"$gte": 1, "$lt": 1.5}})));
        assert!(!yes(json!({"t": 1})));
        assert!(!yes(json!({"s": {"$gt": 0}})));
        assert!(!yes(json!({"l.0": 1})), "arrays are not descended into");
        assert!(yes(json!({})));
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
