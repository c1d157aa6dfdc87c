//! The attribute index against `Filter::matches` over random rows and filters.

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
/// filters, through inserts, deletes, replacements in place, bulk deletes and renumbering.
#[test]
fn candidates_equal_the_row_matcher() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut rows: Vec<(i64, Option<Map<String, Value>>)> = Vec::new();
    let mut index = AttributeIndex::new();
    for rowid in 1..=400 {
        let meta = random_metadata(&mut rng);
        index.add(rowid, meta.as_ref());
        rows.push((rowid, meta));
    }
    for _ in 0..150 {
        let i = (rng.next() % rows.len() as u64) as usize;
        let (rowid, meta) = rows.remove(i);
        index.remove(rowid, meta.as_ref());
    }
    index.settle();
    check_filters(&index, &rows, &mut rng);

    // Replaced rows keep their rowid (remove, then add again in place); many go at once.
    for _ in 0..100 {
        let i = (rng.next() % rows.len() as u64) as usize;
        let meta = random_metadata(&mut rng);
        index.remove(rows[i].0, rows[i].1.as_ref());
        index.add(rows[i].0, meta.as_ref());
        rows[i].1 = meta;
    }
    let mut gone = Vec::new();
    for _ in 0..60 {
        gone.push(rows.remove((rng.next() % rows.len() as u64) as usize));
    }
    index.remove_many(&gone);
    index.settle();
    check_filters(&index, &rows, &mut rng);

    // Renumbered densely in order (as compact does).
    let old: Vec<i64> = rows.iter().map(|r| r.0).collect();
    index.renumber(&|r| old.binary_search(&r).unwrap() as i64 + 1);
    for (i, row) in rows.iter_mut().enumerate() {
        row.0 = i as i64 + 1;
    }
    check_filters(&index, &rows, &mut rng);
}

fn random_metadata(rng: &mut Rng) -> Option<Map<String, Value>> {
    (!rng.next().is_multiple_of(5)).then(|| {
        let mut m = Map::new();
        for _ in 0..rng.next() % 4 {
            m.insert(rng.pick(&["c", "x", "y", "s"]).to_string(), random_value(rng, 0));
        }
        m
    })
}

/// Random filters: the index's candidates equal the rows `Filter::matches` accepts.
fn check_filters(index: &AttributeIndex, rows: &[(i64, Option<Map<String, Value>>)], rng: &mut Rng) {
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
    for _ in 0..1000 {
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

/// A removed row leaves nothing behind, nested paths included (a path can empty while the
/// paths below it still hold the row).
#[test]
fn removal_clears_nested_paths() {
    let mut index = AttributeIndex::new();
    let nested = json!({"n": {"x": 1, "y": {"z": "a"}}, "g": 2});
    let Value::Object(m) = nested else { unreachable!() };
    index.add(1, Some(&m));
    index.remove(1, Some(&m));
    assert!(index.paths.is_empty() && index.live.is_empty());
    index.add(2, Some(&m));
    index.add(3, Some(&m));
    index.remove_many(&(2..=3).map(|r| (r, Some(m.clone()))).collect::<Vec<_>>());
    assert!(index.paths.is_empty() && index.live.is_empty());
    // Replaced in place by a row without the nested object: it no longer matches.
    index.add(4, Some(&m));
    index.remove(4, Some(&m));
    index.add(4, None);
    let filter = compile(&json!({"n.x": 1})).unwrap();
    assert_eq!(index.candidates(&filter), Some(vec![]));
}
