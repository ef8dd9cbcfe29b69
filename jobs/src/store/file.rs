//! Local directory output with the same keys and the same all-or-nothing rule as S3:
//! write `.NAME.RANDOM.partial` beside the target, fsync, then rename over it.

use std::path::{Path, PathBuf};

use tokio::fs;
use tokio::io::{AsyncWriteExt, BufWriter};

use super::error::StoreError;
use super::key::ObjectKey;

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

pub struct FileUpload {
    tmp: PathBuf,
    target: PathBuf,
    file: BufWriter<fs::File>,
    bytes: u64,
}

const PARTIAL: &str = ".partial";

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_owned();
    move |source| StoreError::Io { action, path, source }
}

impl FileStore {
    pub fn new(root: PathBuf) -> FileStore {
        FileStore { root }
    }

    pub fn url_of(&self, key: &ObjectKey) -> String {
        format!("file://{}", self.path_of(key).display())
    }

    fn path_of(&self, key: &ObjectKey) -> PathBuf {
        self.root.join(key.as_str())
    }

    /// A temporary name in the target's own directory, so the final rename is atomic.
    async fn temp_for(&self, key: &ObjectKey) -> Result<(PathBuf, PathBuf), StoreError> {
        let target = self.path_of(key);
        let dir = target.parent().unwrap_or(&self.root).to_owned();
        fs::create_dir_all(&dir).await.map_err(io("creating directory", &dir))?;
        let tmp = dir.join(format!(".{}.{:016x}{PARTIAL}", key.file_name(), rand::random::<u64>()));
        Ok((tmp, target))
    }

    pub async fn start(&self, key: &ObjectKey) -> Result<FileUpload, StoreError> {
        let (tmp, target) = self.temp_for(key).await?;
        let file = fs::File::create(&tmp).await.map_err(io("creating", &tmp))?;
        Ok(FileUpload { tmp, target, file: BufWriter::new(file), bytes: 0 })
    }

    pub async fn put(&self, key: &ObjectKey, body: Vec<u8>) -> Result<(), StoreError> {
        let mut up = self.start(key).await?;
        up.write(&body).await?;
        up.finish().await.map(|_| ())
    }

    pub async fn abort_stale(&self, key: &ObjectKey) -> Result<u32, StoreError> {
        let target = self.path_of(key);
        let Some(dir) = target.parent() else { return Ok(0) };
        let prefix = format!(".{}.", key.file_name());
        let mut removed = 0;
        let mut entries = match fs::read_dir(dir).await {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(io("listing", dir)(e)),
        };
        while let Some(entry) = entries.next_entry().await.map_err(io("listing", dir))? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix) && name.ends_with(PARTIAL) {
                fs::remove_file(entry.path()).await.map_err(io("removing stale", &entry.path()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

impl FileUpload {
    pub async fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        self.file.write_all(data).await.map_err(io("writing", &self.tmp))?;
        self.bytes += data.len() as u64;
        Ok(())
    }

    pub async fn finish(mut self) -> Result<u64, StoreError> {
        self.file.flush().await.map_err(io("flushing", &self.tmp))?;
        self.file.get_ref().sync_all().await.map_err(io("syncing", &self.tmp))?;
        fs::rename(&self.tmp, &self.target).await.map_err(io("renaming into place", &self.target))?;
        Ok(self.bytes)
    }

    pub async fn abort(self) -> Result<(), StoreError> {
        drop(self.file);
        match fs::remove_file(&self.tmp).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("removing", &self.tmp)(e)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ObjectKey {
        ObjectKey::from_parts(&["daily-usage", "2026-01-01.csv"]).unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn nothing_is_visible_until_finish() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = FileStore::new(dir.path().to_owned());
        let mut up = store.start(&key()).await.unwrap_or_else(|e| panic!("{e}"));
        up.write(b"a,b\n").await.unwrap_or_else(|e| panic!("{e}"));
        let target = dir.path().join("daily-usage/2026-01-01.csv");
        assert!(!target.exists());
        assert_eq!(up.finish().await.ok(), Some(4));
        assert_eq!(std::fs::read(&target).ok(), Some(b"a,b\n".to_vec()));
    }

    #[tokio::test]
    async fn abort_and_stale_cleanup_leave_no_partial_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = FileStore::new(dir.path().to_owned());
        let up = store.start(&key()).await.unwrap_or_else(|e| panic!("{e}"));
        up.abort().await.unwrap_or_else(|e| panic!("{e}"));
        let mut left = store.start(&key()).await.unwrap_or_else(|e| panic!("{e}"));
        left.write(b"x").await.unwrap_or_else(|e| panic!("{e}"));
        std::mem::forget(left); // a crashed run
        assert_eq!(store.abort_stale(&key()).await.ok(), Some(1));
        let files = std::fs::read_dir(dir.path().join("daily-usage")).map(|d| d.count()).unwrap_or(99);
        assert_eq!(files, 0);
    }
}
