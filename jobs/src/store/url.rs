//! `OUTPUT_URL`: where generated files go, `s3://BUCKET/PREFIX/` or `file:///ABSOLUTE/DIR`.

use std::fmt;
use std::path::PathBuf;

use super::key::check_part;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputUrl {
    /// `prefix` is empty or ends with `/`.
    S3 {
        bucket: String,
        prefix: String,
    },
    File {
        root: PathBuf,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid OUTPUT_URL {url:?}: {reason}")]
pub struct InvalidOutputUrl {
    pub url: String,
    pub reason: String,
}

impl OutputUrl {
    pub fn parse(url: &str) -> Result<OutputUrl, InvalidOutputUrl> {
        let fail = |reason: &str| InvalidOutputUrl { url: url.to_owned(), reason: reason.to_owned() };
        if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if !valid_bucket(bucket) {
                return Err(fail(
                    "the bucket name must be 3-63 characters of a-z 0-9 . - starting and ending with a letter or digit",
                ));
            }
            let parts: Vec<&str> = prefix.split('/').filter(|p| !p.is_empty()).collect();
            if prefix.contains("//") || parts.iter().any(|p| check_part(p).is_err()) {
                return Err(fail("each prefix part must be 1-128 characters of A-Z a-z 0-9 . _ - (and not . or ..)"));
            }
            let prefix = if parts.is_empty() { String::new() } else { format!("{}/", parts.join("/")) };
            Ok(OutputUrl::S3 { bucket: bucket.to_owned(), prefix })
        } else if let Some(path) = url.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(fail("a file URL needs an absolute path: file:///ABSOLUTE/DIR"));
            }
            if path.split('/').any(|p| p == "..") || path.contains('%') {
                return Err(fail("the path must not contain .. or percent-escapes"));
            }
            Ok(OutputUrl::File { root: PathBuf::from(path) })
        } else {
            Err(fail("use s3://BUCKET/PREFIX/ or file:///ABSOLUTE/DIR"))
        }
    }
}

impl fmt::Display for OutputUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputUrl::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
            OutputUrl::File { root } => write!(f, "file://{}/", root.display().to_string().trim_end_matches('/')),
        }
    }
}

fn valid_bucket(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && b.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && b.as_bytes().last().is_some_and(u8::is_ascii_alphanumeric)
        && !b.contains("..")
}

#[cfg(test)]
mod tests {
    use super::OutputUrl;

    #[test]
    fn s3_urls_normalise_the_prefix() {
        let u = OutputUrl::parse("s3://intervalprocessing/GeneratedFiles");
        assert_eq!(u, Ok(OutputUrl::S3 { bucket: "intervalprocessing".into(), prefix: "GeneratedFiles/".into() }));
        let u = OutputUrl::parse("s3://my-bucket");
        assert_eq!(u.map(|u| u.to_string()), Ok("s3://my-bucket/".to_owned()));
    }

    #[test]
    fn file_urls_need_an_absolute_path() {
        assert!(OutputUrl::parse("file:///tmp/out").is_ok());
        assert!(OutputUrl::parse("file://relative/dir").is_err());
        assert!(OutputUrl::parse("file:///tmp/../etc").is_err());
    }

    #[test]
    fn bad_urls_say_what_is_expected() {
        for bad in ["http://x", "s3://UPPER/x", "s3://ab", "s3://bucket/a/../b", "s3://bucket/a b"] {
            let e = OutputUrl::parse(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("OUTPUT_URL"), "{bad}: {e}");
        }
    }
}
