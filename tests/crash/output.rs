//! Where a run's files go (an S3 prefix on moto, or a local directory) and what is visible there:
//! the objects a reader would see, and the unfinished uploads (S3 multipart uploads, hidden
//! `.partial` files) a reader would not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::Cli;
use crate::support::fixtures::S3;

#[derive(Clone)]
pub enum Output {
    /// A data-change process: writes no files.
    None,
    S3 {
        client: aws_sdk_s3::Client,
        endpoint: String,
        bucket: String,
        prefix: String,
    },
    Dir(PathBuf),
}

impl Output {
    /// `s3://BUCKET/<prefix>/` on `s3`'s moto.
    pub fn s3(s3: &S3, prefix: &str) -> Output {
        Output::S3 {
            client: s3.client.clone(),
            endpoint: s3.moto.endpoint(),
            bucket: s3.bucket.clone(),
            prefix: format!("{prefix}/"),
        }
    }

    /// Like [`Output::s3`], with the run talking to S3 through `endpoint` (a relay in front of moto).
    pub fn s3_through(s3: &S3, prefix: &str, endpoint: String) -> Output {
        match Output::s3(s3, prefix) {
            Output::S3 { client, bucket, prefix, .. } => Output::S3 { client, endpoint, bucket, prefix },
            other => other,
        }
    }

    /// A fresh directory `name` under `parent`.
    pub fn dir(parent: &Path, name: &str) -> Output {
        let d = parent.join(name);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("create {}: {e}", d.display()));
        Output::Dir(d)
    }

    pub fn point(&self, cli: Cli) -> Cli {
        match self {
            Output::None => cli,
            Output::S3 { endpoint, .. } => cli.env("AWS_ENDPOINT_URL", endpoint).env("OUTPUT_URL", self.root_url()),
            Output::Dir(d) => cli.env("OUTPUT_URL", format!("file://{}", d.display())),
        }
    }

    /// The URL every output URL starts with (ends with `/`).
    pub fn root_url(&self) -> String {
        match self {
            Output::None => "\u{0}no output".into(),
            Output::S3 { bucket, prefix, .. } => format!("s3://{bucket}/{prefix}"),
            Output::Dir(d) => format!("file://{}/", d.display()),
        }
    }

    /// The objects a reader sees, by key relative to the root: listed S3 objects, or files whose
    /// name does not start with `.` (temporary files are hidden and never renamed over halfway).
    pub async fn objects(&self) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        match self {
            Output::None => {}
            Output::S3 { client, bucket, prefix, .. } => {
                let listed = client.list_objects_v2().bucket(bucket).prefix(prefix).send().await;
                let listed = listed.unwrap_or_else(|e| panic!("list s3://{bucket}/{prefix}: {e:?}"));
                assert!(!listed.is_truncated().unwrap_or(false), "more objects than one listing holds");
                for key in listed.contents().iter().filter_map(|o| o.key()) {
                    let got = client.get_object().bucket(bucket).key(key).send().await;
                    let body = got.unwrap_or_else(|e| panic!("get {key}: {e:?}")).body.collect().await;
                    let bytes = body.unwrap_or_else(|e| panic!("read {key}: {e}")).to_vec();
                    out.insert(key.trim_start_matches(prefix.as_str()).to_owned(), bytes);
                }
            }
            Output::Dir(d) => {
                for (rel, path) in walk(d) {
                    if !rel.rsplit('/').next().unwrap_or("").starts_with('.') {
                        out.insert(
                            rel,
                            std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())),
                        );
                    }
                }
            }
        }
        out
    }

    /// Uploads started and neither completed nor aborted: S3 multipart uploads under the prefix,
    /// or hidden `.partial` files.
    pub async fn unfinished(&self) -> Vec<String> {
        match self {
            Output::None => Vec::new(),
            Output::S3 { client, bucket, prefix, .. } => {
                let listed = client.list_multipart_uploads().bucket(bucket).prefix(prefix).send().await;
                let listed = listed.unwrap_or_else(|e| panic!("list multipart uploads: {e:?}"));
                listed.uploads().iter().map(|u| u.key().unwrap_or("?").to_owned()).collect()
            }
            Output::Dir(d) => walk(d).into_iter().map(|(rel, _)| rel).filter(|r| r.ends_with(".partial")).collect(),
        }
    }

    /// Panics unless every visible object is whole: non-empty and byte-identical to the clean
    /// run's object of the same key. Returns how many were visible.
    pub async fn assert_only_whole_objects(&self, clean: &BTreeMap<String, Vec<u8>>, ctx: &str) -> usize {
        let seen = self.objects().await;
        for (key, bytes) in &seen {
            assert!(!bytes.is_empty(), "{ctx}: an empty object is visible: {key}");
            let want =
                clean.get(key).unwrap_or_else(|| panic!("{ctx}: unexpected object {key} ({} bytes)", bytes.len()));
            assert!(
                bytes == want,
                "{ctx}: {key} is visible but not whole ({} bytes; the clean run wrote {})",
                bytes.len(),
                want.len()
            );
        }
        seen.len()
    }
}

/// Every file below `root`, as (path relative to root with `/`, full path).
fn walk(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_owned()];
    while let Some(dir) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let rel = path.strip_prefix(root).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
                out.push((rel, path));
            }
        }
    }
    out.sort();
    out
}
