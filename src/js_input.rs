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
    pub exact: Option<bool>,
    pub rescore: Option<f64>,
    pub ef: Option<f64>,
}

impl SearchOptionsInput {
    pub fn into_options(self) -> Result<SearchOptions> {
        let metric = self.metric.as_deref().map(str::parse::<Metric>).transpose()?;
        Ok(SearchOptions {
            metric,
            threshold: self.threshold,
            filter: self.filter,
            include_embedding: self.include_embedding.unwrap_or(true),
            exact: self.exact.unwrap_or(false),
            rescore: self.rescore.map(|r| positive_integer(r, "rescore")).transpose()?,
            ef: self.ef.map(|r| positive_integer(r, "ef")).transpose()?,
        })
    }
}

/// `k` as a JS number: a positive integer (`Infinity` is refused).
pub fn k_from_f64(k: f64) -> Result<usize> {
    positive_integer(k, "k")
}

fn positive_integer(x: f64, name: &str) -> Result<usize> {
    if x >= 1.0 && x.fract() == 0.0 && x.is_finite() {
        Ok(x.min(usize::MAX as f64) as usize)
    } else {
        Err(Error::InvalidArgument(format!("{name} must be a positive integer")))
    }
}

/// Index options as the JS client sends them (`{ type, quantization?, m?, efConstruction? }`).
pub fn index_options(value: serde_json::Value) -> Result<crate::types::IndexOptions> {
    serde_json::from_value(value).map_err(|e| Error::InvalidArgument(format!("bad index options: {e}")))
}
