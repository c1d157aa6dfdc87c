//! `delete_many` and `compact`: rows leave in one transaction, with every structure kept in
//! step, and `compact` gives their space back.

use crate::db::{check_id, Open};
use crate::error::{Error, Result};
use crate::filter;
use crate::index::spaces::graph_remove;
use crate::indexing;
use crate::metadata;
use crate::types::{Compaction, Selection};
use crate::VectorDb;
use serde_json::{Map, Value};

impl VectorDb {
    /// Deletes the listed ids, the rows matching the filter, or with both the listed ids
    /// that match the filter, in one transaction. Returns how many were deleted. Neither
    /// ids nor filter is `InvalidArgument`; an empty list deletes nothing.
    ///
    /// ```
    /// # use sqlite_vector::{Config, NewVector, Selection, VectorDb};
    /// # use serde_json::json;
    /// let mut db = VectorDb::open(Config::default())?;
    /// for (id, kind) in [("a", "x"), ("b", "y"), ("c", "x")] {
    ///     db.insert(NewVector::new(id, vec![1.0]).with_metadata(json!({"kind": kind})))?;
    /// }
    /// let x = Selection { filter: Some(json!({"kind": "x"})), ..Default::default() };
    /// assert_eq!(db.delete_many(&Selection { ids: Some(vec!["a".into(), "b".into()]), ..x.clone() })?, 1);
    /// assert_eq!(db.delete_many(&x)?, 1); // "c"
    /// assert_eq!(db.stats()?.count, 1);
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn delete_many(&mut self, selection: &Selection) -> Result<usize> {
        let open = self.open_mut()?;
        let filter = selection.filter.as_ref().map(filter::compile).transpose()?;
        if let Some(ids) = &selection.ids {
            ids.iter().try_for_each(|id| check_id(id))?;
        }
        let mut rowids: Vec<i64> = match (&selection.ids, &filter) {
            (None, None) => return Err(Error::InvalidArgument("deleteMany needs ids or a filter".into())),
            (Some(ids), _) => {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                open.store.find(&ids)?.into_iter().flatten().map(|(rowid, _)| rowid).collect()
            }
            (None, Some(f)) => {
                let attributes = open.attributes.get(&open.store)?;
                attributes.candidates(f).unwrap_or_else(|| attributes.live().to_vec())
            }
        };
        rowids.sort_unstable();
        rowids.dedup();
        if let (Some(_), Some(f)) = (&selection.ids, &filter) {
            if let Some(allowed) = open.attributes.get(&open.store)?.candidates(f) {
                rowids.retain(|r| allowed.binary_search(r).is_ok());
            }
        }
        if rowids.is_empty() {
            return Ok(0);
        }
        delete_rows(self, &rowids)
    }

    /// Returns the space of deleted rows to the file system: the live rows are renumbered
    /// in order (ties keep breaking the same way) and packed into as few chunks as they
    /// need, then the file is rebuilt without free pages (`VACUUM`). Reports `stats().size`
    /// before and after.
    ///
    /// ```
    /// # use sqlite_vector::{Config, NewVector, Selection, VectorDb};
    /// let mut db = VectorDb::open(Config::default())?;
    /// db.insert_batch((0..2000).map(|i| NewVector::new(format!("v{i}"), vec![i as f32; 64])).collect())?;
    /// let ids = (0..2000).filter(|i| i % 10 != 0).map(|i| format!("v{i}")).collect();
    /// db.delete_many(&Selection { ids: Some(ids), ..Default::default() })?;
    /// let c = db.compact()?;
    /// assert!(c.after * 4 < c.before, "{c:?}");
    /// assert_eq!(db.get("v990")?.unwrap().embedding, vec![990.0; 64]);
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn compact(&mut self) -> Result<Compaction> {
        self.commit_deferred()?;
        let open = self.open_mut()?;
        let before = open.store.file_size()?;
        let graph = &mut open.graph;
        let renumbered = open.store.renumber_rows(|w, old| {
            if let Some(g) = graph.as_mut() {
                g.renumber(&|r| dense(old, r));
                w.reset_graph()?;
                indexing::write_graph(w, g)?;
            }
            Ok(())
        });
        match renumbered {
            Ok(Some(old)) => {
                let new_rowid = |r| dense(&old, r);
                if let Some(vectors) = open.index.as_mut() {
                    vectors.renumber(&new_rowid);
                }
                if let Some(attributes) = open.attributes.built_mut() {
                    attributes.renumber(&new_rowid);
                }
            }
            Ok(None) => {}
            Err(e) => {
                self.reload_graph()?;
                return Err(e);
            }
        }
        let open = self.open_mut()?;
        open.store.vacuum()?;
        Ok(Compaction { before, after: open.store.file_size()? })
    }
}

/// Deletes stored rows by rowid in one transaction, keeping every structure in step.
fn delete_rows(db: &mut VectorDb, rowids: &[i64]) -> Result<usize> {
    let open: &mut Open = db.open_mut()?;
    if let (Some(graph), Some(vectors)) = (open.graph.as_mut(), open.index.as_ref()) {
        for &rowid in rowids {
            graph_remove(graph, vectors, rowid);
        }
    }
    let graph = &mut open.graph;
    let deleted = open.store.transaction(|w| {
        let deleted = w.delete_rows(rowids)?;
        if let Some(g) = graph.as_mut() {
            indexing::write_graph(w, g)?;
        }
        Ok(deleted)
    });
    let deleted = match deleted {
        Ok(d) => d,
        Err(e) => {
            db.reload_graph()?;
            return Err(e);
        }
    };
    if let Some(vectors) = open.index.as_mut() {
        for &(rowid, _) in &deleted {
            vectors.remove(rowid);
        }
    }
    // Metadata that cannot be parsed was never indexed.
    if let Some(attributes) = open.attributes.built_mut() {
        let gone: Vec<(i64, Option<Map<String, Value>>)> = deleted
            .iter()
            .map(|(rowid, m)| (*rowid, metadata::parse_stored(m.as_deref()).ok().flatten()))
            .collect();
        attributes.remove_many(&gone);
    }
    Ok(deleted.len())
}

/// The rowid a live row gets when the rows `old` (sorted) are renumbered `1..=n`.
fn dense(old: &[i64], rowid: i64) -> i64 {
    old.binary_search(&rowid).expect("a live row") as i64 + 1
}
