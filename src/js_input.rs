//! Input shapes shared by the two JavaScript bindings (wasm-bindgen in `src/wasm/`, Node-API
//! in `src/node/`), so both read `k`, search options and ids by the same rules.

use crate::{Error, Metric, Result, SearchOptions};
use serde::Deserialize;

/// Search options as the JS client sends them (`{ metric?, threshold?, filter?,
/// includeEmbedding? }`).
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SearchOptionsInput {
    pub metric: Option<String>,
    pub threshold: Option<f64>,
    pub filter: Option<serde_json::Value>,
    pub include_embedding: Option<bool>,
}

impl SearchOptionsInput {
    pub fn into_options(self) -> Result<SearchOptions> {
        let metric = self.metric.as_deref().map(str::parse::<Metric>).transpose()?;
        Ok(SearchOptions {
            metric,
            threshold: self.threshold,
            filter: self.filter,
            include_embedding: self.include_embedding.unwrap_or(true),
        })
    }
}

/// `k` as a JS number: a positive integer (`Infinity` is refused).
pub fn k_from_f64(k: f64) -> Result<usize> {
    if k >= 1.0 && k.fract() == 0.0 && k.is_finite() {
        Ok(k.min(usize::MAX as f64) as usize)
    } else {
        Err(Error::InvalidArgument("k must be a positive integer".into()))
    }
}
