//! Pinning the image: an ECR image given by tag is resolved to its digest (ECR DescribeImages), so
//! the task definitions, and every scheduled run, use exactly the image that was planned.

use aws_sdk_ecr::operation::describe_images::builders::DescribeImagesInputBuilder;
use aws_sdk_ecr::types::ImageIdentifier;

use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::image::{EcrImage, ImageRef};

/// The image to register, and a warning when it could not be pinned.
pub struct Resolved {
    pub image: ImageRef,
    pub warning: Option<String>,
}

/// What ECR holds for an image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The image, with its digest.
    Digest(String),
    /// The repository does not exist.
    NoRepository,
    /// The repository exists, the tag (or digest) does not.
    NoImage,
}

/// The tag looked up for an image given without tag or digest.
pub const DEFAULT_TAG: &str = "latest";

/// ECR DescribeImages for `image` in its repository: by digest when it has one (that is what ECS
/// pulls), else by tag (`latest` when it has none).
pub fn describe_image_request(ecr: &EcrImage, image: &ImageRef) -> DescribeImagesInputBuilder {
    let id = match &image.digest {
        Some(d) => ImageIdentifier::builder().image_digest(d).build(),
        None => ImageIdentifier::builder().image_tag(image.tag.as_deref().unwrap_or(DEFAULT_TAG)).build(),
    };
    DescribeImagesInputBuilder::default().registry_id(&ecr.account).repository_name(&ecr.repository).image_ids(id)
}

/// Looks `image` up in its ECR repository (in the repository's region and account).
pub async fn find(aws: &Aws, ecr: &EcrImage, image: &ImageRef) -> Result<Found, InfraError> {
    let out = describe_image_request(ecr, image).send_with(&aws.ecr_in(&ecr.region)).await;
    let out = match out {
        Ok(o) => o,
        Err(e) if e.as_service_error().is_some_and(|s| s.is_repository_not_found_exception()) => {
            return Ok(Found::NoRepository);
        }
        Err(e) if is_missing(&e, &["RepositoryNotFoundException", "ImageNotFoundException"]) => {
            return Ok(Found::NoImage);
        }
        Err(e) => return Err(aws_err(&format!("image {image}"), "ecr:DescribeImages", e)),
    };
    match out.image_details().first().and_then(|d| d.image_digest()) {
        Some(digest) => Ok(Found::Digest(digest.to_owned())),
        None => Ok(Found::NoImage),
    }
}

/// Resolves `image` to `REPOSITORY@sha256:…` when it is an ECR image given by tag. An image given
/// by digest is used as given. A non-ECR image given by tag is used as given, with a warning. An
/// ECR tag that does not exist yet (the first apply creates the repository) is used as given, with
/// a warning: push the image and plan again.
pub async fn resolve(aws: &Aws, image: &ImageRef) -> Result<Resolved, InfraError> {
    if image.digest.is_some() {
        return Ok(Resolved { image: image.clone(), warning: None });
    }
    let Some(ecr) = image.ecr() else {
        return Ok(Resolved {
            image: image.clone(),
            warning: Some(format!(
                "image {image} is not in ECR and not given by digest: each task runs whatever the tag points to \
                 when it starts; give it as NAME@sha256:… to pin it"
            )),
        });
    };
    match find(aws, &ecr, image).await? {
        Found::Digest(digest) => {
            Ok(Resolved { image: ImageRef { tag: None, digest: Some(digest), ..image.clone() }, warning: None })
        }
        Found::NoRepository | Found::NoImage => Ok(Resolved {
            image: image.clone(),
            warning: Some(format!(
                "image {image} is not in ECR yet, so it is not pinned to a digest: push it, then run plan \
                 again (the task definitions will then be updated to the digest)"
            )),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::describe_image_request;
    use crate::image::ImageRef;

    fn request(text: &str) -> aws_sdk_ecr::operation::describe_images::DescribeImagesInput {
        let image = ImageRef::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let ecr = image.ecr().unwrap_or_else(|| panic!("{text} is in ECR"));
        describe_image_request(&ecr, &image).build().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn an_image_is_looked_up_in_its_own_registry_by_digest_else_by_tag_else_latest() {
        let repo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app";
        let r = request(&format!("{repo}:1.0.0"));
        assert_eq!((r.registry_id(), r.repository_name()), (Some("123456789012"), Some("team/app")));
        assert_eq!(r.image_ids()[0].image_tag(), Some("1.0.0"));
        assert_eq!(r.image_ids()[0].image_digest(), None);
        assert_eq!(request(repo).image_ids()[0].image_tag(), Some("latest"));
        let digest = format!("sha256:{}", "a".repeat(64));
        let r = request(&format!("{repo}:1.0.0@{digest}"));
        assert_eq!((r.image_ids()[0].image_digest(), r.image_ids()[0].image_tag()), (Some(digest.as_str()), None));
        assert_eq!(r.image_ids().len(), 1);
    }
}
