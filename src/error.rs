//! One error type for every target. Each variant maps onto exactly one API.md code, so the
//! worker can send `{code, message}` and the JS client can rebuild a `VectorDBError`.

use rusqlite::ErrorCode;

/// Everything that can go wrong, one variant per public error code.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// A vector or query whose length differs from the database's dimension.
    #[error("dimension mismatch: expected {expected}, got {actual}")]
    DimensionMismatch { expected: usize, actual: usize },
    /// Empty vector, NaN or infinite component, or a value that is not a number.
    #[error("invalid vector: {0}")]
    InvalidVector(String),
    /// Bad `k`, unknown metric, bad filter, bad metadata, bad id, bad configuration.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An insert whose id already exists (or repeats inside one batch).
    #[error("duplicate id: {0:?}")]
    DuplicateId(String),
    /// Any call after `close()`.
    #[error("the database is closed")]
    Closed,
    /// The database is held by another tab or process.
    #[error("database is locked: {0}")]
    Locked(String),
    /// The storage quota ran out; the failed write left nothing behind.
    #[error("storage quota exceeded: {0}")]
    QuotaExceeded(String),
    /// The requested backend cannot run here.
    #[error("backend unavailable: {0}")]
    BackendUnavailable(String),
    /// The file is not a sqlite-vector database or is damaged.
    #[error("corrupt database: {0}")]
    Corrupt(String),
    /// Anything else.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The stable code of API.md (`"DIMENSION_MISMATCH"`, ...), for callers to branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::DimensionMismatch { .. } => "DIMENSION_MISMATCH",
            Error::InvalidVector(_) => "INVALID_VECTOR",
            Error::InvalidArgument(_) => "INVALID_ARGUMENT",
            Error::DuplicateId(_) => "DUPLICATE_ID",
            Error::Closed => "CLOSED",
            Error::Locked(_) => "LOCKED",
            Error::QuotaExceeded(_) => "QUOTA_EXCEEDED",
            Error::BackendUnavailable(_) => "BACKEND_UNAVAILABLE",
            Error::Corrupt(_) => "CORRUPT",
            Error::Internal(_) => "INTERNAL",
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        let message = e.to_string();
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Error::QuotaExceeded(message),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Locked(message),
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::Corrupt(message),
            _ => Error::Internal(message),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Internal(format!("metadata JSON: {e}"))
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
