//! What holds the vectors, from the file: the f32 arena, or a quantized index loaded from
//! its stored codes (rebuilt from the rows when they are missing or damaged, never
//! `Corrupt` for that alone), and building or dropping an index in one transaction.

use crate::attributes::AttributeIndex;
use crate::error::{Error, Result};
use crate::index::flat::FlatIndex;
use crate::index::quantized::{CodeIndex, Quantizer};
use crate::index::Vectors;
use crate::metadata;
use crate::store::{Store, CODES};
use crate::types::{IndexKind, IndexOptions, Quantization};
use std::collections::BTreeMap;

/// Loads what the file says holds the vectors, and every row's metadata into `attributes`.
pub fn load(store: &mut Store, attributes: &mut AttributeIndex) -> Result<Option<Vectors>> {
    let Some(layout) = store.layout() else { return Ok(None) };
    let options = store.index_options()?;
    let quantization = options.map_or(Quantization::None, |o| o.quantization);
    if quantization == Quantization::None {
        let arena = store.load_index(|rowid, text| {
            attributes.add(rowid, metadata::parse_stored(text)?.as_ref());
            Ok(())
        })?;
        attributes.settle();
        return Ok(arena.map(Vectors::Flat));
    }
    let d = layout.dimension;
    let quantizer = Quantizer::from_params(quantization, d, |name| store.index_param(name).ok().flatten());
    if let Some(q) = &quantizer {
        store.set_code_rows(Some(q.row_bytes()));
        let mut codes = CodeIndex::new(q.clone(), store.count()?);
        let mut loaded = AttributeIndex::new();
        let scan = store.scan_chunked(CODES, q.row_bytes(), |rowid, text, row| {
            loaded.add(rowid, metadata::parse_stored(text)?.as_ref());
            codes.push(rowid, row);
            Ok(())
        });
        if scan.is_ok() {
            loaded.settle();
            *attributes = loaded;
            return Ok(Some(Vectors::Codes(codes)));
        }
    }
    // The codes (or their parameters) are missing or damaged: rebuild them from the rows,
    // keeping trained parameters that survived so the codes of existing rows do not change.
    let options = options.expect("a quantized index has options");
    let codes = build_codes(store, &options, quantizer, None)?;
    let mut loaded = AttributeIndex::new();
    store.scan_vectors(|rowid, text, _| {
        loaded.add(rowid, metadata::parse_stored(text)?.as_ref());
        Ok(())
    })?;
    loaded.settle();
    *attributes = loaded;
    Ok(Some(Vectors::Codes(codes)))
}

/// Makes `options` the database's index and updates what holds the vectors. Built from
/// the arena when there is one (no file read), else from the file; written in one
/// transaction, so a failure leaves the file and `current` as they were.
pub fn create(store: &mut Store, options: &IndexOptions, current: &mut Option<Vectors>) -> Result<()> {
    if options.kind == IndexKind::Hnsw {
        return Err(Error::InvalidArgument(
            "index type 'hnsw' is not available in this build; use type 'flat' (with quantization 'int8' or 'binary')".into(),
        ));
    }
    if options.m.is_some() || options.ef_construction.is_some() {
        return Err(Error::InvalidArgument("m and efConstruction apply to hnsw indexes only".into()));
    }
    if store.layout().is_none() {
        return Err(Error::InvalidArgument(
            "createIndex needs the dimension: insert a vector first, or open with config.dimension".into(),
        ));
    }
    if options.quantization == Quantization::None {
        store.transaction(|w| w.set_index(Some(options), None))?;
        if !matches!(current, Some(Vectors::Flat(_))) {
            *current = Some(Vectors::Flat(load_arena(store)?));
        }
        return Ok(());
    }
    let arena = match current.as_ref() {
        Some(Vectors::Flat(ix)) => Some(ix),
        _ => None,
    };
    let codes = build_codes(store, options, None, arena)?;
    *current = Some(Vectors::Codes(codes));
    Ok(())
}

/// Removes the index (back to f32 exact search) and loads the arena from the file.
pub fn drop(store: &mut Store, current: Option<Vectors>) -> Result<Option<Vectors>> {
    store.transaction(|w| w.set_index(None, None))?;
    match current {
        Some(Vectors::Codes(_)) => Ok(Some(Vectors::Flat(load_arena(store)?))),
        other => Ok(other),
    }
}

fn load_arena(store: &Store) -> Result<FlatIndex> {
    let d = store.layout().expect("a layout").dimension;
    Ok(store.load_index(|_, _| Ok(()))?.unwrap_or_else(|| FlatIndex::with_capacity(d, 0)))
}

/// Trains (unless `quantizer` is given), encodes every stored row, and writes the index's
/// tables in one transaction.
fn build_codes(
    store: &mut Store,
    options: &IndexOptions,
    quantizer: Option<Quantizer>,
    arena: Option<&FlatIndex>,
) -> Result<CodeIndex> {
    let layout = store.layout().expect("a layout");
    let visit = |store: &Store, f: &mut dyn FnMut(i64, &[f32])| -> Result<()> {
        match arena {
            Some(ix) => {
                for (rowid, v) in ix.rows() {
                    f(rowid, v);
                }
                Ok(())
            }
            None => store.scan_vectors(|rowid, _, v| {
                f(rowid, v);
                Ok(())
            }),
        }
    };
    let quantizer = match quantizer {
        Some(q) => q,
        None => {
            let mut trainer = Quantizer::trainer(options.quantization, layout.dimension);
            visit(store, &mut |_, v| trainer.observe(v))?;
            trainer.finish()
        }
    };
    let rb = quantizer.row_bytes();
    let mut codes = CodeIndex::new(quantizer.clone(), store.count()?);
    let mut chunks: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
    let mut row = vec![0u8; rb];
    let mut rows = Vec::new();
    visit(store, &mut |rowid, v| {
        codes.encode_row(v, &mut row);
        let (chunk, at) = layout.chunk_of(rowid);
        let bytes = chunks.entry(chunk).or_insert_with(|| vec![0u8; layout.chunk_rows * rb]);
        bytes[at * rb..(at + 1) * rb].copy_from_slice(&row);
        rows.push(rowid);
    })?;
    // Slots in rowid order, so a fresh index scans like one loaded from the file.
    rows.sort_unstable();
    for rowid in rows {
        let (chunk, at) = layout.chunk_of(rowid);
        codes.push(rowid, &chunks[&chunk][at * rb..(at + 1) * rb]);
    }
    store.transaction(|w| {
        w.set_index(Some(options), Some(&quantizer))?;
        for (chunk, bytes) in &chunks {
            w.put_code_chunk(*chunk, bytes)?;
        }
        Ok(())
    })?;
    Ok(codes)
}
