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
//! against `live`, every row's rowid. New rows have the largest rowids, so adding them
//! appends; a replaced row keeps its rowid and goes back in its place.

mod lazy;

pub use lazy::Attributes;

use crate::filter::{Bound, Filter, Test};
use rustc_hash::FxHashMap as HashMap;
use serde_json::{Map, Value};
use std::cmp::Ordering;

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
    /// Rows added out of rowid order (replaced in place) since the last sort: `live` and
    /// the rowid lists of these paths are sorted again by [`settle`](Self::settle).
    out_of_order: Option<std::collections::HashSet<String>>,
}

impl AttributeIndex {
    pub fn new() -> Self {
        AttributeIndex::default()
    }

    /// Adds a committed row: a new one (the largest rowid yet), or a replaced one after
    /// [`remove`](Self::remove). Call [`settle`](Self::settle) once the write's rows are in.
    pub fn add(&mut self, rowid: i64, metadata: Option<&Map<String, Value>>) {
        if self.live.last().is_some_and(|&last| last >= rowid) {
            self.out_of_order.get_or_insert_with(Default::default);
        }
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
            if !self.paths.contains_key(path.as_str()) {
                self.paths.insert(path.clone(), PathValues::default());
            }
            let p = self.paths.get_mut(path.as_str()).expect("inserted above");
            p.present.push(rowid);
            p.equal.entry(Key::of(v)).or_default().push(rowid);
            if let Some(paths) = self.out_of_order.as_mut() {
                paths.insert(path.clone());
            }
            match v {
                Value::Number(n) => {
                    let x = n.as_f64().unwrap_or(f64::NAN);
                    self.unsorted |= p.numbers.last().is_some_and(|&(last, r)| (last, r) > (x, rowid));
                    p.numbers.push((x, rowid));
                }
                Value::String(s) => {
                    self.unsorted |= p.texts.last().is_some_and(|(last, r)| (&**last, *r) > (&**s, rowid));
                    p.texts.push((s.as_str().into(), rowid));
                }
                Value::Object(inner) => self.add_object(rowid, inner, path),
                _ => {}
            }
            path.truncate(len);
        }
    }

    /// Sorts the lists after writes that added rows or values out of order (once per
    /// write, not per row; a stable sort, so a sorted list with a few rows appended costs a
    /// merge).
    pub fn settle(&mut self) {
        if let Some(paths) = self.out_of_order.take() {
            self.live.sort();
            for path in &paths {
                if let Some(p) = self.paths.get_mut(path) {
                    p.present.sort();
                    p.equal.values_mut().for_each(|list| list.sort());
                }
            }
        }
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
        if self.out_of_order.is_some() {
            self.settle(); // the rowid lists are searched
        }
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
                }
                // Nested paths hold the row too, even when this one is now empty.
                if let Value::Object(inner) = v {
                    self.remove_object(rowid, inner, path);
                }
            }
            path.truncate(len);
        }
    }

    /// Removes many committed deletions at once: one pass over every list instead of one
    /// per row (a few rows go through [`remove`](Self::remove)).
    pub fn remove_many(&mut self, rows: &[(i64, Option<Map<String, Value>>)]) {
        if rows.len() <= 16 {
            for (rowid, metadata) in rows {
                self.remove(*rowid, metadata.as_ref());
            }
            return;
        }
        let mut gone: Vec<i64> = rows.iter().map(|r| r.0).collect();
        gone.sort_unstable();
        let kept = |r: &i64| gone.binary_search(r).is_err();
        self.live.retain(kept);
        self.paths.retain(|_, p| {
            p.present.retain(kept);
            p.equal.retain(|_, list| {
                list.retain(kept);
                !list.is_empty()
            });
            p.numbers.retain(|(_, r)| kept(r));
            p.texts.retain(|(_, r)| kept(r));
            !p.present.is_empty()
        });
    }

    /// Gives every row its new rowid (`new_rowid` keeps their order, so every list stays
    /// sorted).
    pub fn renumber(&mut self, new_rowid: &dyn Fn(i64) -> i64) {
        let map = |list: &mut Vec<i64>| list.iter_mut().for_each(|r| *r = new_rowid(*r));
        map(&mut self.live);
        for p in self.paths.values_mut() {
            map(&mut p.present);
            p.equal.values_mut().for_each(map);
            p.numbers.iter_mut().for_each(|x| x.1 = new_rowid(x.1));
            p.texts.iter_mut().for_each(|x| x.1 = new_rowid(x.1));
        }
    }

    /// Every live rowid, sorted.
    pub fn live(&self) -> &[i64] {
        &self.live
    }

    /// The rows that satisfy `filter`, sorted by rowid; `None` when it restricts nothing.
    pub fn candidates(&self, filter: &Filter) -> Option<Vec<i64>> {
        debug_assert!(!self.unsorted && self.out_of_order.is_none(), "settle() after writes");
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
mod tests;
