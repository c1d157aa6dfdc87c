//! OPFS persistence: one sync-access-handle pool (sqlite-wasm-vfs `sahpool`) per database
//! path, in its own directory, so that two databases never share (or lock) each other's
//! files. Only works in a dedicated worker.

use super::convert::JsResult;
use crate::Error;
use sqlite_wasm_vfs::sahpool::{install, OpfsSAHError, OpfsSAHPoolCfgBuilder, OpfsSAHPoolUtil};
use wasm_bindgen::JsValue;

/// The root directory of our pools in OPFS (the demo's "clear" button removes it).
pub const ROOT: &str = ".sqlite-vector";

/// An installed pool (one per database path); `release` pauses it and frees its files.
pub struct Pool {
    util: OpfsSAHPoolUtil,
    vfs_name: String,
}

impl Pool {
    /// Installs (or resumes) the pool for `path`. Another tab holding it gives `Locked`.
    pub async fn install(path: &str) -> JsResult<Pool> {
        let key = encode(path);
        let vfs_name = format!("sqlite-vector-{key}");
        let cfg = OpfsSAHPoolCfgBuilder::new()
            .vfs_name(&vfs_name)
            .directory(&format!("{ROOT}/{key}"))
            .initial_capacity(4)
            .build();
        let util = install::<sqlite_wasm_rs::WasmOsCallback>(&cfg, false).await.map_err(map_error)?;
        if util.is_paused() {
            util.resume().await.map_err(map_error)?;
        }
        Ok(Pool { util, vfs_name })
    }

    pub fn vfs_name(&self) -> &str {
        &self.vfs_name
    }

    /// Releases the OPFS handles (after the connection has closed) so another tab can open.
    pub fn release(self) {
        let _ = self.util.pause();
    }
}

/// A path as one safe directory name: [A-Za-z0-9._-] kept, everything else as `~hh`.
fn encode(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && !out.is_empty()) {
            out.push(b as char);
        } else {
            out.push_str(&format!("~{b:02x}"));
        }
    }
    out
}

fn map_error(e: OpfsSAHError) -> JsValue {
    let text = e.to_string();
    let err = match &e {
        OpfsSAHError::NotSupported => Error::BackendUnavailable(text),
        _ if text.contains("NoModificationAllowedError") || text.contains("InvalidStateError") => {
            Error::Locked(format!(
                "the database is open in another tab or worker ({text}); close it there and retry"
            ))
        }
        _ if text.contains("QuotaExceededError") => Error::QuotaExceeded(text),
        _ => Error::Internal(format!("OPFS: {text}")),
    };
    err.into()
}
