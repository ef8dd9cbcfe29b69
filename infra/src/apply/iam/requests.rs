//! The requests that create, change and delete the IAM roles and their inline policies: each built
//! from the desired role alone, sent by [`super`].

use aws_sdk_iam::operation::create_role::builders::CreateRoleInputBuilder;
use aws_sdk_iam::operation::create_service_linked_role::builders::CreateServiceLinkedRoleInputBuilder;
use aws_sdk_iam::operation::delete_role::builders::DeleteRoleInputBuilder;
use aws_sdk_iam::operation::delete_role_policy::builders::DeleteRolePolicyInputBuilder;
use aws_sdk_iam::operation::put_role_policy::builders::PutRolePolicyInputBuilder;
use aws_sdk_iam::operation::tag_role::builders::TagRoleInputBuilder;
use aws_sdk_iam::operation::update_assume_role_policy::builders::UpdateAssumeRolePolicyInputBuilder;
use aws_sdk_iam::types::Tag;

use crate::error::InfraError;
use crate::policy;
use crate::resources::{Role, ServiceLinkedRole, Tags};

/// The description of every role infra creates.
pub const ROLE_DESCRIPTION: &str = "Managed by intervalprocessing infra";

fn iam_tags(tags: &Tags) -> Result<Vec<Tag>, InfraError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| InfraError::Failed(format!("cannot build iam tags: {e}")))
        })
        .collect()
}

/// CreateRole: the name, trust policy, description and our tags (inline policies follow).
pub fn create_role_request(r: &Role) -> Result<CreateRoleInputBuilder, InfraError> {
    Ok(CreateRoleInputBuilder::default()
        .role_name(&r.name)
        .assume_role_policy_document(r.assume_role_policy.to_string())
        .description(ROLE_DESCRIPTION)
        .set_tags(Some(iam_tags(&r.tags)?)))
}

/// One PutRolePolicy per inline policy of the file, each with its whole document. Policies
/// someone else put on the role are not named, so they stay.
pub fn role_policy_requests(r: &Role) -> Vec<(&str, PutRolePolicyInputBuilder)> {
    r.policies
        .iter()
        .map(|(name, doc)| {
            let req = PutRolePolicyInputBuilder::default()
                .role_name(&r.name)
                .policy_name(name)
                .policy_document(doc.to_string());
            (name.as_str(), req)
        })
        .collect()
}

/// UpdateAssumeRolePolicy with the desired trust policy, only when it differs from `old`'s.
pub fn trust_policy_request(r: &Role, old: &Role) -> Option<UpdateAssumeRolePolicyInputBuilder> {
    (!policy::same(&r.assume_role_policy, &old.assume_role_policy)).then(|| {
        UpdateAssumeRolePolicyInputBuilder::default()
            .role_name(&r.name)
            .policy_document(r.assume_role_policy.to_string())
    })
}

/// TagRole: our tags (tags of others stay).
pub fn tag_role_request(r: &Role) -> Result<TagRoleInputBuilder, InfraError> {
    Ok(TagRoleInputBuilder::default().role_name(&r.name).set_tags(Some(iam_tags(&r.tags)?)))
}

/// One DeleteRolePolicy per inline policy the role has (it must be empty before DeleteRole).
pub fn delete_role_policy_requests(r: &Role) -> Vec<(&str, DeleteRolePolicyInputBuilder)> {
    r.policies
        .keys()
        .map(|name| (name.as_str(), DeleteRolePolicyInputBuilder::default().role_name(&r.name).policy_name(name)))
        .collect()
}

pub fn delete_role_request(r: &Role) -> DeleteRoleInputBuilder {
    DeleteRoleInputBuilder::default().role_name(&r.name)
}

pub fn create_service_linked_role_request(r: &ServiceLinkedRole) -> CreateServiceLinkedRoleInputBuilder {
    CreateServiceLinkedRoleInputBuilder::default().aws_service_name(&r.service)
}
