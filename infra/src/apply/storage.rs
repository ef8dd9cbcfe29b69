//! Creating, configuring and deleting the output bucket.

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint, CreateBucketConfiguration,
    ExpirationStatus, LifecycleRule, LifecycleRuleFilter, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
};

use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::resources::{Bucket, Tags};

fn build_err(e: impl std::fmt::Display) -> InfraError {
    InfraError::Failed(format!("cannot build an s3 request: {e}"))
}

pub async fn create_bucket(aws: &Aws, b: &Bucket) -> Result<(), InfraError> {
    let mut req = aws.s3.create_bucket().bucket(&b.name);
    // us-east-1 is the one region that takes no location constraint.
    if aws.arns.region != "us-east-1" {
        let conf = CreateBucketConfiguration::builder()
            .location_constraint(BucketLocationConstraint::from(aws.arns.region.as_str()))
            .build();
        req = req.create_bucket_configuration(conf);
    }
    req.send().await.map_err(|e| aws_err(&format!("s3 bucket {}", b.name), "s3:CreateBucket", e))?;
    configure_bucket(aws, b).await
}

/// Puts every setting of the bucket (each call replaces that setting whole).
pub async fn configure_bucket(aws: &Aws, b: &Bucket) -> Result<(), InfraError> {
    let what = format!("s3 bucket {}", b.name);
    let s3 = &aws.s3;
    let pab = PublicAccessBlockConfiguration::builder()
        .block_public_acls(b.block_public_acls)
        .ignore_public_acls(b.ignore_public_acls)
        .block_public_policy(b.block_public_policy)
        .restrict_public_buckets(b.restrict_public_buckets)
        .build();
    s3.put_public_access_block()
        .bucket(&b.name)
        .public_access_block_configuration(pab)
        .send()
        .await
        .map_err(|e| aws_err(&what, "s3:PutPublicAccessBlock", e))?;
    if let Some(alg) = &b.encryption {
        let default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::from(alg.as_str()))
            .build()
            .map_err(build_err)?;
        let rule = ServerSideEncryptionRule::builder()
            .apply_server_side_encryption_by_default(default)
            .bucket_key_enabled(b.bucket_key)
            .build();
        let conf = ServerSideEncryptionConfiguration::builder().rules(rule).build().map_err(build_err)?;
        s3.put_bucket_encryption()
            .bucket(&b.name)
            .server_side_encryption_configuration(conf)
            .send()
            .await
            .map_err(|e| aws_err(&what, "s3:PutBucketEncryption", e))?;
    }
    if let Some(policy) = &b.policy {
        s3.put_bucket_policy()
            .bucket(&b.name)
            .policy(policy.to_string())
            .send()
            .await
            .map_err(|e| aws_err(&what, "s3:PutBucketPolicy", e))?;
    }
    if let Some(days) = b.abort_incomplete_uploads_after_days {
        let rule = LifecycleRule::builder()
            .id("abort-incomplete-multipart-uploads")
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix("").build())
            .abort_incomplete_multipart_upload(
                AbortIncompleteMultipartUpload::builder().days_after_initiation(days).build(),
            )
            .build()
            .map_err(build_err)?;
        let conf = BucketLifecycleConfiguration::builder().rules(rule).build().map_err(build_err)?;
        s3.put_bucket_lifecycle_configuration()
            .bucket(&b.name)
            .lifecycle_configuration(conf)
            .send()
            .await
            .map_err(|e| aws_err(&what, "s3:PutBucketLifecycleConfiguration", e))?;
    }
    // PutBucketTagging replaces the whole tag set: read it, change only our keys, write it back.
    let current: Tags = match s3.get_bucket_tagging().bucket(&b.name).send().await {
        Ok(o) => o.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(),
        Err(e) if is_missing(&e, &["NoSuchTagSet"]) => Tags::new(),
        Err(e) => return Err(aws_err(&what, "s3:GetBucketTagging", e)),
    };
    let tags = merged_tags(&current, &b.tags)
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(build_err))
        .collect::<Result<Vec<_>, _>>()?;
    s3.put_bucket_tagging()
        .bucket(&b.name)
        .tagging(Tagging::builder().set_tag_set(Some(tags)).build().map_err(build_err)?)
        .send()
        .await
        .map_err(|e| aws_err(&what, "s3:PutBucketTagging", e))?;
    Ok(())
}

/// The tag set to write: everything the bucket has, with our keys set to our values.
pub fn merged_tags(current: &Tags, ours: &Tags) -> Tags {
    let mut all = current.clone();
    all.extend(ours.iter().map(|(k, v)| (k.clone(), v.clone())));
    all
}

pub async fn delete_bucket(aws: &Aws, b: &Bucket) -> Result<(), InfraError> {
    aws.s3
        .delete_bucket()
        .bucket(&b.name)
        .send()
        .await
        .map_err(|e| aws_err(&format!("s3 bucket {}", b.name), "s3:DeleteBucket", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::merged_tags;
    use crate::resources::Tags;

    #[test]
    fn bucket_tagging_keeps_foreign_tags_and_sets_ours() {
        let current = Tags::from([("cost-center".to_owned(), "x".to_owned()), ("Team".to_owned(), "old".to_owned())]);
        let ours = Tags::from([
            ("Team".to_owned(), "metering".to_owned()),
            ("ManagedBy".to_owned(), "intervalprocessing".to_owned()),
        ]);
        let merged = merged_tags(&current, &ours);
        assert_eq!(merged.get("cost-center").map(String::as_str), Some("x"));
        assert_eq!(merged.get("Team").map(String::as_str), Some("metering"));
        assert_eq!(merged.get("ManagedBy").map(String::as_str), Some("intervalprocessing"));
        assert_eq!(merged.len(), 3);
    }
}
