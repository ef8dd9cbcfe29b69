//! Container image references (`[REGISTRY/]REPOSITORY[:TAG][@sha256:DIGEST]`), which of them are in
//! ECR (and where), and the pinned form `REGISTRY/REPOSITORY@sha256:…` the task definitions use.

use crate::partition::Partition;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `host[:port]`, when the reference names one.
    pub registry: Option<String>,
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:<64 hex>`.
    pub digest: Option<String>,
}

/// Where an ECR image lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcrImage {
    pub account: String,
    pub region: String,
    pub repository: String,
}

impl ImageRef {
    /// Parses a reference the way Docker and ECS read it.
    pub fn parse(text: &str) -> Result<ImageRef, String> {
        let bad = |why: &str| format!("{text:?} is not a container image reference: {why}");
        if text.is_empty() || text.len() > 255 {
            return Err(bad("it must be 1-255 characters"));
        }
        let (rest, digest) = match text.split_once('@') {
            Some((r, d)) => {
                let hex = d.strip_prefix("sha256:").unwrap_or_default();
                if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                    return Err(bad("a digest is sha256: and 64 lowercase hex digits"));
                }
                (r, Some(d.to_owned()))
            }
            None => (text, None),
        };
        let (registry, path) = match rest.split_once('/') {
            Some((first, path)) if first.contains(['.', ':']) || first == "localhost" => (Some(first.to_owned()), path),
            _ => (None, rest),
        };
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag.to_owned())),
            _ => (path, None),
        };
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.bytes().next().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && c.bytes().last().is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        };
        if !repository.split('/').all(component_ok) {
            return Err(bad("repository path components are lowercase letters, digits and . _ -"));
        }
        if let Some(t) = &tag {
            let ok = (1..=128).contains(&t.len())
                && t.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
            if !ok {
                return Err(bad("a tag is 1-128 of letters, digits, _ . - (not starting with . or -)"));
            }
        }
        if let Some(r) = &registry
            && !r.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:".contains(&b))
        {
            return Err(bad("the registry is a host name with an optional port"));
        }
        Ok(ImageRef { registry, repository: repository.to_owned(), tag, digest })
    }

    /// The ECR repository of the image, when its registry is an ECR registry
    /// (`ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]`).
    pub fn ecr(&self) -> Option<EcrImage> {
        let host = self.registry.as_deref()?;
        let mut parts = host.split('.');
        let account = parts.next()?;
        let (dkr, ecr, region) = (parts.next()?, parts.next()?, parts.next()?);
        let domain: Vec<&str> = parts.collect();
        let region_partition = Partition::of_region(region).ok()?;
        let ok = account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && dkr == "dkr"
            && (ecr == "ecr" || ecr == "ecr-fips")
            && domain.join(".") == region_partition.dns_suffix();
        ok.then(|| EcrImage {
            account: account.to_owned(),
            region: region.to_owned(),
            repository: self.repository.clone(),
        })
    }

    /// `REGISTRY/REPOSITORY` without tag or digest.
    pub fn name(&self) -> String {
        match &self.registry {
            Some(r) => format!("{r}/{}", self.repository),
            None => self.repository.clone(),
        }
    }

    /// The reference pinned to `digest`: `REGISTRY/REPOSITORY@sha256:…`.
    pub fn pinned(&self, digest: &str) -> String {
        format!("{}@{digest}", self.name())
    }
}

impl std::fmt::Display for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl EcrImage {
    pub fn repository_arn(&self, partition: &str) -> String {
        format!("arn:{partition}:ecr:{}:{}:repository/{}", self.region, self.account, self.repository)
    }
}

#[cfg(test)]
mod tests {
    use super::{EcrImage, ImageRef};

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn ecr_images_are_recognised_with_their_account_region_and_repository() {
        let r = ImageRef::parse("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1.0.0")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.tag.as_deref(), Some("1.0.0"));
        assert_eq!(
            r.ecr(),
            Some(EcrImage {
                account: "123456789012".into(),
                region: "eu-west-1".into(),
                repository: "team/app".into()
            })
        );
        assert_eq!(r.pinned(DIGEST), format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@{DIGEST}"));
        let cn =
            ImageRef::parse("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            cn.ecr().map(|e| e.repository_arn("aws-cn")).as_deref(),
            Some("arn:aws-cn:ecr:cn-north-1:123456789012:repository/app")
        );
        let fips = ImageRef::parse("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app:x")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(fips.ecr().is_some());
    }

    #[test]
    fn other_registries_are_not_ecr() {
        for text in [
            "ghcr.io/owner/app:1",
            "docker.io/library/alpine:3.20",
            "alpine",
            "localhost:5000/app:dev",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com.cn/app:1",
            "public.ecr.aws/owner/app:1",
        ] {
            let r = ImageRef::parse(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.ecr(), None, "{text}");
        }
        let r = ImageRef::parse(&format!("ghcr.io/owner/app@{DIGEST}")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.digest.as_deref(), Some(DIGEST));
        assert_eq!(r.tag, None);
        let r = ImageRef::parse("localhost:5000/app").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.registry.as_deref(), r.tag), (Some("localhost:5000"), None));
    }

    #[test]
    fn malformed_references_are_rejected() {
        for text in ["", "has space", "Upper/Case:1", "app:", "app:-x", "app@sha256:abc", "app@md5:0", "a//b", "/app"] {
            assert!(ImageRef::parse(text).is_err(), "{text}");
        }
    }
}
