//! The output bucket: private, SSE-S3 encrypted, TLS only, incomplete uploads cleaned up.

use serde_json::json;

use super::tags::tags;
use crate::arns::Arns;
use crate::policy::document;
use crate::resources::Bucket;
use crate::validate::Settings;

pub fn bucket(s: &Settings, arns: &Arns) -> Bucket {
    let arn = arns.bucket(&s.bucket);
    // A Deny on every S3 action over plain HTTP: the one place a wildcard action is right, because it
    // takes access away instead of granting it. The condition value is a plain string, as policy
    // linters expect for a Bool test.
    let tls_only = json!({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": { "AWS": "*" },
        "Action": "s3:*",
        "Resource": [arn.clone(), format!("{arn}/*")],
        "Condition": { "Bool": { "aws:SecureTransport": "false" } }
    });
    Bucket {
        name: s.bucket.clone(),
        block_public_acls: true,
        ignore_public_acls: true,
        block_public_policy: true,
        restrict_public_buckets: true,
        encryption: Some("AES256".to_owned()),
        bucket_key: true,
        policy: Some(document(vec![tls_only])),
        abort_incomplete_uploads_after_days: Some(s.file.abort_incomplete_uploads_after_days),
        tags: tags(s),
    }
}
