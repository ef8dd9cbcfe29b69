use serde_json::Value;

use super::requests::{
    ABORT_UPLOADS_RULE, bucket_policy_request, bucket_tagging_request, create_bucket_request, delete_bucket_request,
    encryption_request, lifecycle_request, public_access_block_request,
};
use crate::desired::bucket;
use crate::fixtures::{arns, settings};
use crate::resources::{Bucket, Tags};

fn want() -> Bucket {
    bucket(&settings(), &arns())
}

#[test]
fn the_create_bucket_request_has_a_location_constraint_outside_us_east_1_only() {
    let b = want();
    let east = create_bucket_request(&b, "us-east-1");
    assert_eq!(east.get_bucket().as_deref(), Some(b.name.as_str()));
    assert_eq!(east.get_create_bucket_configuration(), &None);
    let frankfurt = create_bucket_request(&b, "eu-central-1");
    assert_eq!(frankfurt.get_bucket().as_deref(), Some(b.name.as_str()));
    let constraint = frankfurt.get_create_bucket_configuration().as_ref().and_then(|c| c.location_constraint());
    assert_eq!(constraint.map(|c| c.as_str()), Some("eu-central-1"));
}

#[test]
fn the_public_access_block_request_blocks_all_four_ways() {
    let b = want();
    let req = public_access_block_request(&b);
    assert_eq!(req.get_bucket().as_deref(), Some(b.name.as_str()));
    let pab = req.get_public_access_block_configuration().as_ref().unwrap_or_else(|| panic!("no configuration"));
    let all =
        [pab.block_public_acls(), pab.ignore_public_acls(), pab.block_public_policy(), pab.restrict_public_buckets()];
    assert_eq!(all, [Some(true); 4]);
}

#[test]
fn the_encryption_request_sets_sse_s3_with_a_bucket_key_and_none_is_sent_without_encryption() {
    let mut b = want();
    let req = encryption_request(&b).unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("no request"));
    assert_eq!(req.get_bucket().as_deref(), Some(b.name.as_str()));
    let conf = req.get_server_side_encryption_configuration().as_ref().unwrap_or_else(|| panic!("no configuration"));
    let [rule] = conf.rules() else { panic!("one rule") };
    let default = rule.apply_server_side_encryption_by_default().map(|d| d.sse_algorithm().as_str());
    assert_eq!(default, Some("AES256"));
    assert_eq!(rule.bucket_key_enabled(), Some(true));
    b.encryption = None;
    assert!(encryption_request(&b).unwrap_or_else(|e| panic!("{e}")).is_none());
}

#[test]
fn the_bucket_policy_request_sends_the_whole_tls_only_policy() {
    let mut b = want();
    let req = bucket_policy_request(&b).unwrap_or_else(|| panic!("no request"));
    assert_eq!(req.get_bucket().as_deref(), Some(b.name.as_str()));
    let sent: Value =
        serde_json::from_str(req.get_policy().as_deref().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Some(&sent), b.policy.as_ref());
    assert!(sent.to_string().contains("aws:SecureTransport"), "{sent}");
    b.policy = None;
    assert!(bucket_policy_request(&b).is_none());
}

#[test]
fn the_lifecycle_request_aborts_incomplete_uploads_of_every_key_after_the_configured_days() {
    let mut b = want();
    let days = b.abort_incomplete_uploads_after_days.unwrap_or_else(|| panic!("the example sets a limit"));
    let req = lifecycle_request(&b).unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|| panic!("no request"));
    assert_eq!(req.get_bucket().as_deref(), Some(b.name.as_str()));
    let conf = req.get_lifecycle_configuration().as_ref().unwrap_or_else(|| panic!("no configuration"));
    let [rule] = conf.rules() else { panic!("one rule") };
    assert_eq!(rule.id(), Some(ABORT_UPLOADS_RULE));
    assert_eq!(rule.status().as_str(), "Enabled");
    assert_eq!(rule.filter().and_then(|f| f.prefix()), Some(""));
    assert_eq!(rule.abort_incomplete_multipart_upload().and_then(|a| a.days_after_initiation()), Some(days));
    assert_eq!(rule.expiration(), None, "no object is ever expired");
    b.abort_incomplete_uploads_after_days = None;
    assert!(lifecycle_request(&b).unwrap_or_else(|e| panic!("{e}")).is_none());
}

#[test]
fn the_bucket_tagging_request_keeps_foreign_tags_and_sets_ours() {
    let mut b = want();
    b.tags = Tags::from([
        ("Team".to_owned(), "metering".to_owned()),
        ("ManagedBy".to_owned(), "intervalprocessing".to_owned()),
    ]);
    let current = Tags::from([("cost-center".to_owned(), "x".to_owned()), ("Team".to_owned(), "old".to_owned())]);
    let req = bucket_tagging_request(&b, &current).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.get_bucket().as_deref(), Some(b.name.as_str()));
    let sent: Vec<(&str, &str)> =
        req.get_tagging().iter().flat_map(|t| t.tag_set()).map(|t| (t.key(), t.value())).collect();
    assert_eq!(sent, [("ManagedBy", "intervalprocessing"), ("Team", "metering"), ("cost-center", "x")]);
}

#[test]
fn the_delete_bucket_request_names_only_the_bucket() {
    let b = want();
    let req = delete_bucket_request(&b);
    assert_eq!(req.get_bucket().as_deref(), Some(b.name.as_str()));
    assert_eq!(req.get_expected_bucket_owner(), &None);
}
