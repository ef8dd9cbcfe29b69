//! The image exists: an ECR image's tag resolves (and to which digest), or its digest is in the
//! repository. An image outside ECR cannot be checked.

use super::check::Check;
use crate::aws::Aws;
use crate::error::InfraError;
use crate::image::{EcrImage, ImageRef};
use crate::remote::{FoundImage, find_image};

pub async fn check(aws: &Aws, image: &ImageRef) -> Check {
    let Some(ecr) = image.ecr() else {
        return Check::unchecked(format!("image {image}"), "not in ECR");
    };
    classify(image, &ecr, find_image(aws, &ecr, image).await)
}

pub fn classify(image: &ImageRef, ecr: &EcrImage, found: Result<FoundImage, InfraError>) -> Check {
    let subject = format!("image {image}");
    let by = match (&image.digest, &image.tag) {
        (Some(d), _) => format!("digest {d}"),
        (None, Some(t)) => format!("tag {t}"),
        (None, None) => format!("tag {}", crate::remote::DEFAULT_IMAGE_TAG),
    };
    let repository = format!("repository {} (account {}, {})", ecr.repository, ecr.account, ecr.region);
    match found {
        Ok(FoundImage::Digest(_)) if image.digest.is_some() => Check::ok(subject, format!("{by} is in {repository}")),
        Ok(FoundImage::Digest(d)) => Check::ok(subject, format!("{by} resolves to {d}")),
        Ok(FoundImage::NoRepository) => Check::problem(subject, format!("{repository} does not exist")),
        Ok(FoundImage::NoImage) => Check::problem(subject, format!("{by} is not in {repository}: push it")),
        Err(e) => Check::failed(subject, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::verify::check::Status;

    const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/intervalprocessing";

    fn image(text: &str) -> (ImageRef, EcrImage) {
        let i = ImageRef::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let ecr = i.ecr().unwrap_or_else(|| panic!("{text} is in ECR"));
        (i, ecr)
    }

    #[test]
    fn a_pushed_tag_is_ok_and_says_its_digest() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let (i, ecr) = image(&format!("{REPO}:1.0.0"));
        let c = classify(&i, &ecr, Ok(FoundImage::Digest(digest.clone())));
        assert_eq!((c.status, c.detail), (Status::Ok, format!("tag 1.0.0 resolves to {digest}")));
        let (i, ecr) = image(&format!("{REPO}@{digest}"));
        let c = classify(&i, &ecr, Ok(FoundImage::Digest(digest.clone())));
        assert_eq!(c.status, Status::Ok);
        assert!(c.detail.starts_with(&format!("digest {digest} is in repository intervalprocessing")), "{}", c.detail);
    }

    #[test]
    fn an_unpushed_tag_or_a_missing_repository_is_a_problem() {
        let (i, ecr) = image(REPO);
        let c = classify(&i, &ecr, Ok(FoundImage::NoImage));
        assert_eq!(c.status, Status::Problem);
        assert_eq!(
            c.detail,
            "tag latest is not in repository intervalprocessing (account 123456789012, us-east-1): push it"
        );
        let c = classify(&i, &ecr, Ok(FoundImage::NoRepository));
        assert_eq!(c.status, Status::Problem);
        assert!(c.detail.ends_with("does not exist"), "{}", c.detail);
    }
}
