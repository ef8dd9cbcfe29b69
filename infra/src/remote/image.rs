//! Pinning the image: an ECR image given by tag is resolved to its digest (ECR DescribeImages), so
//! the task definitions, and every scheduled run, use exactly the image that was planned.

use aws_sdk_ecr::types::ImageIdentifier;

use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::image::ImageRef;

/// The image to register, and a warning when it could not be pinned.
pub struct Resolved {
    pub image: ImageRef,
    pub warning: Option<String>,
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
    let tag = image.tag.clone().unwrap_or_else(|| "latest".to_owned());
    let what = format!("image {image}");
    let out = aws
        .ecr_in(&ecr.region)
        .describe_images()
        .registry_id(&ecr.account)
        .repository_name(&ecr.repository)
        .image_ids(ImageIdentifier::builder().image_tag(&tag).build())
        .send()
        .await;
    let out = match out {
        Ok(o) => o,
        Err(e) if is_missing(&e, &["RepositoryNotFoundException", "ImageNotFoundException"]) => {
            return Ok(Resolved {
                image: image.clone(),
                warning: Some(format!(
                    "image {image} is not in ECR yet, so it is not pinned to a digest: push it, then run plan \
                     again (the task definitions will then be updated to the digest)"
                )),
            });
        }
        Err(e) => return Err(aws_err(&what, "ecr:DescribeImages", e)),
    };
    match out.image_details().first().and_then(|d| d.image_digest()) {
        Some(digest) => Ok(Resolved {
            image: ImageRef { tag: None, digest: Some(digest.to_owned()), ..image.clone() },
            warning: None,
        }),
        None => Err(InfraError::Failed(format!("ecr:DescribeImages for {what} returned no digest"))),
    }
}
