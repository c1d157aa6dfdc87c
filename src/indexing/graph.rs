//! The hnsw graph of an index: loaded from its stored records, or (missing, damaged, or out
//! of step with the rows) rebuilt from the vectors and written back in one transaction.

use crate::error::Result;
use crate::index::hnsw::{Hnsw, Params};
use crate::index::spaces::graph_insert;
use crate::index::Vectors;
use crate::store::Store;
use crate::types::IndexOptions;

/// The graph parameters an index's options give.
pub fn params(options: &IndexOptions) -> Params {
    Params {
        m: options.m.unwrap_or(IndexOptions::DEFAULT_M),
        ef_construction: options.ef_construction.unwrap_or(IndexOptions::DEFAULT_EF_CONSTRUCTION),
        metric: options.metric.unwrap_or_default(),
    }
}

/// The stored graph when it is sound and covers exactly the rows `vectors` holds, else a
/// new one built from them and stored.
pub fn load(store: &mut Store, options: &IndexOptions, vectors: &Vectors) -> Result<Hnsw> {
    let params = params(options);
    if let Some(records) = store.graph_records()? {
        if let Some(graph) = Hnsw::from_records(params, records) {
            if graph.len() == vectors.len() && vectors.rowids().all(|r| graph.contains(r)) {
                return Ok(graph);
            }
        }
    }
    let mut graph = build(store, params, vectors)?;
    store.transaction(|w| {
        w.reset_graph()?;
        write_dirty(w, &mut graph)
    })?;
    Ok(graph)
}

/// A graph over every row `vectors` holds, inserted in rowid order (the same graph on every
/// target). The inserted vectors are the f32 ones: from the arena, or read from the file.
pub fn build(store: &Store, params: Params, vectors: &Vectors) -> Result<Hnsw> {
    let mut graph = Hnsw::new(params);
    graph.reserve(vectors.len());
    match vectors {
        Vectors::Flat(arena) => {
            let mut rowids: Vec<i64> = arena.rows().map(|(r, _)| r).collect();
            rowids.sort_unstable();
            for rowid in rowids {
                graph_insert(&mut graph, vectors, rowid, arena.vector(rowid).expect("in the arena"));
            }
        }
        Vectors::Codes(_) => store.scan_vectors(|rowid, _, v| {
            graph_insert(&mut graph, vectors, rowid, v);
            Ok(())
        })?,
    }
    Ok(graph)
}

/// Writes the records of every node changed since the last write (removed ones deleted).
pub fn write_dirty(w: &crate::store::Writer<'_>, graph: &mut Hnsw) -> Result<()> {
    let dirty = graph.take_dirty();
    w.put_graph_records(dirty.into_iter().map(|rowid| (rowid, graph.record(rowid))))
}
