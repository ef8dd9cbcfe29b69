//! Reading the output bucket's settings.

use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::policy::{canonical, parse_document};
use crate::resources::Bucket;

pub async fn bucket(aws: &Aws, name: &str) -> Result<Option<Bucket>, InfraError> {
    let what = format!("s3 bucket {name}");
    match aws.s3.head_bucket().bucket(name).send().await {
        Ok(_) => {}
        Err(e) if is_missing(&e, &["NotFound", "NoSuchBucket"]) => return Ok(None),
        Err(e) => return Err(aws_err(&what, "s3:HeadBucket", e)),
    }
    let s3 = &aws.s3;
    let pab = match s3.get_public_access_block().bucket(name).send().await {
        Ok(o) => o.public_access_block_configuration().cloned(),
        Err(e) if is_missing(&e, &["NoSuchPublicAccessBlockConfiguration"]) => None,
        Err(e) => return Err(aws_err(&what, "s3:GetPublicAccessBlock", e)),
    };
    let flag = |f: fn(&aws_sdk_s3::types::PublicAccessBlockConfiguration) -> Option<bool>| {
        pab.as_ref().and_then(f).unwrap_or(false)
    };
    let (encryption, bucket_key) = match s3.get_bucket_encryption().bucket(name).send().await {
        Ok(o) => {
            let rule = o.server_side_encryption_configuration().and_then(|c| c.rules().first());
            (
                rule.and_then(|r| r.apply_server_side_encryption_by_default())
                    .map(|d| d.sse_algorithm().as_str().to_owned()),
                rule.and_then(|r| r.bucket_key_enabled()).unwrap_or(false),
            )
        }
        Err(e) if is_missing(&e, &["ServerSideEncryptionConfigurationNotFoundError"]) => (None, false),
        Err(e) => return Err(aws_err(&what, "s3:GetBucketEncryption", e)),
    };
    let policy = match s3.get_bucket_policy().bucket(name).send().await {
        Ok(o) => o.policy().and_then(parse_document).map(|d| canonical(&d)),
        Err(e) if is_missing(&e, &["NoSuchBucketPolicy"]) => None,
        Err(e) => return Err(aws_err(&what, "s3:GetBucketPolicy", e)),
    };
    let abort_days = match s3.get_bucket_lifecycle_configuration().bucket(name).send().await {
        Ok(o) => o
            .rules()
            .iter()
            .filter(|r| r.status().as_str() == "Enabled")
            .find_map(|r| r.abort_incomplete_multipart_upload().and_then(|a| a.days_after_initiation())),
        Err(e) if is_missing(&e, &["NoSuchLifecycleConfiguration"]) => None,
        Err(e) => return Err(aws_err(&what, "s3:GetBucketLifecycleConfiguration", e)),
    };
    let tags = match s3.get_bucket_tagging().bucket(name).send().await {
        Ok(o) => o.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(),
        Err(e) if is_missing(&e, &["NoSuchTagSet"]) => Default::default(),
        Err(e) => return Err(aws_err(&what, "s3:GetBucketTagging", e)),
    };
    Ok(Some(Bucket {
        name: name.to_owned(),
        block_public_acls: flag(|c| c.block_public_acls()),
        ignore_public_acls: flag(|c| c.ignore_public_acls()),
        block_public_policy: flag(|c| c.block_public_policy()),
        restrict_public_buckets: flag(|c| c.restrict_public_buckets()),
        encryption,
        bucket_key,
        policy,
        abort_incomplete_uploads_after_days: abort_days,
        tags,
    }))
}

/// Whether the bucket holds any object (destroy keeps a bucket with data).
pub async fn bucket_is_empty(aws: &Aws, name: &str) -> Result<bool, InfraError> {
    let out = aws
        .s3
        .list_objects_v2()
        .bucket(name)
        .max_keys(1)
        .send()
        .await
        .map_err(|e| aws_err(&format!("s3 bucket {name}"), "s3:ListObjectsV2", e))?;
    Ok(out.contents().is_empty())
}
