//! Reading an IAM role, its inline policies and tags.

use std::collections::BTreeMap;

use super::{aws_err, is_missing};
use crate::aws::Aws;
use crate::error::InfraError;
use crate::model::Role;
use crate::policy::{canonical, parse_document};

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
    let tags =
        aws.iam.list_role_tags().role_name(name).send().await.map_err(|e| aws_err(&what, "iam:ListRoleTags", e))?;
    Ok(Some(Role {
        name: name.to_owned(),
        assume_role_policy: trust,
        policies,
        tags: tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(),
    }))
}
