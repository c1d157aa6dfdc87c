//! In-memory search structures, loaded from the `vectors` and `embeddings` tables at open
//! and updated only after a write has committed. The database stays the source of truth: any index here can
//! be dropped and rebuilt from rows. Today there is the exact [`flat::FlatIndex`]; an ANN
//! index (HNSW) and quantized arenas will live beside it and answer the same [`Query`].

pub mod certified;
pub mod flat;
pub mod hnsw;
pub mod ids;
pub mod quantized;
pub mod score;
pub mod spaces;
pub(crate) mod topk;

use crate::metric::Metric;

/// One search request against an index.
pub struct Query<'a> {
    pub vector: &'a [f32],
    pub metric: Metric,
    /// Maximum number of hits; `usize::MAX` means all.
    pub k: usize,
    /// Keep only scores that pass this threshold (see [`Metric::passes`]).
    pub threshold: Option<f32>,
    /// Restrict the search to these row ids (a metadata filter's survivors).
    pub candidates: Option<&'a [i64]>,
}

/// One result: the SQLite rowid (insertion order) and its score under the query's metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub rowid: i64,
    pub score: f32,
}

/// The vectors of a database as the heap holds them: f32 in the arena (exact), or quantized
/// codes with the f32 left in the file.
pub enum Vectors {
    Flat(flat::FlatIndex),
    Codes(quantized::CodeIndex),
}

impl Vectors {
    pub fn dimension(&self) -> usize {
        match self {
            Vectors::Flat(ix) => ix.dimension(),
            Vectors::Codes(ix) => ix.dimension(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Vectors::Flat(ix) => ix.len(),
            Vectors::Codes(ix) => ix.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn heap_bytes(&self) -> usize {
        match self {
            Vectors::Flat(ix) => ix.heap_bytes(),
            Vectors::Codes(ix) => ix.heap_bytes(),
        }
    }

    /// Removes a committed deletion.
    pub fn remove(&mut self, rowid: i64) -> bool {
        match self {
            Vectors::Flat(ix) => ix.remove(rowid),
            Vectors::Codes(ix) => ix.remove(rowid),
        }
    }

    /// The rows a write stores beside the f32 vectors `floats` (end to end): a quantized
    /// index's code rows (end to end), `None` for the arena.
    pub fn code_rows(&self, floats: &[f32]) -> Option<Vec<u8>> {
        match self {
            Vectors::Flat(_) => None,
            Vectors::Codes(ix) => {
                let (d, rb) = (ix.dimension(), ix.quantizer().row_bytes());
                let mut out = vec![0u8; floats.len() / d * rb];
                for (v, row) in floats.chunks_exact(d).zip(out.chunks_exact_mut(rb)) {
                    ix.encode_row(v, row);
                }
                Some(out)
            }
        }
    }

    /// Puts a committed row: a rowid not held is added, a held one is replaced in place (its
    /// slot and rowid stay, so ties keep their order).
    pub fn put(&mut self, rowid: i64, v: &[f32]) {
        match self {
            Vectors::Flat(ix) => {
                if !ix.replace(rowid, v) {
                    ix.push(rowid, v);
                }
            }
            Vectors::Codes(ix) => {
                let mut row = vec![0u8; ix.quantizer().row_bytes()];
                ix.encode_row(v, &mut row);
                if !ix.replace(rowid, &row) {
                    ix.push(rowid, &row);
                }
            }
        }
    }

    /// Gives every row its new rowid after the file's rows were renumbered (`new_rowid`
    /// keeps their order).
    pub fn renumber(&mut self, new_rowid: &dyn Fn(i64) -> i64) {
        match self {
            Vectors::Flat(ix) => ix.renumber(new_rowid),
            Vectors::Codes(ix) => ix.renumber(new_rowid),
        }
    }

    /// Every rowid held.
    pub fn rowids(&self) -> Box<dyn Iterator<Item = i64> + '_> {
        match self {
            Vectors::Flat(ix) => Box::new(ix.rows().map(|(r, _)| r)),
            Vectors::Codes(ix) => Box::new(ix.rowids()),
        }
    }

    pub fn quantization(&self) -> crate::types::Quantization {
        match self {
            Vectors::Flat(_) => crate::types::Quantization::None,
            Vectors::Codes(ix) => ix.quantizer().kind(),
        }
    }
}
