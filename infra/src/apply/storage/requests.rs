//! The requests that create, configure and delete the output bucket: each built from the desired
//! bucket alone (and, for tagging, the tags it has now), sent by [`super`].

use aws_sdk_s3::operation::create_bucket::builders::CreateBucketInputBuilder;
use aws_sdk_s3::operation::delete_bucket::builders::DeleteBucketInputBuilder;
use aws_sdk_s3::operation::put_bucket_encryption::builders::PutBucketEncryptionInputBuilder;
use aws_sdk_s3::operation::put_bucket_lifecycle_configuration::builders::PutBucketLifecycleConfigurationInputBuilder;
use aws_sdk_s3::operation::put_bucket_policy::builders::PutBucketPolicyInputBuilder;
use aws_sdk_s3::operation::put_bucket_tagging::builders::PutBucketTaggingInputBuilder;
use aws_sdk_s3::operation::put_public_access_block::builders::PutPublicAccessBlockInputBuilder;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint, CreateBucketConfiguration,
    ExpirationStatus, LifecycleRule, LifecycleRuleFilter, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
};

use crate::error::InfraError;
use crate::resources::{Bucket, Tags};

/// The id of the one lifecycle rule infra writes.
pub const ABORT_UPLOADS_RULE: &str = "abort-incomplete-multipart-uploads";

fn build_err(e: impl std::fmt::Display) -> InfraError {
    InfraError::Failed(format!("cannot build an s3 request: {e}"))
}

/// CreateBucket in `region`: us-east-1 is the one region that takes no location constraint.
pub fn create_bucket_request(b: &Bucket, region: &str) -> CreateBucketInputBuilder {
    let conf = (region != "us-east-1").then(|| {
        CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::from(region)).build()
    });
    CreateBucketInputBuilder::default().bucket(&b.name).set_create_bucket_configuration(conf)
}

/// PutPublicAccessBlock: all four switches as desired.
pub fn public_access_block_request(b: &Bucket) -> PutPublicAccessBlockInputBuilder {
    let pab = PublicAccessBlockConfiguration::builder()
        .block_public_acls(b.block_public_acls)
        .ignore_public_acls(b.ignore_public_acls)
        .block_public_policy(b.block_public_policy)
        .restrict_public_buckets(b.restrict_public_buckets)
        .build();
    PutPublicAccessBlockInputBuilder::default().bucket(&b.name).public_access_block_configuration(pab)
}

/// PutBucketEncryption with the desired default algorithm and bucket key; `None` when the bucket
/// declares no encryption (nothing is sent).
pub fn encryption_request(b: &Bucket) -> Result<Option<PutBucketEncryptionInputBuilder>, InfraError> {
    let Some(alg) = &b.encryption else { return Ok(None) };
    let default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::from(alg.as_str()))
        .build()
        .map_err(build_err)?;
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(default)
        .bucket_key_enabled(b.bucket_key)
        .build();
    let conf = ServerSideEncryptionConfiguration::builder().rules(rule).build().map_err(build_err)?;
    Ok(Some(PutBucketEncryptionInputBuilder::default().bucket(&b.name).server_side_encryption_configuration(conf)))
}

/// PutBucketPolicy with the whole desired policy; `None` when the bucket declares none.
pub fn bucket_policy_request(b: &Bucket) -> Option<PutBucketPolicyInputBuilder> {
    b.policy.as_ref().map(|p| PutBucketPolicyInputBuilder::default().bucket(&b.name).policy(p.to_string()))
}

/// PutBucketLifecycleConfiguration with the one rule that aborts incomplete multipart uploads
/// (on every key); `None` when the bucket declares no such limit.
pub fn lifecycle_request(b: &Bucket) -> Result<Option<PutBucketLifecycleConfigurationInputBuilder>, InfraError> {
    let Some(days) = b.abort_incomplete_uploads_after_days else { return Ok(None) };
    let rule = LifecycleRule::builder()
        .id(ABORT_UPLOADS_RULE)
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("").build())
        .abort_incomplete_multipart_upload(
            AbortIncompleteMultipartUpload::builder().days_after_initiation(days).build(),
        )
        .build()
        .map_err(build_err)?;
    let conf = BucketLifecycleConfiguration::builder().rules(rule).build().map_err(build_err)?;
    Ok(Some(PutBucketLifecycleConfigurationInputBuilder::default().bucket(&b.name).lifecycle_configuration(conf)))
}

/// PutBucketTagging replaces the whole tag set: it sends everything the bucket has (`current`),
/// with our keys set to our values.
pub fn bucket_tagging_request(b: &Bucket, current: &Tags) -> Result<PutBucketTaggingInputBuilder, InfraError> {
    let mut all = current.clone();
    all.extend(b.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    let tags = all
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(build_err))
        .collect::<Result<Vec<_>, _>>()?;
    let tagging = Tagging::builder().set_tag_set(Some(tags)).build().map_err(build_err)?;
    Ok(PutBucketTaggingInputBuilder::default().bucket(&b.name).tagging(tagging))
}

pub fn delete_bucket_request(b: &Bucket) -> DeleteBucketInputBuilder {
    DeleteBucketInputBuilder::default().bucket(&b.name)
}
