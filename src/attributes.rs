//! The attribute index: every row's metadata parsed once (at open and on each write) into
//! per-path structures, so that a filter becomes a sorted list of candidate rowids in
//! microseconds instead of SQLite parsing every row's JSON on every search.
//!
//! For each path that holds a value in some row (`"a"`, and `"a.b"` inside objects):
//! - `present`: the rows that have any value there (sorted rowids);
//! - `equal`: a posting list per value (numbers by value, arrays and objects by a canonical
//!   text with sorted keys), for equality and `$in`;
//! - `numbers` and `texts`: the values with their rows, sorted by value, for ranges.
//!
//! Negations (`$ne`, `$nin`, `null` that also matches a missing field) are complements
//! against `live`, every row's rowid. Rowids only grow, so appending keeps lists sorted.

use crate::filter::{Bound, Filter, Test};
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::HashMap;

/// A value as an equality key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Null,
    Bool(bool),
    /// f64 bits, with -0 as 0.
    Number(u64),
    Text(Box<str>),
    /// Arrays and objects: canonical JSON text (sorted keys, numbers as f64).
    Json(Box<str>),
}

impl Key {
    fn of(v: &Value) -> Key {
        match v {
            Value::Null => Key::Null,
            Value::Bool(b) => Key::Bool(*b),
            Value::Number(n) => Key::Number(number_bits(n.as_f64().unwrap_or(f64::NAN))),
            Value::String(s) => Key::Text(s.as_str().into()),
            other => {
                let mut out = String::new();
                canonical(other, &mut out);
                Key::Json(out.into())
            }
        }
    }
}

fn number_bits(x: f64) -> u64 {
    if x == 0.0 {
        0f64.to_bits()
    } else {
        x.to_bits()
    }
}

fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) => out.push_str(&format!("{:?}", n.as_f64().unwrap_or(f64::NAN) + 0.0)),
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(&m[k], out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[derive(Default)]
struct PathValues {
    present: Vec<i64>,
    equal: HashMap<Key, Vec<i64>>,
    numbers: Vec<(f64, i64)>,
    texts: Vec<(Box<str>, i64)>,
}

/// See the module docs.
#[derive(Default)]
pub struct AttributeIndex {
    live: Vec<i64>,
    /// Keyed by the path's segments joined with `\0` (filters never address a key with a
    /// control character, so such keys are not indexed).
    paths: HashMap<String, PathValues>,
    /// Paths whose range lists got values out of order since the last sort.
    unsorted: bool,
}

impl AttributeIndex {
    pub fn new() -> Self {
        AttributeIndex::default()
    }

    /// Adds a committed row. Rows arrive in increasing rowid order (inserts only append).
    pub fn add(&mut self, rowid: i64, metadata: Option<&Map<String, Value>>) {
        debug_assert!(self.live.last().is_none_or(|&last| last < rowid));
        self.live.push(rowid);
        if let Some(m) = metadata {
            let mut path = String::new();
            self.add_object(rowid, m, &mut path);
        }
    }

    fn add_object(&mut self, rowid: i64, m: &Map<String, Value>, path: &mut String) {
        for (k, v) in m {
            if k.chars().any(char::is_control) {
                continue;
            }
            let len = path.len();
            if len > 0 {
                path.push('\0');
            }
            path.push_str(k);
            let p = self.paths.entry(path.clone()).or_default();
            p.present.push(rowid);
            p.equal.entry(Key::of(v)).or_default().push(rowid);
            match v {
                Value::Number(n) => {
                    let x = n.as_f64().unwrap_or(f64::NAN);
                    self.unsorted |= p.numbers.last().is_some_and(|&(last, _)| last > x);
                    p.numbers.push((x, rowid));
                }
                Value::String(s) => {
                    self.unsorted |= p.texts.last().is_some_and(|(last, _)| **last > **s);
                    p.texts.push((s.as_str().into(), rowid));
                }
                Value::Object(inner) => self.add_object(rowid, inner, path),
                _ => {}
            }
            path.truncate(len);
        }
    }

    /// Sorts the range lists after writes that appended values out of order (once per
    /// batch, not per row).
    pub fn settle(&mut self) {
        if !self.unsorted {
            return;
        }
        for p in self.paths.values_mut() {
            p.numbers.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            p.texts.sort();
        }
        self.unsorted = false;
    }

    /// Removes a committed deletion, given the row's metadata as it was stored.
    pub fn remove(&mut self, rowid: i64, metadata: Option<&Map<String, Value>>) {
        remove_sorted(&mut self.live, rowid);
        if let Some(m) = metadata {
            let mut path = String::new();
            self.remove_object(rowid, m, &mut path);
        }
    }

    fn remove_object(&mut self, rowid: i64, m: &Map<String, Value>, path: &mut String) {
        for (k, v) in m {
            if k.chars().any(char::is_control) {
                continue;
            }
            let len = path.len();
            if len > 0 {
                path.push('\0');
            }
            path.push_str(k);
            if let Some(p) = self.paths.get_mut(path.as_str()) {
                remove_sorted(&mut p.present, rowid);
                let key = Key::of(v);
                if let Some(list) = p.equal.get_mut(&key) {
                    remove_sorted(list, rowid);
                    if list.is_empty() {
                        p.equal.remove(&key);
                    }
                }
                p.numbers.retain(|&(_, r)| r != rowid);
                p.texts.retain(|(_, r)| *r != rowid);
                if p.present.is_empty() {
                    self.paths.remove(path.as_str());
                } else if let Value::Object(inner) = v {
                    self.remove_object(rowid, inner, path);
                }
            }
            path.truncate(len);
        }
    }

    /// The rows that satisfy `filter`, sorted by rowid; `None` when it restricts nothing.
    pub fn candidates(&self, filter: &Filter) -> Option<Vec<i64>> {
        debug_assert!(!self.unsorted, "settle() after writes");
        let mut sets: Vec<Vec<i64>> =
            filter.conditions.iter().map(|c| self.rows_passing(&c.path.join("\0"), &c.test)).collect();
        sets.sort_by_key(Vec::len);
        let mut sets = sets.into_iter();
        let first = sets.next()?;
        Some(sets.fold(first, |acc, s| intersect(&acc, &s)))
    }

    fn rows_passing(&self, path: &str, test: &Test) -> Vec<i64> {
        let values = self.paths.get(path);
        let equal = |t: &Value| -> Vec<i64> {
            let hits = values.and_then(|p| p.equal.get(&Key::of(t))).cloned().unwrap_or_default();
            if t.is_null() {
                // null also matches rows without the field.
                let absent = values.map_or_else(|| self.live.clone(), |p| difference(&self.live, &p.present));
                union(&hits, &absent)
            } else {
                hits
            }
        };
        match test {
            Test::Eq(t) => equal(t),
            Test::Ne(t) => difference(&self.live, &equal(t)),
            Test::In(ts) => ts.iter().fold(Vec::new(), |acc, t| union(&acc, &equal(t))),
            Test::Nin(ts) => {
                difference(&self.live, &ts.iter().fold(Vec::new(), |acc, t| union(&acc, &equal(t))))
            }
            Test::Range(side, inclusive, bound) => {
                let Some(p) = values else { return Vec::new() };
                let keep = |o: Ordering| o == *side || (*inclusive && o == Ordering::Equal);
                let mut rows: Vec<i64> = match bound {
                    Bound::Number(b) => range(&p.numbers, |x| x.0.partial_cmp(b), keep),
                    Bound::Text(b) => range(&p.texts, |x| Some((*x.0).cmp(b.as_str())), keep),
                };
                rows.sort_unstable();
                rows
            }
        }
    }

    /// Bytes held (an estimate, for stats).
    pub fn heap_bytes(&self) -> usize {
        let lists: usize = self
            .paths
            .iter()
            .map(|(k, p)| {
                k.len()
                    + p.present.capacity() * 8
                    + p.numbers.capacity() * 16
                    + p.texts.iter().map(|(t, _)| t.len() + 24).sum::<usize>()
                    + p.equal.values().map(|l| l.capacity() * 8 + 48).sum::<usize>()
            })
            .sum();
        self.live.capacity() * 8 + lists
    }
}

/// The rows of a value-sorted list whose value compares as `keep` wants against the bound
/// (`cmp` orders an entry against it). The list is sorted, so the kept entries are one run.
fn range<T>(
    list: &[(T, i64)],
    cmp: impl Fn(&(T, i64)) -> Option<Ordering>,
    keep: impl Fn(Ordering) -> bool,
) -> Vec<i64> {
    // Entries below, equal to and above the bound form three runs (NaN never occurs in JSON).
    let below = list.partition_point(|x| cmp(x) == Some(Ordering::Less));
    let not_above = list.partition_point(|x| cmp(x) != Some(Ordering::Greater));
    let mut out = Vec::new();
    for (run, o) in [
        (0..below, Ordering::Less),
        (below..not_above, Ordering::Equal),
        (not_above..list.len(), Ordering::Greater),
    ] {
        if keep(o) {
            out.extend(list[run].iter().map(|x| x.1));
        }
    }
    out
}

fn remove_sorted(list: &mut Vec<i64>, rowid: i64) {
    if let Ok(i) = list.binary_search(&rowid) {
        list.remove(i);
    }
}

fn intersect(a: &[i64], b: &[i64]) -> Vec<i64> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::with_capacity(small.len());
    let mut rest = large;
    for &x in small {
        let i = rest.partition_point(|&y| y < x);
        if i < rest.len() && rest[i] == x {
            out.push(x);
        }
        rest = &rest[i..];
    }
    out
}

fn union(a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn difference(a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(a.len().saturating_sub(b.len()));
    let mut j = 0;
    for &x in a {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        if j >= b.len() || b[j] != x {
            out.push(x);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::compile;
    use serde_json::json;

    /// A small seeded generator (tests only).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
            &xs[(self.next() % xs.len() as u64) as usize]
        }
    }

    fn random_value(rng: &mut Rng, depth: u32) -> Value {
        let scalars = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(1),
            json!(1.0),
            json!(-0.0),
            json!(2.5),
            json!(3),
            json!(-7),
            json!("a"),
            json!("b"),
            json!("é"),
            json!(""),
            json!([1, 2]),
            json!([1.0, 2]),
        ];
        if depth < 2 && rng.next().is_multiple_of(4) {
            let mut m = Map::new();
            for _ in 0..rng.next() % 3 {
                m.insert(rng.pick(&["x", "y", "c"]).to_string(), random_value(rng, depth + 1));
            }
            Value::Object(m)
        } else {
            rng.pick(&scalars).clone()
        }
    }

    /// The index gives exactly the rows `Filter::matches` accepts, over random rows and
    /// filters, through inserts and deletes.
    #[test]
    fn candidates_equal_the_row_matcher() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut rows: Vec<(i64, Option<Map<String, Value>>)> = Vec::new();
        let mut index = AttributeIndex::new();
        for rowid in 1..=400 {
            let meta = (!rng.next().is_multiple_of(5)).then(|| {
                let mut m = Map::new();
                for _ in 0..rng.next() % 4 {
                    m.insert(rng.pick(&["c", "x", "y", "s"]).to_string(), random_value(&mut rng, 0));
                }
                m
            });
            index.add(rowid, meta.as_ref());
            rows.push((rowid, meta));
        }
        for _ in 0..150 {
            let i = (rng.next() % rows.len() as u64) as usize;
            let (rowid, meta) = rows.remove(i);
            index.remove(rowid, meta.as_ref());
        }
        index.settle();
        let operands = [
            json!(null),
            json!(1),
            json!(1.0),
            json!("a"),
            json!(true),
            json!([1, 2]),
            json!({"x": 1}),
            json!(2.5),
            json!("é"),
        ];
        let ops = ["$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte"];
        for _ in 0..2000 {
            let mut f = Map::new();
            for _ in 0..1 + rng.next() % 2 {
                let field = rng.pick(&["c", "x", "y", "s", "c.x", "c.y", "x.c", "nope"]).to_string();
                let operand = rng.pick(&operands).clone();
                let cond = match *rng.pick(&ops) {
                    "$eq" if rng.next().is_multiple_of(2) => operand,
                    op @ ("$in" | "$nin") => json!({op: [operand, rng.pick(&operands).clone()]}),
                    op @ ("$gt" | "$gte" | "$lt" | "$lte") => {
                        json!({op: rng.pick(&[json!(0), json!(1), json!(2.5), json!("a"), json!("b")]).clone()})
                    }
                    op => json!({op: operand}),
                };
                f.insert(field, cond);
            }
            let filter = compile(&Value::Object(f.clone())).unwrap();
            let expected: Vec<i64> =
                rows.iter().filter(|(_, m)| filter.matches(m.as_ref())).map(|(r, _)| *r).collect();
            let got = index.candidates(&filter).unwrap_or_else(|| index.live.clone());
            assert_eq!(got, expected, "filter {}", Value::Object(f));
        }
    }
}
