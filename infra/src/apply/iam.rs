//! Creating, changing and deleting the IAM roles and their inline policies.

use aws_sdk_iam::types::Tag;

use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::error::InfraError;
use crate::policy;
use crate::resources::{Role, ServiceLinkedRole, Tags};

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
    if !policy::same(&r.assume_role_policy, &old.assume_role_policy) {
        aws.iam
            .update_assume_role_policy()
            .role_name(&r.name)
            .policy_document(r.assume_role_policy.to_string())
            .send()
            .await
            .map_err(|e| aws_err(&what, "iam:UpdateAssumeRolePolicy", e))?;
    }
    // Only the file's policies are written. Policies someone else put on the role (inline or
    // attached) are never removed: the plan reports them as drift.
    put_policies(aws, r).await?;
    aws.iam
        .tag_role()
        .role_name(&r.name)
        .set_tags(Some(iam_tags(&r.tags)?))
        .send()
        .await
        .map_err(|e| aws_err(&what, "iam:TagRole", e))?;
    Ok(())
}

/// Deletes the role with its inline policies. A role with managed policies attached by someone
/// else is kept: DeleteRole fails and says so (destroy never detaches what it did not attach).
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

/// Creates a service-linked role. "Has been taken" (someone created it meanwhile) is success.
pub async fn create_service_linked_role(aws: &Aws, r: &ServiceLinkedRole) -> Result<(), InfraError> {
    match aws.iam.create_service_linked_role().aws_service_name(&r.service).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = aws_err(&format!("service-linked role {}", r.name), "iam:CreateServiceLinkedRole", e);
            if let InfraError::Aws { code, message, .. } = &err
                && already_exists(code.as_deref(), message)
            {
                return Ok(());
            }
            Err(err)
        }
    }
}

/// IAM's answers when the service-linked role exists already.
fn already_exists(code: Option<&str>, message: &str) -> bool {
    matches!(code, Some("InvalidInput") if message.contains("has been taken")) || code == Some("EntityAlreadyExists")
}

#[cfg(test)]
mod tests {
    use super::already_exists;

    #[test]
    fn a_taken_service_linked_role_counts_as_created() {
        let taken =
            "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.";
        assert!(already_exists(Some("InvalidInput"), taken));
        assert!(already_exists(Some("EntityAlreadyExists"), "Role with name AWSServiceRoleForECS already exists."));
        assert!(!already_exists(Some("InvalidInput"), "Invalid service name"));
        assert!(!already_exists(Some("AccessDenied"), taken));
    }
}
