//! Object keys built from validated parts only, so no input can steer a write elsewhere.

use std::fmt;

/// A relative object key such as `daily-usage/2026-11-20.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectKey(String);

/// A key part that is empty, `.`/`..`, or has a character outside `[A-Za-z0-9._-]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid object key part {0:?}: use 1-128 characters of A-Z a-z 0-9 . _ - and not . or ..")]
pub struct InvalidKeyPart(pub String);

impl ObjectKey {
    /// Joins `parts` with `/` after checking each one.
    pub fn from_parts<S: AsRef<str>>(parts: &[S]) -> Result<ObjectKey, InvalidKeyPart> {
        let mut key = String::new();
        for p in parts {
            let p = p.as_ref();
            check_part(p)?;
            if !key.is_empty() {
                key.push('/');
            }
            key.push_str(p);
        }
        if key.is_empty() {
            return Err(InvalidKeyPart(String::new()));
        }
        Ok(ObjectKey(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last part (the file name).
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn check_part(p: &str) -> Result<(), InvalidKeyPart> {
    let ok = !p.is_empty()
        && p.len() <= 128
        && p != "."
        && p != ".."
        && p.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok { Ok(()) } else { Err(InvalidKeyPart(p.to_owned())) }
}

#[cfg(test)]
mod tests {
    use super::ObjectKey;

    #[test]
    fn keys_join_valid_parts() {
        let k = ObjectKey::from_parts(&["daily-usage", "2026-11-20.csv"]);
        assert_eq!(k.map(|k| k.to_string()), Ok("daily-usage/2026-11-20.csv".to_owned()));
    }

    #[test]
    fn traversal_and_separators_are_rejected() {
        for bad in ["..", ".", "", "a/b", "a\\b", "x y", "é", "a\0"] {
            assert!(ObjectKey::from_parts(&["daily-usage", bad]).is_err(), "{bad:?}");
        }
    }
}
