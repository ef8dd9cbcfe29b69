//! Creating, changing and deleting the IAM roles and their inline policies.

use aws_sdk_iam::types::Tag;

use crate::aws::Aws;
use crate::error::InfraError;
use crate::model::{Role, Tags};
use crate::remote::aws_err;

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

pub async fn create_role(aws: &Aws, r: &Role) -> Result<(), InfraError> {
    aws.iam
        .create_role()
        .role_name(&r.name)
        .assume_role_policy_document(r.assume_role_policy.to_string())
        .description("Managed by intervalprocessing infra")
        .set_tags(Some(iam_tags(&r.tags)?))
        .send()
        .await
        .map_err(|e| aws_err(&format!("iam role {}", r.name), "iam:CreateRole", e))?;
    put_policies(aws, r).await
}

async fn put_policies(aws: &Aws, r: &Role) -> Result<(), InfraError> {
    for (name, doc) in &r.policies {
        aws.iam
            .put_role_policy()
            .role_name(&r.name)
            .policy_name(name)
            .policy_document(doc.to_string())
            .send()
            .await
            .map_err(|e| aws_err(&format!("iam role {} policy {name}", r.name), "iam:PutRolePolicy", e))?;
    }
    Ok(())
}

pub async fn update_role(aws: &Aws, r: &Role, old: &Role) -> Result<(), InfraError> {
    let what = format!("iam role {}", r.name);
    if r.assume_role_policy != old.assume_role_policy {
        aws.iam
            .update_assume_role_policy()
            .role_name(&r.name)
            .policy_document(r.assume_role_policy.to_string())
            .send()
            .await
            .map_err(|e| aws_err(&what, "iam:UpdateAssumeRolePolicy", e))?;
    }
    put_policies(aws, r).await?;
    for name in old.policies.keys().filter(|n| !r.policies.contains_key(*n)) {
        delete_policy(aws, &r.name, name).await?;
    }
    aws.iam
        .tag_role()
        .role_name(&r.name)
        .set_tags(Some(iam_tags(&r.tags)?))
        .send()
        .await
        .map_err(|e| aws_err(&what, "iam:TagRole", e))?;
    Ok(())
}

pub async fn delete_role(aws: &Aws, r: &Role) -> Result<(), InfraError> {
    let what = format!("iam role {}", r.name);
    for name in r.policies.keys() {
        delete_policy(aws, &r.name, name).await?;
    }
    aws.iam.delete_role().role_name(&r.name).send().await.map_err(|e| aws_err(&what, "iam:DeleteRole", e))?;
    Ok(())
}

async fn delete_policy(aws: &Aws, role: &str, name: &str) -> Result<(), InfraError> {
    aws.iam
        .delete_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .map_err(|e| aws_err(&format!("iam role {role} policy {name}"), "iam:DeleteRolePolicy", e))?;
    Ok(())
}
