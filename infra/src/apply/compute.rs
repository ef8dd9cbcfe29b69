//! Creating, changing and deleting the ECR repository, cluster, log groups and task definitions:
//! sends the requests that [`requests`] builds from the desired resources.

mod requests;

use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::error::InfraError;
use crate::remote::task_definition_revisions;
use crate::resources::{Cluster, EcrRepository, LogGroup, TaskDefinition};

pub use requests::task_definition_request;
use requests::{
    RetentionRequest, cluster_capacity_request, cluster_tag_request, create_cluster_request, create_log_group_request,
    create_repository_request, delete_cluster_request, delete_log_group_request, delete_repository_request,
    deregister_task_definition_request, log_group_tag_request, repository_scanning_request, repository_tag_request,
    retention_request,
};

pub async fn create_ecr_repository(aws: &Aws, r: &EcrRepository) -> Result<(), InfraError> {
    create_repository_request(r)?
        .send_with(&aws.ecr)
        .await
        .map_err(|e| aws_err(&format!("ecr repository {}", r.name), "ecr:CreateRepository", e))?;
    Ok(())
}

pub async fn update_ecr_repository(aws: &Aws, r: &EcrRepository) -> Result<(), InfraError> {
    let what = format!("ecr repository {}", r.name);
    repository_scanning_request(r)
        .send_with(&aws.ecr)
        .await
        .map_err(|e| aws_err(&what, "ecr:PutImageScanningConfiguration", e))?;
    repository_tag_request(r, &aws.arns)?
        .send_with(&aws.ecr)
        .await
        .map_err(|e| aws_err(&what, "ecr:TagResource", e))?;
    Ok(())
}

pub async fn delete_ecr_repository(aws: &Aws, r: &EcrRepository) -> Result<(), InfraError> {
    delete_repository_request(r)
        .send_with(&aws.ecr)
        .await
        .map_err(|e| aws_err(&format!("ecr repository {}", r.name), "ecr:DeleteRepository", e))?;
    Ok(())
}

/// Creates the cluster. Right after the ECS service-linked role was created, CreateCluster with
/// capacity providers fails until the role has propagated: that error is retried.
pub async fn create_cluster(aws: &Aws, c: &Cluster) -> Result<(), InfraError> {
    let request = create_cluster_request(c)?;
    crate::propagation::retry(&aws.out, || async {
        request
            .clone()
            .send_with(&aws.ecs)
            .await
            .map_err(|e| aws_err(&format!("ecs cluster {}", c.name), "ecs:CreateCluster", e))
    })
    .await?;
    Ok(())
}

pub async fn update_cluster(aws: &Aws, c: &Cluster) -> Result<(), InfraError> {
    let what = format!("ecs cluster {}", c.name);
    cluster_capacity_request(c)?
        .send_with(&aws.ecs)
        .await
        .map_err(|e| aws_err(&what, "ecs:PutClusterCapacityProviders", e))?;
    cluster_tag_request(c, &aws.arns).send_with(&aws.ecs).await.map_err(|e| aws_err(&what, "ecs:TagResource", e))?;
    Ok(())
}

pub async fn delete_cluster(aws: &Aws, c: &Cluster) -> Result<(), InfraError> {
    delete_cluster_request(c)
        .send_with(&aws.ecs)
        .await
        .map_err(|e| aws_err(&format!("ecs cluster {}", c.name), "ecs:DeleteCluster", e))?;
    Ok(())
}

pub async fn create_log_group(aws: &Aws, g: &LogGroup) -> Result<(), InfraError> {
    create_log_group_request(g)
        .send_with(&aws.logs)
        .await
        .map_err(|e| aws_err(&format!("log group {}", g.name), "logs:CreateLogGroup", e))?;
    put_retention(aws, g).await
}

async fn put_retention(aws: &Aws, g: &LogGroup) -> Result<(), InfraError> {
    let what = format!("log group {}", g.name);
    match retention_request(g) {
        RetentionRequest::Put(r) => {
            r.send_with(&aws.logs).await.map(|_| ()).map_err(|e| aws_err(&what, "logs:PutRetentionPolicy", e))
        }
        RetentionRequest::Delete(r) => {
            r.send_with(&aws.logs).await.map(|_| ()).map_err(|e| aws_err(&what, "logs:DeleteRetentionPolicy", e))
        }
    }
}

pub async fn update_log_group(aws: &Aws, g: &LogGroup) -> Result<(), InfraError> {
    put_retention(aws, g).await?;
    log_group_tag_request(g, &aws.arns)
        .send_with(&aws.logs)
        .await
        .map_err(|e| aws_err(&format!("log group {}", g.name), "logs:TagResource", e))?;
    Ok(())
}

pub async fn delete_log_group(aws: &Aws, g: &LogGroup) -> Result<(), InfraError> {
    delete_log_group_request(g)
        .send_with(&aws.logs)
        .await
        .map_err(|e| aws_err(&format!("log group {}", g.name), "logs:DeleteLogGroup", e))?;
    Ok(())
}

/// Registers a revision of the task definition. Right after the execution or task role was created,
/// ECS answers `ClientException: Role is not valid` until the role has propagated: that is retried.
pub async fn register_task_definition(aws: &Aws, t: &TaskDefinition) -> Result<(), InfraError> {
    let request = task_definition_request(t)?;
    crate::propagation::retry(&aws.out, || async {
        request
            .clone()
            .send_with(&aws.ecs)
            .await
            .map_err(|e| aws_err(&format!("task definition {}", t.family), "ecs:RegisterTaskDefinition", e))
    })
    .await?;
    Ok(())
}

/// Deregisters every ACTIVE revision of the family.
pub async fn deregister_task_definitions(aws: &Aws, t: &TaskDefinition) -> Result<(), InfraError> {
    for arn in task_definition_revisions(aws, &t.family).await? {
        deregister_task_definition_request(&arn)
            .send_with(&aws.ecs)
            .await
            .map_err(|e| aws_err(&format!("task definition {arn}"), "ecs:DeregisterTaskDefinition", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
