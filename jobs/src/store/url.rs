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
            if let Some(why) = bucket_name_rule(bucket) {
                return Err(fail(&format!("the bucket name {why}")));
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

/// Why `name` is not a general purpose S3 bucket name (the current rules, not the legacy
/// us-east-1 ones), or `None`. The runtime and `infra validate` both use it through [`OutputUrl::parse`].
pub fn bucket_name_rule(name: &str) -> Option<&'static str> {
    let b = name.as_bytes();
    let edge = |x: Option<&u8>| x.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&b.len()) {
        Some("must be 3-63 characters")
    } else if !b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-') {
        Some("may contain only a-z 0-9 . -")
    } else if !edge(b.first()) || !edge(b.last()) {
        Some("must start and end with a letter or digit")
    } else if name.contains("..") {
        Some("must not contain two adjacent periods")
    } else if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        Some("must not be formatted as an IP address")
    } else if ["xn--", "sthree-", "amzn-s3-demo-"].iter().any(|p| name.starts_with(p)) {
        Some("must not start with xn--, sthree- or amzn-s3-demo-")
    } else if ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].iter().any(|s| name.ends_with(s)) {
        Some("must not end with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{OutputUrl, bucket_name_rule};

    #[test]
    fn bucket_names_follow_s3() {
        let table = [
            ("intervalprocessing-example", true),
            ("my.bucket.1", true),
            ("abc", true),
            ("ab", false),
            ("Bad_Bucket", false),
            ("-lead", false),
            ("a..b", false),
            ("192.168.5.4", false),
            ("xn--bucket", false),
            ("sthree-bucket", false),
            ("amzn-s3-demo-bucket", false),
            ("bucket-s3alias", false),
            ("bucket--ol-s3", false),
            ("bucket.mrap", false),
            ("bucket--x-s3", false),
        ];
        for (name, ok) in table {
            assert_eq!(bucket_name_rule(name).is_none(), ok, "{name:?}: {:?}", bucket_name_rule(name));
        }
    }

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
