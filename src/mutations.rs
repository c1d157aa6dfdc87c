//! The mutations of API.md's second release: `upsert` (insert, or replace in place) and
//! `update` here, `delete_many` and `compact` in [`deletion`]. Each is one transaction. The in-memory structures
//! (the vectors, the attribute index) change only once it has committed, so a failed call
//! leaves them as they were. An hnsw graph is the exception: relinking needs the vectors, so
//! the graph and the vectors are changed first, their records written in the transaction,
//! and both reloaded from the file if it fails (as inserts and deletes do).

use crate::db::{check_id, BatchMetadata};
use crate::error::{Error, Result};
use crate::index::flat::FlatIndex;
use crate::index::hnsw::Hnsw;
use crate::index::spaces::{graph_insert, graph_remove};
use crate::index::Vectors;
use crate::indexing;
use crate::metadata;
use crate::source::{stage_floats, VectorSource};
use crate::types::{NewVector, Patch};
use crate::{codec, VectorDb};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One row a write puts: new, or stored and replaced in place (same rowid, so ties keep
/// their order).
struct Put {
    rowid: i64,
    /// `Some(id)` for a new row.
    new_id: Option<String>,
    /// Whether the write gives it a vector (the next row of the write's floats).
    vector: bool,
    /// `None`: the metadata stays; `Some(m)`: replaced whole (`Some(None)` removes it).
    metadata: Option<Option<(String, Map<String, Value>)>>,
    /// What a stored row had before.
    old_metadata: Option<String>,
}

impl VectorDb {
    /// Inserts a vector, or replaces the embedding and metadata of the stored vector with
    /// its id. A replaced vector keeps its place in insertion order (ties); its timestamp
    /// becomes the write time. The id is required.
    ///
    /// ```
    /// # use sqlite_vector::{Config, NewVector, VectorDb};
    /// # use serde_json::json;
    /// let mut db = VectorDb::open(Config::default())?;
    /// db.upsert(NewVector::new("a", vec![1.0, 0.0]).with_metadata(json!({"v": 1})))?;
    /// db.upsert(NewVector::new("a", vec![0.0, 1.0]))?; // replaced: no metadata now
    /// let a = db.get("a")?.unwrap();
    /// assert_eq!((a.embedding, a.metadata), (vec![0.0, 1.0], None));
    /// assert_eq!(db.stats()?.count, 1);
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn upsert(&mut self, vector: NewVector) -> Result<String> {
        let mut ids = self.upsert_batch(vec![vector])?;
        Ok(ids.pop().expect("one id for one vector"))
    }

    /// [`upsert`](Self::upsert) for many vectors in one transaction: all or nothing. An id
    /// repeated in the batch is written once, with its last vector, in the place of its
    /// first (as if the upserts ran one after another). Returns the ids, one per vector.
    pub fn upsert_batch(&mut self, vectors: Vec<NewVector>) -> Result<Vec<String>> {
        let n = vectors.len();
        let (mut ids, mut embeddings, mut metadata) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for v in vectors {
            ids.push(v.id);
            embeddings.push(v.embedding);
            metadata.push(metadata::from_value(v.metadata)?);
        }
        self.upsert_from(&embeddings, ids, metadata)
    }

    /// [`upsert_batch`](Self::upsert_batch) for packed vectors (the JS bindings' shape; see
    /// [`insert_packed`](Self::insert_packed)). A `None` id is `InvalidArgument`.
    pub fn upsert_packed(
        &mut self,
        vectors: &dyn VectorSource,
        ids: Vec<Option<String>>,
        metadata: Vec<Option<String>>,
    ) -> Result<Vec<String>> {
        let metadata = metadata::from_texts(&metadata)?;
        self.upsert_from(vectors, ids, metadata)
    }

    fn upsert_from(
        &mut self,
        source: &dyn VectorSource,
        ids: Vec<Option<String>>,
        mut metadata: BatchMetadata,
    ) -> Result<Vec<String>> {
        let open = self.open_mut()?;
        let n = source.count();
        if ids.len() != n || metadata.len() != n {
            return Err(Error::InvalidArgument(
                "ids, vectors and metadata must have one entry per vector".into(),
            ));
        }
        if n == 0 {
            return Ok(Vec::new());
        }
        let what = |i: usize| if n == 1 { "vector".to_string() } else { format!("vector {i} of the batch") };
        let dimension = open.store.layout().map_or(source.length(0), |l| l.dimension);
        let mut checked = Vec::with_capacity(n);
        for (i, id) in ids.into_iter().enumerate() {
            let id = id.ok_or_else(|| {
                Error::InvalidArgument(format!("upsert needs an id ({} has none)", what(i)))
            })?;
            check_id(&id)?;
            check_length(source.length(i), dimension, &what(i))?;
            checked.push(id);
        }
        let floats = stage_floats(source, dimension, &what)?;

        // One put per distinct id, where it first occurs, with its last vector and metadata.
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(n);
        let mut last_of: Vec<usize> = Vec::with_capacity(n);
        for (i, id) in checked.iter().enumerate() {
            match first.get(id.as_str()) {
                Some(&p) => last_of[p] = i,
                None => {
                    first.insert(id, last_of.len());
                    last_of.push(i);
                }
            }
        }
        drop(first);
        let distinct: Vec<&str> = last_of.iter().map(|&i| checked[i].as_str()).collect();
        let found = open.store.find(&distinct)?;
        let mut next = open.store.next_rowid()?;
        let puts: Vec<Put> = last_of
            .iter()
            .zip(found)
            .map(|(&i, found)| {
                let (rowid, new_id, old_metadata) = match found {
                    Some((rowid, old)) => (rowid, None, old),
                    None => {
                        next += 1;
                        (next - 1, Some(checked[i].clone()), None)
                    }
                };
                Put { rowid, new_id, vector: true, metadata: Some(metadata[i].take()), old_metadata }
            })
            .collect();
        let floats = if last_of.len() == n {
            floats
        } else {
            last_of.iter().flat_map(|&i| &floats[i * dimension..(i + 1) * dimension]).copied().collect()
        };
        self.write_puts(puts, &floats, dimension)?;
        Ok(checked)
    }

    /// Changes a stored vector: its embedding, its metadata (replaced whole; `Some(None)`
    /// removes it), or both. `false` when the id is not stored. The vector keeps its place in
    /// insertion order; its timestamp becomes the write time. An empty patch is
    /// `InvalidArgument`.
    ///
    /// ```
    /// # use sqlite_vector::{Config, NewVector, Patch, VectorDb};
    /// # use serde_json::json;
    /// let mut db = VectorDb::open(Config::default())?;
    /// db.insert(NewVector::new("a", vec![1.0, 0.0]).with_metadata(json!({"v": 1})))?;
    /// assert!(db.update("a", Patch { metadata: Some(Some(json!({"v": 2}))), ..Default::default() })?);
    /// assert_eq!(db.get("a")?.unwrap().metadata.unwrap()["v"], 2);
    /// assert!(!db.update("b", Patch { metadata: Some(None), ..Default::default() })?);
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn update(&mut self, id: &str, patch: Patch) -> Result<bool> {
        let metadata = patch.metadata.map(metadata::from_value).transpose()?;
        self.update_from(id, patch.embedding.as_deref(), metadata)
    }

    /// [`update`](Self::update) as the JS bindings call it: `metadata` is JSON text (`"null"`
    /// removes the metadata; `None` leaves it).
    pub fn update_stored(
        &mut self,
        id: &str,
        embedding: Option<&[f32]>,
        metadata: Option<&str>,
    ) -> Result<bool> {
        let metadata = metadata.map(metadata::from_text).transpose()?;
        self.update_from(id, embedding, metadata)
    }

    fn update_from(
        &mut self,
        id: &str,
        embedding: Option<&[f32]>,
        metadata: Option<Option<(String, Map<String, Value>)>>,
    ) -> Result<bool> {
        let open = self.open_mut()?;
        check_id(id)?;
        if embedding.is_none() && metadata.is_none() {
            return Err(Error::InvalidArgument("update needs an embedding or metadata to change".into()));
        }
        let layout = open.store.layout();
        if let Some(v) = embedding {
            check_length(v.len(), layout.map_or(v.len(), |l| l.dimension), "vector")?;
            codec::validate(v, || "vector".into())?;
        }
        let Some(layout) = layout else { return Ok(false) }; // nothing is stored yet
        let Some((rowid, old_metadata)) = open.store.find(&[id])?.pop().flatten() else { return Ok(false) };
        let put = Put { rowid, new_id: None, vector: embedding.is_some(), metadata, old_metadata };
        self.write_puts(vec![put], embedding.unwrap_or_default(), layout.dimension)?;
        Ok(true)
    }

    /// Writes rows (new, or replaced in place) in one transaction, then brings the vectors
    /// and the attribute index in step. `floats` holds the vectors of the puts that have one,
    /// in order.
    fn write_puts(&mut self, puts: Vec<Put>, floats: &[f32], dimension: usize) -> Result<()> {
        self.apply_puts(puts, floats, dimension)?;
        self.retrain_if_provisional();
        Ok(())
    }

    fn apply_puts(&mut self, puts: Vec<Put>, floats: &[f32], dimension: usize) -> Result<()> {
        let open = self.open_mut()?;
        let known = open.index.is_some();
        let now = open.store.now_ms()?;
        let rowids: Vec<i64> = puts.iter().filter(|p| p.vector).map(|p| p.rowid).collect();
        let vectors = open
            .index
            .get_or_insert_with(|| Vectors::Flat(FlatIndex::with_capacity(dimension, rowids.len())));
        let code_rows = vectors.code_rows(floats);
        let rows = || rowids.iter().copied().zip(floats.chunks_exact(dimension));
        if let Some(graph) = open.graph.as_mut() {
            put_vectors(vectors, Some(graph), rows());
        }
        let graph = &mut open.graph;
        let written = open.store.transaction(|w| {
            let layout = match w.layout() {
                Some(layout) => layout,
                None => w.set_dimension(dimension)?,
            };
            for p in &puts {
                match &p.new_id {
                    Some(id) => {
                        let metadata = p.metadata.as_ref().and_then(stored_text);
                        w.insert_rows(p.rowid, std::iter::once((id.as_str(), metadata)), now)?
                    }
                    None => w.update_row(p.rowid, p.metadata.as_ref().map(stored_text), now)?,
                }
            }
            w.put_vectors(layout, &rowids, floats, code_rows.as_deref())?;
            match graph.as_mut() {
                Some(g) => indexing::write_graph(w, g),
                None => Ok(()),
            }
        });
        if let Err(e) = written {
            if open.graph.is_some() {
                self.reload_graph()?;
            } else if !known {
                open.index = None;
            }
            return Err(e);
        }
        if open.graph.is_none() {
            put_vectors(open.index.as_mut().expect("vectors"), None, rows());
        }
        // Replaced rows leave the attribute index first (all at once), then every written
        // row goes in; metadata that cannot be parsed was never indexed.
        let changed: Vec<Put> = puts.into_iter().filter(|p| p.metadata.is_some()).collect();
        let Some(attributes) = open.attributes.built_mut() else { return Ok(()) };
        let old: Vec<(i64, Option<Map<String, Value>>)> = changed
            .iter()
            .filter(|p| p.new_id.is_none())
            .map(|p| (p.rowid, metadata::parse_stored(p.old_metadata.as_deref()).ok().flatten()))
            .collect();
        attributes.remove_many(&old);
        for p in &changed {
            attributes.add(p.rowid, p.metadata.as_ref().and_then(|m| m.as_ref()).map(|m| &m.1));
        }
        attributes.settle();
        Ok(())
    }
}

/// Puts committed rows into the vectors (and the graph, relinking a replaced node).
fn put_vectors<'f>(
    vectors: &mut Vectors,
    mut graph: Option<&mut Hnsw>,
    rows: impl Iterator<Item = (i64, &'f [f32])>,
) {
    for (rowid, v) in rows {
        if let Some(g) = graph.as_deref_mut() {
            if g.contains(rowid) {
                graph_remove(g, vectors, rowid);
            }
        }
        vectors.put(rowid, v);
        if let Some(g) = graph.as_deref_mut() {
            graph_insert(g, vectors, rowid, v);
        }
    }
}

fn stored_text(m: &Option<(String, Map<String, Value>)>) -> Option<&str> {
    m.as_ref().map(|m| m.0.as_str())
}

fn check_length(len: usize, dimension: usize, what: &str) -> Result<()> {
    if len == 0 {
        return Err(Error::InvalidVector(format!("{what} is empty")));
    }
    if len != dimension {
        return Err(Error::DimensionMismatch { expected: dimension, actual: len });
    }
    Ok(())
}

mod deletion;
#[cfg(test)]
mod tests;
