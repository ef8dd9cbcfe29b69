//! Reading an IAM role, its inline policies and tags.

use std::collections::BTreeMap;

use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::policy::{canonical, parse_document};
use crate::resources::{Role, ServiceLinkedRole};

pub async fn role(aws: &Aws, name: &str) -> Result<Option<Role>, InfraError> {
    let what = format!("iam role {name}");
    let out = match aws.iam.get_role().role_name(name).send().await {
        Ok(o) => o,
        Err(e) if is_missing(&e, &["NoSuchEntity"]) => return Ok(None),
        Err(e) => return Err(aws_err(&what, "iam:GetRole", e)),
    };
    let Some(r) = out.role() else { return Ok(None) };
    let trust = r.assume_role_policy_document().and_then(parse_document).map(|d| canonical(&d)).unwrap_or_default();
    let names = aws
        .iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| aws_err(&what, "iam:ListRolePolicies", e))?;
    let mut policies = BTreeMap::new();
    for policy in names.policy_names() {
        let doc = aws
            .iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(|e| aws_err(&what, "iam:GetRolePolicy", e))?;
        let value = parse_document(doc.policy_document()).map(|d| canonical(&d)).unwrap_or_default();
        policies.insert(policy.clone(), value);
    }
    let mut attached_policies = Vec::new();
    let mut marker = None;
    loop {
        let out = aws
            .iam
            .list_attached_role_policies()
            .role_name(name)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| aws_err(&what, "iam:ListAttachedRolePolicies", e))?;
        attached_policies.extend(out.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_owned)));
        marker = out.marker().map(str::to_owned);
        if !out.is_truncated() || marker.is_none() {
            break;
        }
    }
    attached_policies.sort();
    let tags =
        aws.iam.list_role_tags().role_name(name).send().await.map_err(|e| aws_err(&what, "iam:ListRoleTags", e))?;
    Ok(Some(Role {
        name: name.to_owned(),
        assume_role_policy: trust,
        policies,
        attached_policies,
        tags: tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(),
    }))
}

/// The service-linked role of `want.service`, found by its IAM path (`/aws-service-role/SERVICE/`),
/// which every service-linked role of that service has whatever its name.
pub async fn service_linked_role(aws: &Aws, want: &ServiceLinkedRole) -> Result<Option<ServiceLinkedRole>, InfraError> {
    let out = aws
        .iam
        .list_roles()
        .path_prefix(format!("/aws-service-role/{}/", want.service))
        .send()
        .await
        .map_err(|e| aws_err(&format!("service-linked role {}", want.name), "iam:ListRoles", e))?;
    Ok((!out.roles().is_empty()).then(|| want.clone()))
}
