//! Creating, changing and deleting the IAM roles and their inline policies: sends the requests
//! that [`requests`] builds from the desired roles.

mod requests;

use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::error::InfraError;
use crate::resources::{Role, ServiceLinkedRole};

use requests::{
    create_role_request, create_service_linked_role_request, delete_role_policy_requests, delete_role_request,
    role_policy_requests, tag_role_request, trust_policy_request,
};

pub async fn create_role(aws: &Aws, r: &Role) -> Result<(), InfraError> {
    create_role_request(r)?
        .send_with(&aws.iam)
        .await
        .map_err(|e| aws_err(&format!("iam role {}", r.name), "iam:CreateRole", e))?;
    put_policies(aws, r).await
}

async fn put_policies(aws: &Aws, r: &Role) -> Result<(), InfraError> {
    for (name, req) in role_policy_requests(r) {
        req.send_with(&aws.iam)
            .await
            .map_err(|e| aws_err(&format!("iam role {} policy {name}", r.name), "iam:PutRolePolicy", e))?;
    }
    Ok(())
}

pub async fn update_role(aws: &Aws, r: &Role, old: &Role) -> Result<(), InfraError> {
    let what = format!("iam role {}", r.name);
    if let Some(req) = trust_policy_request(r, old) {
        req.send_with(&aws.iam).await.map_err(|e| aws_err(&what, "iam:UpdateAssumeRolePolicy", e))?;
    }
    // Only the file's policies are written. Policies someone else put on the role (inline or
    // attached) are never removed: the plan reports them as drift.
    put_policies(aws, r).await?;
    tag_role_request(r)?.send_with(&aws.iam).await.map_err(|e| aws_err(&what, "iam:TagRole", e))?;
    Ok(())
}

/// Deletes the role with its inline policies. `destroy` hands over only roles that carry no
/// policy the file does not declare (it keeps the others whole, `commands/destroy.rs`).
pub async fn delete_role(aws: &Aws, r: &Role) -> Result<(), InfraError> {
    for (name, req) in delete_role_policy_requests(r) {
        req.send_with(&aws.iam)
            .await
            .map_err(|e| aws_err(&format!("iam role {} policy {name}", r.name), "iam:DeleteRolePolicy", e))?;
    }
    delete_role_request(r)
        .send_with(&aws.iam)
        .await
        .map_err(|e| aws_err(&format!("iam role {}", r.name), "iam:DeleteRole", e))?;
    Ok(())
}

/// Creates a service-linked role. "Has been taken" (someone created it meanwhile) is success.
pub async fn create_service_linked_role(aws: &Aws, r: &ServiceLinkedRole) -> Result<(), InfraError> {
    match create_service_linked_role_request(r).send_with(&aws.iam).await {
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
mod tests;
