//! Creating, configuring and deleting the output bucket: sends the requests that [`requests`]
//! builds from the desired bucket.

mod requests;

use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::resources::{Bucket, Tags};

use requests::{
    bucket_policy_request, bucket_tagging_request, create_bucket_request, delete_bucket_request, encryption_request,
    lifecycle_request, public_access_block_request,
};

pub async fn create_bucket(aws: &Aws, b: &Bucket) -> Result<(), InfraError> {
    create_bucket_request(b, &aws.arns.region)
        .send_with(&aws.s3)
        .await
        .map_err(|e| aws_err(&format!("s3 bucket {}", b.name), "s3:CreateBucket", e))?;
    configure_bucket(aws, b).await
}

/// Puts every setting of the bucket (each call replaces that setting whole).
pub async fn configure_bucket(aws: &Aws, b: &Bucket) -> Result<(), InfraError> {
    let what = format!("s3 bucket {}", b.name);
    let s3 = &aws.s3;
    public_access_block_request(b).send_with(s3).await.map_err(|e| aws_err(&what, "s3:PutPublicAccessBlock", e))?;
    if let Some(req) = encryption_request(b)? {
        req.send_with(s3).await.map_err(|e| aws_err(&what, "s3:PutBucketEncryption", e))?;
    }
    if let Some(req) = bucket_policy_request(b) {
        req.send_with(s3).await.map_err(|e| aws_err(&what, "s3:PutBucketPolicy", e))?;
    }
    if let Some(req) = lifecycle_request(b)? {
        req.send_with(s3).await.map_err(|e| aws_err(&what, "s3:PutBucketLifecycleConfiguration", e))?;
    }
    // PutBucketTagging replaces the whole tag set: read it, change only our keys, write it back.
    let current: Tags = match s3.get_bucket_tagging().bucket(&b.name).send().await {
        Ok(o) => o.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(),
        Err(e) if is_missing(&e, &["NoSuchTagSet"]) => Tags::new(),
        Err(e) => return Err(aws_err(&what, "s3:GetBucketTagging", e)),
    };
    bucket_tagging_request(b, &current)?.send_with(s3).await.map_err(|e| aws_err(&what, "s3:PutBucketTagging", e))?;
    Ok(())
}

pub async fn delete_bucket(aws: &Aws, b: &Bucket) -> Result<(), InfraError> {
    delete_bucket_request(b)
        .send_with(&aws.s3)
        .await
        .map_err(|e| aws_err(&format!("s3 bucket {}", b.name), "s3:DeleteBucket", e))?;
    Ok(())
}

#[cfg(test)]
mod tests;
