//! Running one query against whatever holds the vectors: the f32 arena (exact), or a
//! quantized index (a shortlist of `rescore × k` rows by their codes, then the exact f32
//! score of each, read from the file), or with `exact: true` over a quantized index, a scan
//! of the f32 vectors in the file. A filter first becomes candidate rowids through the
//! attribute index. Every path scores rows with `index/score.rs`, so a row's score has the
//! same bits whichever path found it.

use crate::attributes::Attributes;
use crate::codec;
use crate::error::{Error, Result};
use crate::filter;
use crate::index::certified;
use crate::index::hnsw::Hnsw;
use crate::index::quantized::CodeIndex;
use crate::index::score::{min_passing_key, norm, rank_keys, score_of};
use crate::index::spaces::graph_search;
use crate::index::topk::TopK;
use crate::index::{Query, Vectors};
use crate::kernels::{self, Kernels};
use crate::metric::Metric;
use crate::store::Store;
use crate::types::{Hits, IndexOptions, SearchOptions};

/// Validates a query and its options, then answers it (see the module docs).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run(
    store: &Store,
    vectors: Option<&Vectors>,
    graph: Option<&Hnsw>,
    attributes: &Attributes,
    query: &[f32],
    k: usize,
    options: &SearchOptions,
    default_metric: Metric,
) -> Result<Hits> {
    if k == 0 {
        return Err(Error::InvalidArgument("k must be a positive integer".into()));
    }
    if options.rescore == Some(0) || options.ef == Some(0) {
        return Err(Error::InvalidArgument("rescore and ef must be positive integers".into()));
    }
    codec::validate(query, || "query".into())?;
    let threshold = match options.threshold {
        Some(t) if t.is_nan() => return Err(Error::InvalidArgument("threshold is NaN".into())),
        t => t.map(|t| t as f32),
    };
    let filter = options.filter.as_ref().map(filter::compile).transpose()?;
    let Some(vectors) = vectors else {
        return Ok(Hits::default()); // nothing inserted yet: no dimension to mismatch
    };
    let d = vectors.dimension();
    codec::check_dimension(query, d)?;
    let candidates = match &filter {
        Some(f) => attributes.get(store)?.candidates(f),
        None => None,
    };
    let q = Query {
        vector: query,
        metric: options.metric.unwrap_or(default_metric),
        k,
        threshold,
        candidates: candidates.as_deref(),
    };
    let rescore = options.rescore.unwrap_or(vectors.quantization().default_rescore());
    let ef = options.ef.unwrap_or(IndexOptions::DEFAULT_EF).max(k.saturating_mul(rescore)).min(vectors.len());
    let through_graph = graph.filter(|g| {
        // A graph serves only the metric it was built for, and a filter that leaves few rows
        // is answered exactly over them: a filtered walk visits about ef / selectivity nodes
        // (times the links it reads), so it wins only when matches² / n > 32 · ef
        // (measured: examples/hnsw_speed.rs, 100k x 128, a 10 % filter walked in 2.2 ms
        // against 1.1 ms for the exact pass over its 10k matches).
        let few = q.candidates.is_some_and(|c| {
            let n = vectors.len().max(1) as f64;
            (c.len() as f64).powi(2) / n <= 32.0 * ef as f64 || c.len() <= FEW_CANDIDATES
        });
        !options.exact && !few && g.params().metric == q.metric
    });
    let (found, embeddings): (Vec<(i64, f32)>, Option<Vec<f32>>) = match vectors {
        Vectors::Flat(index) if through_graph.is_some() => {
            let graph = through_graph.expect("checked");
            let mut near = search_graph(graph, vectors, &q, ef);
            // The arena's keys are exact: order as the scan does, threshold, keep k.
            let min_key = q.threshold.map_or(f32::NEG_INFINITY, |t| min_passing_key(q.metric, t));
            near.retain(|h| h.1 >= min_key);
            near.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            near.truncate(k);
            let found: Vec<(i64, f32)> =
                near.into_iter().map(|(r, key)| (r, score_of(q.metric, key))).collect();
            let embeddings = options.include_embedding.then(|| {
                found
                    .iter()
                    .flat_map(|&(r, _)| index.vector(r).expect("a hit is in the arena").iter().copied())
                    .collect()
            });
            (found, embeddings)
        }
        Vectors::Flat(index) => {
            let found: Vec<(i64, f32)> = index.search(&q).into_iter().map(|h| (h.rowid, h.score)).collect();
            let embeddings = options.include_embedding.then(|| {
                let mut packed = Vec::with_capacity(found.len() * d);
                for &(rowid, _) in &found {
                    packed.extend_from_slice(index.vector(rowid).expect("a hit is in the arena"));
                }
                packed
            });
            (found, embeddings)
        }
        Vectors::Codes(codes) => {
            let found = if options.exact {
                match codes.prepare(query, q.metric) {
                    // int8: only the rows the codes cannot rule out are read and scored.
                    Some(prepared) => {
                        let min_key = q.threshold.map_or(f32::NEG_INFINITY, |t| min_passing_key(q.metric, t));
                        let rows = certified::candidates(codes, &prepared, k, min_key, q.candidates);
                        rescore_from_file(store, codes, &q, &rows)?
                    }
                    None => scan_file(store, &q)?,
                }
            } else if let Some(graph) = through_graph {
                let n = k.saturating_mul(rescore);
                let shortlist: Vec<i64> =
                    search_graph(graph, vectors, &q, ef).into_iter().take(n).map(|h| h.0).collect();
                rescore_from_file(store, codes, &q, &shortlist)?
            } else {
                let shortlist = codes.shortlist(query, q.metric, k.saturating_mul(rescore), q.candidates);
                rescore_from_file(store, codes, &q, &shortlist)?
            };
            let embeddings = if options.include_embedding {
                let rowids: Vec<i64> = found.iter().map(|h| h.0).collect();
                let mut packed = Vec::new();
                store.read_vectors(&rowids, &mut packed)?;
                Some(packed)
            } else {
                None
            };
            (found, embeddings)
        }
    };
    let rowids: Vec<i64> = found.iter().map(|h| h.0).collect();
    let (ids, metadata) = store.ids_and_metadata(&rowids)?.into_iter().unzip();
    Ok(Hits { ids, scores: found.iter().map(|h| h.1).collect(), dimension: d, embeddings, metadata })
}

/// A filter with at most this many matches is always answered by an exact pass over them.
const FEW_CANDIDATES: usize = 1000;

/// The `ef` nearest rows by the graph (only candidates, with a filter), nearest first.
fn search_graph(graph: &Hnsw, vectors: &Vectors, q: &Query<'_>, ef: usize) -> Vec<(i64, f32)> {
    match q.candidates {
        None => graph_search(graph, vectors, q.vector, ef, None),
        Some(rowids) => {
            let max = rowids.last().map_or(0, |&r| r.max(0) as usize);
            let mut bits = vec![0u64; max / 64 + 1];
            for &r in rowids.iter().filter(|&&r| r >= 0) {
                bits[r as usize / 64] |= 1 << (r as usize % 64);
            }
            let allow =
                |r: i64| r >= 0 && bits.get(r as usize / 64).is_some_and(|w| w >> (r as usize % 64) & 1 == 1);
            graph_search(graph, vectors, q.vector, ef, Some(&allow))
        }
    }
}

/// The exact top-k among `shortlist`, from the f32 vectors in the file.
fn rescore_from_file(
    store: &Store,
    codes: &CodeIndex,
    q: &Query<'_>,
    shortlist: &[i64],
) -> Result<Vec<(i64, f32)>> {
    let kernels = kernels::best();
    let mut floats = Vec::new();
    store.read_vectors(shortlist, &mut floats)?;
    let d = q.vector.len();
    let mut top = Exact::new(&kernels, q, shortlist.len());
    for (i, &rowid) in shortlist.iter().enumerate() {
        let norm = codes.norm_of(rowid).expect("a shortlisted row is indexed");
        top.offer(rowid, &floats[i * d..(i + 1) * d], norm);
    }
    Ok(top.finish())
}

/// The exact top-k over every live vector in the file (a quantized index with `exact`).
fn scan_file(store: &Store, q: &Query<'_>) -> Result<Vec<(i64, f32)>> {
    let kernels = kernels::best();
    let mut top = Exact::new(&kernels, q, q.candidates.map_or(0, <[i64]>::len));
    let mut allowed = q.candidates.map(|c| c.iter().peekable());
    store.scan_vectors(|rowid, _, v| {
        if let Some(c) = allowed.as_mut() {
            while c.next_if(|&&r| r < rowid).is_some() {}
            if c.peek() != Some(&&rowid) {
                return Ok(());
            }
        }
        top.offer(rowid, v, norm(&kernels, v));
        Ok(())
    })?;
    Ok(top.finish())
}

/// Exact scores offered one row at a time, kept k best with the threshold as a key.
struct Exact<'a> {
    kernels: &'a Kernels,
    q: &'a Query<'a>,
    query_norm: f32,
    min_key: f32,
    top: TopK,
}

impl<'a> Exact<'a> {
    fn new(kernels: &'a Kernels, q: &'a Query<'a>, expected: usize) -> Self {
        Exact {
            kernels,
            q,
            query_norm: norm(kernels, q.vector),
            min_key: q.threshold.map_or(f32::NEG_INFINITY, |t| min_passing_key(q.metric, t)),
            top: TopK::new(q.k, expected),
        }
    }

    fn offer(&mut self, rowid: i64, v: &[f32], norm: f32) {
        let mut key = [0f32];
        rank_keys(self.kernels, self.q.metric, self.q.vector, self.query_norm, v, &[norm], &mut key);
        if key[0] >= self.min_key {
            self.top.offer(key[0], rowid);
        }
    }

    fn finish(self) -> Vec<(i64, f32)> {
        let metric = self.q.metric;
        self.top.into_sorted().into_iter().map(|(rowid, key)| (rowid, score_of(metric, key))).collect()
    }
}
