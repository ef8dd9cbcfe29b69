use serde_json::Value;

use super::already_exists;
use super::requests::{
    ROLE_DESCRIPTION, create_role_request, create_service_linked_role_request, delete_role_policy_requests,
    delete_role_request, role_policy_requests, tag_role_request, trust_policy_request,
};
use crate::desired::{ecs_service_linked_role, execution_role, scheduler_role, task_role};
use crate::fixtures::{arns, settings};
use crate::policy::trust;
use crate::resources::Tags;

fn parsed(doc: &Option<String>) -> Value {
    serde_json::from_str(doc.as_deref().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"))
}

fn iam_tags(tags: &Option<Vec<aws_sdk_iam::types::Tag>>) -> Tags {
    tags.iter().flatten().map(|t| (t.key().to_owned(), t.value().to_owned())).collect()
}

#[test]
fn the_create_role_request_sends_the_trust_policy_description_and_our_tags() {
    let s = settings();
    for want in [execution_role(&s, &arns()), task_role(&s, &arns()), scheduler_role(&s, &arns())] {
        let req = create_role_request(&want).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(req.get_role_name().as_deref(), Some(want.name.as_str()));
        assert_eq!(parsed(req.get_assume_role_policy_document()), want.assume_role_policy, "{}", want.name);
        assert_eq!(req.get_description().as_deref(), Some(ROLE_DESCRIPTION));
        assert_eq!(iam_tags(req.get_tags()), want.tags);
        assert!(want.tags.contains_key("ManagedBy"));
    }
}

#[test]
fn the_inline_policy_requests_put_each_policy_of_the_file_whole_and_no_other() {
    let s = settings();
    let want = execution_role(&s, &arns());
    let puts = role_policy_requests(&want);
    let sent: Vec<(&str, Value)> = puts
        .iter()
        .map(|(name, req)| {
            assert_eq!(req.get_role_name().as_deref(), Some(want.name.as_str()));
            assert_eq!(req.get_policy_name().as_deref(), Some(*name));
            (*name, parsed(req.get_policy_document()))
        })
        .collect();
    let expected: Vec<(&str, Value)> = want.policies.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    assert_eq!(sent, expected);
    assert_eq!(sent.len(), 1);
}

#[test]
fn the_trust_policy_is_sent_only_when_it_differs_from_the_roles() {
    let s = settings();
    let want = scheduler_role(&s, &arns());
    assert!(trust_policy_request(&want, &want.clone()).is_none(), "an unchanged trust policy is not rewritten");
    let mut old = want.clone();
    old.assume_role_policy = trust("ecs-tasks.amazonaws.com", "123456789012");
    let req = trust_policy_request(&want, &old).unwrap_or_else(|| panic!("a changed trust policy is rewritten"));
    assert_eq!(req.get_role_name().as_deref(), Some(want.name.as_str()));
    assert_eq!(parsed(req.get_policy_document()), want.assume_role_policy);
}

#[test]
fn the_tag_role_request_sets_our_tags_on_the_role() {
    let s = settings();
    let want = task_role(&s, &arns());
    let req = tag_role_request(&want).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.get_role_name().as_deref(), Some(want.name.as_str()));
    assert_eq!(iam_tags(req.get_tags()), want.tags);
}

#[test]
fn deleting_a_role_deletes_its_inline_policies_then_the_role() {
    let s = settings();
    let have = task_role(&s, &arns());
    let deletes = delete_role_policy_requests(&have);
    let names: Vec<(&str, Option<&str>, Option<&str>)> =
        deletes.iter().map(|(n, r)| (*n, r.get_role_name().as_deref(), r.get_policy_name().as_deref())).collect();
    assert_eq!(names, [("output", Some(have.name.as_str()), Some("output"))]);
    assert_eq!(delete_role_request(&have).get_role_name().as_deref(), Some(have.name.as_str()));
}

#[test]
fn the_service_linked_role_request_names_the_ecs_service() {
    let req = create_service_linked_role_request(&ecs_service_linked_role());
    assert_eq!(req.get_aws_service_name().as_deref(), Some("ecs.amazonaws.com"));
    assert_eq!(req.get_custom_suffix(), &None);
}

#[test]
fn a_taken_service_linked_role_counts_as_created() {
    let taken = "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.";
    assert!(already_exists(Some("InvalidInput"), taken));
    assert!(already_exists(Some("EntityAlreadyExists"), "Role with name AWSServiceRoleForECS already exists."));
    assert!(!already_exists(Some("InvalidInput"), "Invalid service name"));
    assert!(!already_exists(Some("AccessDenied"), taken));
}
