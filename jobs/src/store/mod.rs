//! Where generated files go: S3 (multipart upload, completed only at the end) or a local
//! directory (temporary file, renamed only at the end). Either way an object is absent or whole.

pub(crate) mod error;
mod file;
mod key;
mod s3;
mod url;

pub use error::StoreError;
pub use file::FileStore;
pub use key::{InvalidKeyPart, ObjectKey};
pub use s3::S3Store;
pub use url::{InvalidOutputUrl, OutputUrl, bucket_name_rule};

/// An output destination chosen by `OUTPUT_URL`.
#[derive(Debug, Clone)]
pub enum ObjectStore {
    S3(S3Store),
    File(FileStore),
}

/// An upload in progress. Dropping it without [`Upload::finish`] or [`Upload::abort`] leaves a
/// multipart upload (S3) or a temporary file behind; the next run's [`ObjectStore::abort_stale`]
/// removes it.
pub enum Upload {
    S3(s3::S3Upload),
    File(file::FileUpload),
}

impl ObjectStore {
    /// The full URL of `key`, for messages and records.
    pub fn url_of(&self, key: &ObjectKey) -> String {
        match self {
            ObjectStore::S3(s) => s.url_of(key),
            ObjectStore::File(f) => f.url_of(key),
        }
    }

    /// Removes unfinished uploads of `key` left by a run that died; returns how many.
    pub async fn abort_stale(&self, key: &ObjectKey) -> Result<u32, StoreError> {
        match self {
            ObjectStore::S3(s) => s.abort_stale(key).await,
            ObjectStore::File(f) => f.abort_stale(key).await,
        }
    }

    /// Starts a streamed upload of `key`; nothing is visible under `key` until `finish`.
    pub async fn start(&self, key: &ObjectKey, content_type: &'static str) -> Result<Upload, StoreError> {
        Ok(match self {
            ObjectStore::S3(s) => Upload::S3(s.start(key, content_type).await?),
            ObjectStore::File(f) => Upload::File(f.start(key).await?),
        })
    }

    /// Writes a small object in one go, all or nothing.
    pub async fn put(&self, key: &ObjectKey, body: Vec<u8>, content_type: &'static str) -> Result<(), StoreError> {
        match self {
            ObjectStore::S3(s) => s.put(key, body, content_type).await,
            ObjectStore::File(f) => f.put(key, body).await,
        }
    }
}

impl Upload {
    /// Appends bytes; full parts are sent as they fill, so memory stays bounded by the part size.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        match self {
            Upload::S3(u) => u.write(data).await,
            Upload::File(u) => u.write(data).await,
        }
    }

    /// Sends every byte written so far, so that only [`Upload::finish`], the commit, is left: a run
    /// stopped before the commit aborts an upload that holds everything, none of it visible.
    pub async fn flush(&mut self) -> Result<(), StoreError> {
        match self {
            Upload::S3(u) => u.flush().await,
            // Written to its hidden temporary file as it comes.
            Upload::File(_) => Ok(()),
        }
    }

    /// Makes the object visible, whole. Returns the number of bytes written.
    pub async fn finish(self) -> Result<u64, StoreError> {
        match self {
            Upload::S3(u) => u.finish().await,
            Upload::File(u) => u.finish().await,
        }
    }

    /// Discards everything written; the object stays as it was before.
    pub async fn abort(self) -> Result<(), StoreError> {
        match self {
            Upload::S3(u) => u.abort().await,
            Upload::File(u) => u.abort().await,
        }
    }
}
