//! A reference model of a database for the mutation tests: the rows in insertion order as
//! plain values, changed by rules written from API.md, and a check that a database holds
//! exactly them (get, count, and exact search against brute force).

use super::{brute_force, matches, METRICS};
use serde_json::Value;
use sqlite_vector::{Metric, SearchOptions, VectorDb};

/// Rows in insertion order: id, embedding, metadata (`Null`: none).
#[derive(Default, Clone)]
pub struct Model {
    pub rows: Vec<(String, Vec<f32>, Value)>,
}

impl Model {
    fn find(&self, id: &str) -> Option<usize> {
        self.rows.iter().position(|r| r.0 == id)
    }

    pub fn insert(&mut self, id: &str, v: Vec<f32>, metadata: Value) {
        assert!(self.find(id).is_none(), "the model inserts new ids only");
        self.rows.push((id.to_string(), v, metadata));
    }

    /// Insert, or replace in place (the row keeps its position).
    pub fn upsert(&mut self, id: &str, v: Vec<f32>, metadata: Value) {
        match self.find(id) {
            Some(i) => self.rows[i] = (id.to_string(), v, metadata),
            None => self.rows.push((id.to_string(), v, metadata)),
        }
    }

    /// `metadata`: `None` keeps it, `Some(Null)` removes it.
    pub fn update(&mut self, id: &str, v: Option<Vec<f32>>, metadata: Option<Value>) -> bool {
        let Some(i) = self.find(id) else { return false };
        if let Some(v) = v {
            self.rows[i].1 = v;
        }
        if let Some(m) = metadata {
            self.rows[i].2 = m;
        }
        true
    }

    pub fn delete(&mut self, id: &str) -> bool {
        let before = self.rows.len();
        self.rows.retain(|r| r.0 != id);
        before != self.rows.len()
    }

    pub fn delete_many(&mut self, ids: Option<&[String]>, filter: Option<&Value>) -> usize {
        let before = self.rows.len();
        self.rows.retain(|(id, _, m)| {
            let listed = ids.is_none_or(|ids| ids.contains(id));
            let matching = filter.is_none_or(|f| matches(m, f));
            !(listed && matching)
        });
        before - self.rows.len()
    }

    pub fn ids(&self) -> Vec<String> {
        self.rows.iter().map(|r| r.0.clone()).collect()
    }
}

/// The database holds exactly the model's rows: count, every row by `get`, and exact search
/// (every metric, each filter, k = 5 and all) equal to brute force with ties in insertion
/// order. `exact` sets `exact: true` (an index's exact path).
pub fn check_model(db: &VectorDb, model: &Model, queries: &[Vec<f32>], filters: &[Value], exact: bool) {
    assert_eq!(db.stats().unwrap().count, model.rows.len(), "count");
    for (id, v, m) in &model.rows {
        let got = db.get(id).unwrap().unwrap_or_else(|| panic!("{id} is missing"));
        assert_eq!(&got.embedding, v, "{id}: embedding");
        let want = m.as_object().cloned();
        assert_eq!(got.metadata, want, "{id}: metadata");
    }
    for q in queries {
        for metric in METRICS {
            for filter in std::iter::once(None).chain(filters.iter().map(Some)) {
                for k in [5, usize::MAX] {
                    let opts = SearchOptions {
                        metric: Some(metric),
                        filter: filter.cloned(),
                        include_embedding: false,
                        exact,
                        ..Default::default()
                    };
                    let got: Vec<(String, f64)> =
                        db.search(q, k, &opts).unwrap().into_iter().map(|h| (h.id, h.score as f64)).collect();
                    let all = brute_force(&model.rows, q, usize::MAX, metric, None, filter);
                    let context = format!("{metric:?} k={k} filter={filter:?}");
                    assert_eq!(got.len(), all.len().min(k), "{context}");
                    assert_near(&got, &all, &context);
                }
            }
        }
    }
}

/// Equal embeddings come back in the model's order (ties by insertion order).
pub fn check_tie_order(db: &VectorDb, model: &Model, v: &[f32]) {
    let want: Vec<String> = model.rows.iter().filter(|r| r.1 == v).map(|r| r.0.clone()).collect();
    let opts = SearchOptions {
        metric: Some(Metric::Euclidean),
        threshold: Some(0.0),
        exact: true,
        ..Default::default()
    };
    let got: Vec<String> = db.search(v, usize::MAX, &opts).unwrap().into_iter().map(|h| h.id).collect();
    assert_eq!(got, want, "ties in insertion order");
}

/// Each result has the true score of its rank, and is the true row there or one whose true
/// score ties with it within float tolerance (`all`: every match, so a near tie at rank k
/// may go either way).
fn assert_near(got: &[(String, f64)], all: &[(usize, String, f64)], context: &str) {
    let tol = |s: f64| 1e-5 * s.abs().max(1.0);
    for (i, (gid, gs)) in got.iter().enumerate() {
        let (_, wid, ws) = &all[i];
        assert!((gs - ws).abs() <= tol(*ws), "{context}: rank {i}: score {gs} vs brute force {ws}");
        let alt = all.iter().find(|(_, id, _)| id == gid);
        assert!(
            gid == wid || alt.is_some_and(|(_, _, s)| (s - ws).abs() <= 2.0 * tol(*ws)),
            "{context}: rank {i}: got {gid} ({gs}), brute force {wid} ({ws})"
        );
    }
}
