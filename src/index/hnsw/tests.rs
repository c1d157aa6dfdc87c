//! The graph against brute force, through deletes and a reload.
use super::*;
use crate::index::flat::FlatIndex;
use crate::index::spaces::FlatSpace;

fn data(n: usize, d: usize) -> Vec<Vec<f32>> {
    let mut s = 0x2545_f491_4f6c_dd1du64;
    let mut r = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let centres: Vec<Vec<f32>> = (0..10).map(|_| (0..d).map(|_| r() * 4.0).collect()).collect();
    (0..n).map(|i| centres[i % 10].iter().map(|c| c + r()).collect()).collect()
}

fn truth(arena: &FlatIndex, live: &[i64], q: &[f32], k: usize, allow: impl Fn(i64) -> bool) -> Vec<i64> {
    let qn = crate::index::score::norm(arena.kernels(), q);
    let mut all: Vec<(f32, i64)> = live
        .iter()
        .filter(|&&r| allow(r))
        .map(|&r| (arena.key(Metric::Euclidean, q, qn, r).unwrap(), r))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    all.into_iter().take(k).map(|x| x.1).collect()
}

fn recall(
    g: &Hnsw,
    arena: &FlatIndex,
    live: &[i64],
    queries: &[Vec<f32>],
    allow: &dyn Fn(i64) -> bool,
) -> f64 {
    let space = FlatSpace { index: arena, metric: Metric::Euclidean };
    let (mut hit, mut total) = (0, 0);
    for q in queries {
        let want = truth(arena, live, q, 10, allow);
        let got: Vec<i64> = g.search(&space, q, 64, Some(allow)).into_iter().take(10).map(|x| x.0).collect();
        assert!(got.iter().all(|&r| allow(r)));
        assert_eq!(got.len(), want.len(), "min(k, matches)");
        hit += got.iter().filter(|r| want.contains(r)).count();
        total += want.len();
    }
    hit as f64 / total.max(1) as f64
}

#[test]
fn builds_searches_removes_and_reloads() {
    let (n, d) = (3000, 16);
    let vectors = data(n + 40, d);
    let queries = &vectors[n..];
    let mut arena = FlatIndex::with_capacity(d, n);
    for (i, v) in vectors[..n].iter().enumerate() {
        arena.push(i as i64 + 1, v);
    }
    let params = Params { m: 8, ef_construction: 64, metric: Metric::Euclidean };
    let mut g = Hnsw::new(params);
    let space = FlatSpace { index: &arena, metric: Metric::Euclidean };
    for (i, v) in vectors[..n].iter().enumerate() {
        g.insert(&space, i as i64 + 1, v);
    }
    assert!(g.all_reachable());
    let mut live: Vec<i64> = (1..=n as i64).collect();
    let r = recall(&g, &arena, &live, queries, &|_| true);
    assert!(r >= 0.95, "recall {r}");
    // 1 % and 10 % filters still give min(k, matches), mostly the right ones.
    let r = recall(&g, &arena, &live, queries, &|row| row % 10 == 3);
    assert!(r >= 0.9, "10 % filtered recall {r}");
    let r = recall(&g, &arena, &live, queries, &|row| row % 100 == 7);
    assert!(r >= 0.9, "1 % filtered recall {r}");

    // Delete a third: every live node stays reachable, recall holds.
    g.take_dirty();
    for row in (1..=n as i64).filter(|r| r % 3 == 0) {
        assert!(g.remove(&space, row));
    }
    live.retain(|r| r % 3 != 0);
    assert_eq!(g.len(), live.len());
    assert!(g.all_reachable(), "every live node reachable after deletes");
    let dirty = g.take_dirty();
    assert!(dirty.contains(&3) && dirty.len() > n / 3, "removed and relinked nodes are dirty");
    let r = recall(&g, &arena, &live, queries, &|_| true);
    assert!(r >= 0.93, "recall after deletes {r}");

    // Records round-trip: the reloaded graph answers exactly the same.
    let records: Vec<(i64, Vec<u8>)> = live.iter().map(|&r| (r, g.record(r).unwrap())).collect();
    let back = Hnsw::from_records(params, records.clone()).unwrap();
    for q in queries {
        assert_eq!(back.search(&space, q, 32, None), g.search(&space, q, 32, None));
    }
    // A record that links to a missing node is refused (the caller rebuilds).
    let mut broken = records;
    broken.remove(0);
    assert!(Hnsw::from_records(params, broken).is_none() || live.len() < 2);
}

/// A node with more than `2m` links on layer 0 (a removal links an orphan one over the
/// limit, and a stored graph may hold such records) round-trips through its record, and
/// goes back into the flat table when it shrinks.
#[test]
fn wide_layer_zero_lists_round_trip() {
    let (n, d) = (400, 8);
    let vectors = data(n, d);
    let mut arena = FlatIndex::with_capacity(d, n);
    for (i, v) in vectors.iter().enumerate() {
        arena.push(i as i64 + 1, v);
    }
    let params = Params { m: 4, ef_construction: 32, metric: Metric::Euclidean };
    let mut g = Hnsw::new(params);
    let space = FlatSpace { index: &arena, metric: Metric::Euclidean };
    for (i, v) in vectors.iter().enumerate() {
        g.insert(&space, i as i64 + 1, v);
    }
    // Give rowid 1 twelve layer-0 links (over 2m = 8) in its record and reload.
    let mut records: Vec<(i64, Vec<u8>)> = (1..=n as i64).map(|r| (r, g.record(r).unwrap())).collect();
    let old = g.links(g.id_of[&1], 0).iter().map(|&x| g.rowid(x)).collect::<Vec<i64>>();
    let mut wide: Vec<i64> = old.clone();
    wide.extend((100..).filter(|r| !old.contains(r) && *r != 1).take(12 - old.len()));
    let rec = &records[0].1;
    let rest_at = 1 + 2 + old.len() * 8;
    let mut new = vec![rec[0]];
    new.extend_from_slice(&(wide.len() as u16).to_le_bytes());
    wide.iter().for_each(|r| new.extend_from_slice(&r.to_le_bytes()));
    new.extend_from_slice(&rec[rest_at..]);
    records[0].1 = new.clone();
    let mut back = Hnsw::from_records(params, records).unwrap();
    assert_eq!(back.record(1).unwrap(), new);
    assert_eq!(back.links(back.id_of[&1], 0).len(), 12);

    // Removing its neighbours shrinks its list back into the table; records stay sound.
    for &r in &wide[..8] {
        assert!(back.remove(&space, r));
    }
    let id = back.id_of[&1];
    assert_eq!(back.links0.wide.contains_key(&id), back.links(id, 0).len() > 8);
    let live: Vec<i64> = (1..=n as i64).filter(|r| !wide[..8].contains(r)).collect();
    let records: Vec<(i64, Vec<u8>)> = live.iter().map(|&r| (r, back.record(r).unwrap())).collect();
    let again = Hnsw::from_records(params, records).unwrap();
    for v in &vectors[..20] {
        assert_eq!(again.search(&space, v, 16, None), back.search(&space, v, 16, None));
    }
}
