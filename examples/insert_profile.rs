//! Where native batch insert time goes (100k × 128 into a file): a quick breakdown.
//!   cargo run --release --example insert_profile
use sqlite_vector::{Config, NewVector, VectorDb};
use std::time::Instant;

fn main() {
    let n = 100_000;
    let dim = 128;
    let mut seed = 42u64;
    let mut rand = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let vectors: Vec<NewVector> =
        (0..n).map(|i| NewVector::new(format!("v{i}"), (0..dim).map(|_| rand()).collect())).collect();
    let dir = std::env::temp_dir().join(format!("sv-insert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, gen_ids) in [("given ids", false), ("generated ids", true)] {
        let path = dir.join(format!("{name}.db"));
        let mut db = VectorDb::open(Config::new(path.to_string_lossy())).unwrap();
        let batch: Vec<NewVector> = vectors
            .iter()
            .map(|v| NewVector { id: if gen_ids { None } else { v.id.clone() }, ..v.clone() })
            .collect();
        let t = Instant::now();
        db.insert_batch(batch).unwrap();
        let s = t.elapsed().as_secs_f64();
        println!("{name}: {:.0} vectors/s ({:.1} ms)", n as f64 / s, s * 1e3);
    }
    std::fs::remove_dir_all(&dir).ok();
}
