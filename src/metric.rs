//! Similarity metrics and their score semantics (API.md, identical on every backend).

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// How a query is compared with the stored vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Cosine similarity in [-1, 1]; best first (descending). Zero vectors score 0.
    #[default]
    Cosine,
    /// L2 distance (not squared); best first means ascending.
    Euclidean,
    /// Dot product; descending.
    Dot,
}

impl Metric {
    /// Whether larger scores are better (cosine, dot) or smaller (euclidean).
    pub fn descending(self) -> bool {
        !matches!(self, Metric::Euclidean)
    }

    /// Whether `score` passes `threshold`: `>=` for cosine and dot, `<=` for euclidean.
    pub fn passes(self, score: f32, threshold: f32) -> bool {
        if self.descending() {
            score >= threshold
        } else {
            score <= threshold
        }
    }
}

impl FromStr for Metric {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cosine" => Ok(Metric::Cosine),
            "euclidean" => Ok(Metric::Euclidean),
            "dot" => Ok(Metric::Dot),
            other => Err(Error::InvalidArgument(format!(
                "unknown metric {other:?} (expected \"cosine\", \"euclidean\" or \"dot\")"
            ))),
        }
    }
}
