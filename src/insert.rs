//! The insert path (`insert`, `insert_batch`, `insert_packed`): one staging of the vectors
//! where the heap keeps them (arena rows, or codes with the floats aside for the file), one
//! transaction for rows, chunks, codes and graph records, and the in-memory structures cut
//! back if it fails.

use crate::db::{check_id, BatchMetadata};
use crate::error::{Error, Result};
use crate::index::flat::FlatIndex;
use crate::index::spaces::graph_insert;
use crate::index::Vectors;
use crate::indexing;
use crate::metadata;
use crate::source::{stage, stage_floats, VectorSource};
use crate::types::NewVector;
use crate::VectorDb;
use std::collections::HashSet;

impl VectorDb {
    /// Inserts one vector and returns its id (generated when absent).
    ///
    /// ```
    /// # use sqlite_vector::{Config, NewVector, VectorDb};
    /// let mut db = VectorDb::open(Config::default())?;
    /// let id = db.insert(NewVector { embedding: vec![0.5, 0.5], ..Default::default() })?;
    /// assert_eq!(id.len(), 36); // a UUID
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn insert(&mut self, vector: NewVector) -> Result<String> {
        let mut ids = self.insert_batch(vec![vector])?;
        Ok(ids.pop().expect("one id for one vector"))
    }

    /// Inserts vectors in one transaction: all of them, or none when any is rejected
    /// (bad vector, wrong length, bad metadata, or an id repeated in the batch or taken).
    ///
    /// ```
    /// # use sqlite_vector::{Config, NewVector, VectorDb};
    /// let mut db = VectorDb::open(Config::default())?;
    /// let batch = vec![NewVector::new("a", vec![1.0]), NewVector::new("a", vec![2.0])];
    /// assert_eq!(db.insert_batch(batch).unwrap_err().code(), "DUPLICATE_ID");
    /// assert_eq!(db.stats()?.count, 0);
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn insert_batch(&mut self, vectors: Vec<NewVector>) -> Result<Vec<String>> {
        let n = vectors.len();
        let (mut ids, mut embeddings, mut metadata) =
            (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        for v in vectors {
            ids.push(v.id);
            embeddings.push(v.embedding);
            metadata.push(v.metadata);
        }
        let metadata = metadata.into_iter().map(metadata::from_value).collect::<Result<BatchMetadata>>()?;
        self.insert_from(&embeddings, ids, metadata)
    }

    /// [`insert_batch`](Self::insert_batch) for vectors that are already packed end to end
    /// (how the JS bindings receive them): `ids[i]` (`None`: generated), `metadata[i]` as
    /// JSON object text. The vectors are copied once, straight into the search arena.
    ///
    /// ```
    /// # use sqlite_vector::{Config, Packed, VectorDb};
    /// let mut db = VectorDb::open(Config::default())?;
    /// let flat = [1.0f32, 0.0, 0.0, 1.0];
    /// let ids = db.insert_packed(
    ///     &Packed::new(&flat[..], &[2, 2])?,
    ///     vec![Some("x".into()), None],
    ///     vec![Some(r#"{"tag":1}"#.into()), None],
    /// )?;
    /// assert_eq!(ids[0], "x");
    /// assert_eq!(db.get(&ids[1])?.unwrap().embedding, vec![0.0, 1.0]);
    /// # Ok::<(), sqlite_vector::Error>(())
    /// ```
    pub fn insert_packed(
        &mut self,
        vectors: &dyn VectorSource,
        ids: Vec<Option<String>>,
        metadata: Vec<Option<String>>,
    ) -> Result<Vec<String>> {
        let metadata = metadata::from_texts(&metadata)?;
        self.insert_from(vectors, ids, metadata)
    }

    /// The one insert path: validate the shape of everything, stage the vectors into the
    /// arena (checking their values on the way), write the batch in one transaction, and cut
    /// the arena back if anything fails. Memory holds the batch once, in its final place.
    fn insert_from(
        &mut self,
        source: &dyn VectorSource,
        ids: Vec<Option<String>>,
        metadata: BatchMetadata,
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
        let known = open.store.layout().map(|l| l.dimension);
        let dimension = known.unwrap_or(source.length(0));
        let what = |i: usize| if n == 1 { "vector".to_string() } else { format!("vector {i} of the batch") };

        // Shapes and ids first, before any work.
        let mut seen = HashSet::with_capacity(n);
        for (i, id) in ids.iter().enumerate() {
            let len = source.length(i);
            if len == 0 {
                return Err(Error::InvalidVector(format!("{} is empty", what(i))));
            }
            if len != dimension {
                return Err(Error::DimensionMismatch { expected: dimension, actual: len });
            }
            if let Some(id) = id {
                check_id(id)?;
                if !seen.insert(id.as_str()) {
                    return Err(Error::DuplicateId(id.clone()));
                }
            }
        }
        drop(seen);
        let missing = ids.iter().filter(|id| id.is_none()).count();
        let mut generated = open.store.new_ids(missing)?.into_iter();
        let ids: Vec<String> =
            ids.into_iter().map(|id| id.unwrap_or_else(|| generated.next().expect("enough ids"))).collect();
        let now = open.store.now_ms()?;
        let first_rowid = open.store.next_rowid()?;

        let rows =
            || ids.iter().map(String::as_str).zip(metadata.iter().map(|m| m.as_ref().map(|m| m.0.as_str())));
        let begin = |w: &crate::store::Writer<'_>| -> Result<crate::store::Layout> {
            let layout = match w.layout() {
                Some(layout) => layout,
                None => w.set_dimension(dimension)?,
            };
            w.insert_rows(first_rowid, rows(), now)?;
            Ok(layout)
        };
        let vectors = open.index.get_or_insert_with(|| Vectors::Flat(FlatIndex::with_capacity(dimension, n)));
        // Stage the batch where the heap keeps vectors (arena rows, or codes with the floats
        // kept aside for the file), uncommitted until the transaction is.
        let before = vectors.len();
        let floats = match vectors {
            Vectors::Flat(index) => stage(index, source, first_rowid, &what).map(|()| None),
            Vectors::Codes(codes) => stage_floats(source, dimension, &what).map(|floats| {
                let rb = codes.quantizer().row_bytes();
                let mut code_rows = vec![0u8; n * rb];
                for (v, out) in floats.chunks_exact(dimension).zip(code_rows.chunks_exact_mut(rb)) {
                    codes.encode_row(v, out);
                }
                codes.append(first_rowid, &code_rows);
                Some((floats, code_rows))
            }),
        };
        let written = floats.and_then(|floats| {
            let vectors = &*vectors;
            let row = |i: usize| -> &[f32] {
                match (&floats, vectors) {
                    (Some((f, _)), _) => &f[i * dimension..(i + 1) * dimension],
                    (None, Vectors::Flat(index)) => index.row(before + i),
                    (None, Vectors::Codes(_)) => unreachable!("codes keep their floats aside"),
                }
            };
            if let Some(graph) = open.graph.as_mut() {
                for i in 0..n {
                    graph_insert(graph, vectors, first_rowid + i as i64, row(i));
                }
            }
            let graph = &mut open.graph;
            open.store.transaction(|w| {
                let layout = begin(w)?;
                w.write_vectors(layout, first_rowid, (0..n).map(row))?;
                if let Some((_, code_rows)) = &floats {
                    w.write_codes(layout, first_rowid, code_rows)?;
                }
                match graph.as_mut() {
                    Some(g) => indexing::write_graph(w, g),
                    None => Ok(()),
                }
            })
        });
        if let Err(e) = written {
            match (known, vectors) {
                (None, _) => open.index = None,
                (Some(_), Vectors::Flat(index)) => index.truncate(before),
                (Some(_), Vectors::Codes(codes)) => {
                    for i in 0..n {
                        codes.remove(first_rowid + i as i64);
                    }
                }
            }
            self.reload_graph()?;
            return Err(e);
        }
        if let Some(attributes) = open.attributes.built_mut() {
            for (i, m) in metadata.iter().enumerate() {
                attributes.add(first_rowid + i as i64, m.as_ref().map(|m| &m.1));
            }
            attributes.settle();
        }
        self.retrain_if_provisional();
        Ok(ids)
    }

    /// See [`indexing::retrain_if_provisional`].
    pub(crate) fn retrain_if_provisional(&mut self) {
        let metric = self.metric;
        if let Some(open) = self.open.as_mut() {
            indexing::retrain_if_provisional(&mut open.store, metric, &mut open.index, &mut open.graph);
        }
    }
}
