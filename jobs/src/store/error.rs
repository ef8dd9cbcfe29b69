//! What can go wrong writing output, and whether trying again may help.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("S3: {action} {url}: {message}")]
    S3 { action: &'static str, url: String, message: String, transient: bool },
    #[error("file output: {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::S3 { transient, .. } => *transient,
            StoreError::Io { .. } => false,
        }
    }
}
