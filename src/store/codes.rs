//! Reads for indexes: the index's options and trained arrays, and f32 vectors read back
//! from the file (to rescore a quantized index's candidates, to answer `get`, to scan
//! exactly, and to train).

use super::schema::{EMBEDDINGS, GRAPH};
use super::Store;
use crate::codec;
use crate::error::{Error, Result};
use crate::types::IndexOptions;
use rusqlite::OptionalExtension;

/// A stored graph node: its rowid and its record (see `index/hnsw.rs`).
pub type GraphRecord = (i64, Vec<u8>);

impl Store {
    /// The index recorded in the file, if any. Options that cannot be read are treated as
    /// no index (the rows are the truth; the caller rebuilds nothing it does not know).
    pub fn index_options(&self) -> Result<Option<IndexOptions>> {
        Ok(self.meta("index")?.and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// Tells the writer that the file's quantized index has code rows of this size.
    pub fn set_code_rows(&mut self, row_bytes: Option<usize>) {
        self.code_row_bytes = row_bytes;
    }

    /// A trained array of the index (`None` when missing or damaged).
    pub fn index_param(&self, name: &str) -> Result<Option<Vec<f32>>> {
        let blob: Option<Vec<u8>> = match self
            .conn
            .prepare_cached("SELECT data FROM index_params WHERE name = ?1")
            .and_then(|mut s| s.query_row([name], |r| r.get(0)).optional())
        {
            Ok(b) => b,
            Err(_) => return Ok(None), // no table: the caller retrains
        };
        Ok(blob.filter(|b| b.len() % 4 == 0).map(|b| {
            let mut out = vec![0f32; b.len() / 4];
            codec::decode_to(&b, &mut out).expect("length checked");
            out
        }))
    }

    /// Every stored graph record, by rowid (`None` when the table is missing).
    pub fn graph_records(&self) -> Result<Option<Vec<GraphRecord>>> {
        let Ok(mut stmt) = self.conn.prepare(&format!("SELECT rowid, links FROM {GRAPH} ORDER BY rowid"))
        else {
            return Ok(None);
        };
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        Ok(rows.collect::<std::result::Result<Vec<_>, _>>().ok())
    }

    /// The f32 vectors of `rowids`, end to end in the order given, read with incremental
    /// BLOB I/O (in chunk order, one open handle moved from chunk to chunk). What was read
    /// recently stays in SQLite's page cache.
    pub fn read_vectors(&self, rowids: &[i64], out: &mut Vec<f32>) -> Result<()> {
        let layout = self.layout.ok_or_else(|| Error::Internal("no vectors are stored yet".into()))?;
        let d = layout.dimension;
        out.clear();
        out.resize(rowids.len() * d, 0.0);
        let mut order: Vec<usize> = (0..rowids.len()).collect();
        order.sort_unstable_by_key(|&i| rowids[i]);
        let mut bytes = vec![0u8; d * 4];
        let mut blob: Option<(i64, rusqlite::blob::Blob<'_>)> = None;
        for i in order {
            let (chunk, at) = layout.chunk_of(rowids[i]);
            match &mut blob {
                Some((c, _)) if *c == chunk => {}
                Some((c, b)) => {
                    b.reopen(chunk)?;
                    *c = chunk;
                }
                None => {
                    blob = Some((
                        chunk,
                        self.conn.blob_open(rusqlite::MAIN_DB, EMBEDDINGS, "data", chunk, true)?,
                    ))
                }
            }
            let (_, b) = blob.as_ref().expect("a blob");
            b.read_at_exact(&mut bytes, at * d * 4)?;
            codec::decode_to(&bytes, &mut out[i * d..(i + 1) * d])?;
        }
        Ok(())
    }

    /// Every live vector in rowid order, with its metadata text, read from the file.
    pub fn scan_vectors(&self, mut visit: impl FnMut(i64, Option<&str>, &[f32]) -> Result<()>) -> Result<()> {
        let Some(layout) = self.layout else { return Ok(()) };
        let mut v = vec![0f32; layout.dimension];
        self.scan_chunked(EMBEDDINGS, layout.dimension * 4, |rowid, metadata, bytes| {
            codec::decode_to(bytes, &mut v)?;
            visit(rowid, metadata, &v)
        })
    }
}
