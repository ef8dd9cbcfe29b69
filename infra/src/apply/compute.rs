//! Creating, changing and deleting the ECR repository, cluster, log groups and task definitions.

use aws_sdk_ecs::types::{
    CapacityProviderStrategyItem, Compatibility, ContainerDefinition, CpuArchitecture, EphemeralStorage, KeyValuePair,
    LogConfiguration, LogDriver, NetworkMode, OsFamily, RuntimePlatform, Secret,
};

use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionInputBuilder;

use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::error::InfraError;
use crate::remote::task_definition_revisions;
use crate::resources::{CapacityProvider, Cluster, EcrRepository, LogGroup, Tags, TaskDefinition};

fn build_err(what: &str, e: impl std::fmt::Display) -> InfraError {
    InfraError::Failed(format!("cannot build the request for {what}: {e}"))
}

fn ecr_tags(tags: &Tags) -> Result<Vec<aws_sdk_ecr::types::Tag>, InfraError> {
    tags.iter()
        .map(|(k, v)| aws_sdk_ecr::types::Tag::builder().key(k).value(v).build().map_err(|e| build_err("ecr tags", e)))
        .collect()
}

fn ecs_tags(tags: &Tags) -> Vec<aws_sdk_ecs::types::Tag> {
    tags.iter().map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(k).value(v).build()).collect()
}

fn strategy(s: &[CapacityProvider]) -> Result<Vec<CapacityProviderStrategyItem>, InfraError> {
    s.iter()
        .map(|s| {
            CapacityProviderStrategyItem::builder()
                .capacity_provider(&s.capacity_provider)
                .weight(s.weight)
                .base(s.base)
                .build()
                .map_err(|e| build_err("capacity provider strategy", e))
        })
        .collect()
}

pub async fn create_ecr_repository(aws: &Aws, r: &EcrRepository) -> Result<(), InfraError> {
    let scan = aws_sdk_ecr::types::ImageScanningConfiguration::builder().scan_on_push(r.scan_on_push).build();
    aws.ecr
        .create_repository()
        .repository_name(&r.name)
        .image_scanning_configuration(scan)
        .set_tags(Some(ecr_tags(&r.tags)?))
        .send()
        .await
        .map_err(|e| aws_err(&format!("ecr repository {}", r.name), "ecr:CreateRepository", e))?;
    Ok(())
}

pub async fn update_ecr_repository(aws: &Aws, r: &EcrRepository) -> Result<(), InfraError> {
    let what = format!("ecr repository {}", r.name);
    let scan = aws_sdk_ecr::types::ImageScanningConfiguration::builder().scan_on_push(r.scan_on_push).build();
    aws.ecr
        .put_image_scanning_configuration()
        .repository_name(&r.name)
        .image_scanning_configuration(scan)
        .send()
        .await
        .map_err(|e| aws_err(&what, "ecr:PutImageScanningConfiguration", e))?;
    aws.ecr
        .tag_resource()
        .resource_arn(aws.arns.ecr_repository(&r.name))
        .set_tags(Some(ecr_tags(&r.tags)?))
        .send()
        .await
        .map_err(|e| aws_err(&what, "ecr:TagResource", e))?;
    Ok(())
}

pub async fn delete_ecr_repository(aws: &Aws, r: &EcrRepository) -> Result<(), InfraError> {
    // Without force: a repository that still holds images is not deleted (the error says so).
    aws.ecr
        .delete_repository()
        .repository_name(&r.name)
        .send()
        .await
        .map_err(|e| aws_err(&format!("ecr repository {}", r.name), "ecr:DeleteRepository", e))?;
    Ok(())
}

/// Creates the cluster. Right after the ECS service-linked role was created, CreateCluster with
/// capacity providers fails until the role has propagated: that error is retried.
pub async fn create_cluster(aws: &Aws, c: &Cluster) -> Result<(), InfraError> {
    let strategy = strategy(&c.default_strategy)?;
    crate::propagation::retry(&aws.out, || async {
        aws.ecs
            .create_cluster()
            .cluster_name(&c.name)
            .set_capacity_providers(Some(c.capacity_providers.clone()))
            .set_default_capacity_provider_strategy(Some(strategy.clone()))
            .set_tags(Some(ecs_tags(&c.tags)))
            .send()
            .await
            .map_err(|e| aws_err(&format!("ecs cluster {}", c.name), "ecs:CreateCluster", e))
    })
    .await?;
    Ok(())
}

pub async fn update_cluster(aws: &Aws, c: &Cluster) -> Result<(), InfraError> {
    let what = format!("ecs cluster {}", c.name);
    aws.ecs
        .put_cluster_capacity_providers()
        .cluster(&c.name)
        .set_capacity_providers(Some(c.capacity_providers.clone()))
        .set_default_capacity_provider_strategy(Some(strategy(&c.default_strategy)?))
        .send()
        .await
        .map_err(|e| aws_err(&what, "ecs:PutClusterCapacityProviders", e))?;
    aws.ecs
        .tag_resource()
        .resource_arn(aws.arns.cluster(&c.name))
        .set_tags(Some(ecs_tags(&c.tags)))
        .send()
        .await
        .map_err(|e| aws_err(&what, "ecs:TagResource", e))?;
    Ok(())
}

pub async fn delete_cluster(aws: &Aws, c: &Cluster) -> Result<(), InfraError> {
    aws.ecs
        .delete_cluster()
        .cluster(&c.name)
        .send()
        .await
        .map_err(|e| aws_err(&format!("ecs cluster {}", c.name), "ecs:DeleteCluster", e))?;
    Ok(())
}

pub async fn create_log_group(aws: &Aws, g: &LogGroup) -> Result<(), InfraError> {
    aws.logs
        .create_log_group()
        .log_group_name(&g.name)
        .set_tags(Some(g.tags.clone().into_iter().collect()))
        .send()
        .await
        .map_err(|e| aws_err(&format!("log group {}", g.name), "logs:CreateLogGroup", e))?;
    put_retention(aws, g).await
}

async fn put_retention(aws: &Aws, g: &LogGroup) -> Result<(), InfraError> {
    let what = format!("log group {}", g.name);
    match g.retention_days {
        Some(days) => aws
            .logs
            .put_retention_policy()
            .log_group_name(&g.name)
            .retention_in_days(days)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_err(&what, "logs:PutRetentionPolicy", e)),
        None => aws
            .logs
            .delete_retention_policy()
            .log_group_name(&g.name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_err(&what, "logs:DeleteRetentionPolicy", e)),
    }
}

pub async fn update_log_group(aws: &Aws, g: &LogGroup) -> Result<(), InfraError> {
    put_retention(aws, g).await?;
    aws.logs
        .tag_resource()
        .resource_arn(aws.arns.log_group(&g.name))
        .set_tags(Some(g.tags.clone().into_iter().collect()))
        .send()
        .await
        .map_err(|e| aws_err(&format!("log group {}", g.name), "logs:TagResource", e))?;
    Ok(())
}

pub async fn delete_log_group(aws: &Aws, g: &LogGroup) -> Result<(), InfraError> {
    aws.logs
        .delete_log_group()
        .log_group_name(&g.name)
        .send()
        .await
        .map_err(|e| aws_err(&format!("log group {}", g.name), "logs:DeleteLogGroup", e))?;
    Ok(())
}

pub async fn register_task_definition(aws: &Aws, t: &TaskDefinition) -> Result<(), InfraError> {
    task_definition_request(t)?
        .send_with(&aws.ecs)
        .await
        .map_err(|e| aws_err(&format!("task definition {}", t.family), "ecs:RegisterTaskDefinition", e))?;
    Ok(())
}

/// RegisterTaskDefinition for `t`: every field of the desired task definition, nothing else.
pub fn task_definition_request(t: &TaskDefinition) -> Result<RegisterTaskDefinitionInputBuilder, InfraError> {
    let what = format!("task definition {}", t.family);
    let c = &t.container;
    let environment =
        c.environment.iter().map(|(k, v)| KeyValuePair::builder().name(k).value(v).build()).collect::<Vec<_>>();
    let secrets = c
        .secrets
        .iter()
        .map(|(k, v)| Secret::builder().name(k).value_from(v).build().map_err(|e| build_err(&what, e)))
        .collect::<Result<Vec<_>, _>>()?;
    let logs = match &c.log_driver {
        Some(driver) => Some(
            LogConfiguration::builder()
                .log_driver(LogDriver::from(driver.as_str()))
                .set_options(Some(c.log_options.clone().into_iter().collect()))
                .build()
                .map_err(|e| build_err(&what, e))?,
        ),
        None => None,
    };
    let container = ContainerDefinition::builder()
        .name(&c.name)
        .image(&c.image)
        .essential(c.essential)
        .set_memory_reservation(c.memory_reservation)
        .set_stop_timeout(c.stop_timeout)
        .set_environment(Some(environment))
        .set_secrets(Some(secrets))
        .set_log_configuration(logs)
        .build();
    let platform = RuntimePlatform::builder()
        .operating_system_family(OsFamily::from(t.operating_system.as_str()))
        .cpu_architecture(CpuArchitecture::from(t.cpu_architecture.as_str()))
        .build();
    let storage = EphemeralStorage::builder().size_in_gib(t.ephemeral_storage_gib).build();
    Ok(RegisterTaskDefinitionInputBuilder::default()
        .family(&t.family)
        .cpu(&t.cpu)
        .memory(&t.memory)
        .network_mode(NetworkMode::from(t.network_mode.as_str()))
        .set_requires_compatibilities(Some(
            t.requires_compatibilities.iter().map(|c| Compatibility::from(c.as_str())).collect(),
        ))
        .runtime_platform(platform)
        .execution_role_arn(&t.execution_role_arn)
        .task_role_arn(&t.task_role_arn)
        .ephemeral_storage(storage)
        .container_definitions(container)
        .set_tags(Some(ecs_tags(&t.tags))))
}

/// Deregisters every ACTIVE revision of the family.
pub async fn deregister_task_definitions(aws: &Aws, t: &TaskDefinition) -> Result<(), InfraError> {
    for arn in task_definition_revisions(aws, &t.family).await? {
        aws.ecs
            .deregister_task_definition()
            .task_definition(&arn)
            .send()
            .await
            .map_err(|e| aws_err(&format!("task definition {arn}"), "ecs:DeregisterTaskDefinition", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
