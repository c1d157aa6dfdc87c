//! The parity script of `tests/parity/cases.mjs`, run through the native Rust API.
//!
//! ```sh
//! cargo run --example parity -- script.json results.json
//! ```
//!
//! `script.json` is `{ vectors, searches, errors }` as written by tests/parity/parity.test.mjs;
//! `results.json` gets `{ searches: [{ids, scores}], errors: [{name, code}], count,
//! exportedBytes }`, the same shape as the JS runner's, for the test to compare.

use serde_json::{json, Value};
use sqlite_vector::{Config, Error, NewVector, SearchOptions, VectorDb};

/// A vector from the script: numbers, or the tokens "NaN", "Infinity", "-Infinity".
fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .expect("a vector is an array")
        .iter()
        .map(|x| match x {
            Value::String(s) if s == "NaN" => f32::NAN,
            Value::String(s) if s == "Infinity" => f32::INFINITY,
            Value::String(s) if s == "-Infinity" => f32::NEG_INFINITY,
            x => x.as_f64().expect("a number") as f32,
        })
        .collect()
}

fn vector(v: &Value) -> NewVector {
    NewVector {
        id: v.get("id").and_then(Value::as_str).map(str::to_string),
        embedding: floats(&v["embedding"]),
        metadata: v.get("metadata").filter(|m| !m.is_null()).cloned(),
    }
}

fn options(o: &Value) -> Result<SearchOptions, Error> {
    Ok(SearchOptions {
        metric: o.get("metric").and_then(Value::as_str).map(str::parse).transpose()?,
        threshold: o.get("threshold").and_then(Value::as_f64),
        filter: o.get("filter").cloned(),
        include_embedding: false,
        exact: o.get("exact").and_then(Value::as_bool).unwrap_or(false),
        rescore: o.get("rescore").and_then(Value::as_u64).map(|r| r as usize),
        ef: None,
    })
}

fn import_bytes(kind: &str, exported: &[u8]) -> Vec<u8> {
    match kind {
        "junk" => "this is not a database, just some text. ".repeat(40).into_bytes(),
        "header" => {
            let mut b = vec![0u8; 4096];
            b[..16].copy_from_slice(b"SQLite format 3\0");
            b
        }
        _ => exported[..exported.len() / 2].to_vec(),
    }
}

fn run_case(db: &mut VectorDb, c: &Value, exported: &[u8]) -> Result<(), Error> {
    match c["op"].as_str().unwrap() {
        "insert" => db.insert_batch(c["vectors"].as_array().unwrap().iter().map(vector).collect()).map(drop),
        "search" => {
            let k = c["k"].as_u64().unwrap() as usize;
            db.search(&floats(&c["query"]), k, &options(&c["options"])?).map(drop)
        }
        "get" => db.get(c["id"].as_str().unwrap()).map(drop),
        "delete" => db.delete(c["id"].as_str().unwrap()).map(drop),
        "open" => {
            let mut config: Config = serde_json::from_value(c["config"].clone()).unwrap();
            config.path = ":memory:".into();
            VectorDb::open(config).map(drop)
        }
        "import" => VectorDb::import(Config::default(), &import_bytes(c["data"].as_str().unwrap(), exported))
            .map(drop),
        op => panic!("unknown op {op}"),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = &args[..] else {
        return Err("usage: parity <script.json> <results.json>".into());
    };
    let script: Value = serde_json::from_str(&std::fs::read_to_string(input)?)?;
    let path = script.get("path").and_then(Value::as_str).unwrap_or(":memory:");

    let mut db = VectorDb::open(Config::new(path))?;
    db.insert_batch(script["vectors"].as_array().unwrap().iter().map(vector).collect())?;
    let mut searches = Vec::new();
    for s in script["searches"].as_array().unwrap() {
        let hits =
            db.search(&floats(&s["query"]), s["k"].as_u64().unwrap() as usize, &options(&s["options"])?)?;
        searches.push(json!({
            "ids": hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
            "scores": hits.iter().map(|h| h.score).collect::<Vec<_>>(),
        }));
    }
    let mut indexed = serde_json::Map::new();
    for index in script["indexes"].as_array().unwrap() {
        let q = index["name"].as_str().unwrap();
        db.create_index(&serde_json::from_value(index["options"].clone())?)?;
        let run = |exact: bool| -> Result<Vec<Value>, Error> {
            let mut out = Vec::new();
            for s in script["indexed"].as_array().unwrap() {
                let mut options = options(&s["options"])?;
                options.exact = exact;
                let hits = db.search(&floats(&s["query"]), s["k"].as_u64().unwrap() as usize, &options)?;
                out.push(json!({
                    "ids": hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
                    "scores": hits.iter().map(|h| h.score).collect::<Vec<_>>(),
                }));
            }
            Ok(out)
        };
        let (exact, approx) = (run(true)?, run(false)?);
        indexed.insert(q.into(), json!({ "exact": exact, "approx": approx }));
        db.drop_index()?;
    }
    let exported = db.export()?;
    let mut errors = Vec::new();
    for c in script["errors"].as_array().unwrap() {
        let code = match run_case(&mut db, c, &exported) {
            Ok(()) => "OK",
            Err(e) => e.code(),
        };
        errors.push(json!({ "name": c["name"], "code": code }));
    }
    let count = db.stats()?.count;
    db.close()?;
    let closed = match db.search(&floats(&script["searches"][0]["query"]), 1, &SearchOptions::default()) {
        Ok(_) => "OK",
        Err(e) => e.code(),
    };
    errors.push(json!({ "name": "search after close", "code": closed }));
    let results = json!({ "searches": searches, "indexed": indexed, "errors": errors, "count": count, "exportedBytes": exported.len() });
    std::fs::write(output, serde_json::to_string(&results)?)?;
    Ok(())
}
