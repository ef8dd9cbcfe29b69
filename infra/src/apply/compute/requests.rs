//! The requests that create, change and delete the ECR repository, cluster, log groups and task
//! definitions: each built from the desired resource alone, sent by [`super`].

use aws_sdk_cloudwatchlogs::operation::create_log_group::builders::CreateLogGroupInputBuilder;
use aws_sdk_cloudwatchlogs::operation::delete_log_group::builders::DeleteLogGroupInputBuilder;
use aws_sdk_cloudwatchlogs::operation::delete_retention_policy::builders::DeleteRetentionPolicyInputBuilder;
use aws_sdk_cloudwatchlogs::operation::put_retention_policy::builders::PutRetentionPolicyInputBuilder;
use aws_sdk_cloudwatchlogs::operation::tag_resource::builders::TagResourceInputBuilder as LogsTagResourceInputBuilder;
use aws_sdk_ecr::operation::create_repository::builders::CreateRepositoryInputBuilder;
use aws_sdk_ecr::operation::delete_repository::builders::DeleteRepositoryInputBuilder;
use aws_sdk_ecr::operation::put_image_scanning_configuration::builders::PutImageScanningConfigurationInputBuilder;
use aws_sdk_ecr::operation::tag_resource::builders::TagResourceInputBuilder as EcrTagResourceInputBuilder;
use aws_sdk_ecr::types::ImageScanningConfiguration;
use aws_sdk_ecs::operation::create_cluster::builders::CreateClusterInputBuilder;
use aws_sdk_ecs::operation::delete_cluster::builders::DeleteClusterInputBuilder;
use aws_sdk_ecs::operation::deregister_task_definition::builders::DeregisterTaskDefinitionInputBuilder;
use aws_sdk_ecs::operation::put_cluster_capacity_providers::builders::PutClusterCapacityProvidersInputBuilder;
use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionInputBuilder;
use aws_sdk_ecs::operation::tag_resource::builders::TagResourceInputBuilder as EcsTagResourceInputBuilder;
use aws_sdk_ecs::types::{
    CapacityProviderStrategyItem, Compatibility, ContainerDefinition, CpuArchitecture, EphemeralStorage, KeyValuePair,
    LogConfiguration, LogDriver, NetworkMode, OsFamily, RuntimePlatform, Secret,
};

use crate::arns::Arns;
use crate::error::InfraError;
use crate::resources::{CapacityProvider, Cluster, EcrRepository, LogGroup, Tags, TaskDefinition};
use crate::task_network::capacity_strategy;

pub fn build_err(what: &str, e: impl std::fmt::Display) -> InfraError {
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
    Ok(capacity_strategy!(aws_sdk_ecs::types, s, |e| build_err("capacity provider strategy", e)))
}

fn scanning(r: &EcrRepository) -> ImageScanningConfiguration {
    ImageScanningConfiguration::builder().scan_on_push(r.scan_on_push).build()
}

/// CreateRepository: the name, scan-on-push and our tags.
pub fn create_repository_request(r: &EcrRepository) -> Result<CreateRepositoryInputBuilder, InfraError> {
    Ok(CreateRepositoryInputBuilder::default()
        .repository_name(&r.name)
        .image_scanning_configuration(scanning(r))
        .set_tags(Some(ecr_tags(&r.tags)?)))
}

/// PutImageScanningConfiguration: scan-on-push as desired.
pub fn repository_scanning_request(r: &EcrRepository) -> PutImageScanningConfigurationInputBuilder {
    PutImageScanningConfigurationInputBuilder::default()
        .repository_name(&r.name)
        .image_scanning_configuration(scanning(r))
}

/// ECR TagResource on the repository's ARN: our tags (tags of others stay).
pub fn repository_tag_request(r: &EcrRepository, arns: &Arns) -> Result<EcrTagResourceInputBuilder, InfraError> {
    Ok(EcrTagResourceInputBuilder::default()
        .resource_arn(arns.ecr_repository(&r.name))
        .set_tags(Some(ecr_tags(&r.tags)?)))
}

/// DeleteRepository without force: a repository that still holds images is not deleted.
pub fn delete_repository_request(r: &EcrRepository) -> DeleteRepositoryInputBuilder {
    DeleteRepositoryInputBuilder::default().repository_name(&r.name)
}

/// CreateCluster: the name, capacity providers, default strategy and our tags.
pub fn create_cluster_request(c: &Cluster) -> Result<CreateClusterInputBuilder, InfraError> {
    Ok(CreateClusterInputBuilder::default()
        .cluster_name(&c.name)
        .set_capacity_providers(Some(c.capacity_providers.clone()))
        .set_default_capacity_provider_strategy(Some(strategy(&c.default_strategy)?))
        .set_tags(Some(ecs_tags(&c.tags))))
}

/// PutClusterCapacityProviders: the complete desired capacity providers and default strategy.
pub fn cluster_capacity_request(c: &Cluster) -> Result<PutClusterCapacityProvidersInputBuilder, InfraError> {
    Ok(PutClusterCapacityProvidersInputBuilder::default()
        .cluster(&c.name)
        .set_capacity_providers(Some(c.capacity_providers.clone()))
        .set_default_capacity_provider_strategy(Some(strategy(&c.default_strategy)?)))
}

/// ECS TagResource on the cluster's ARN: our tags.
pub fn cluster_tag_request(c: &Cluster, arns: &Arns) -> EcsTagResourceInputBuilder {
    EcsTagResourceInputBuilder::default().resource_arn(arns.cluster(&c.name)).set_tags(Some(ecs_tags(&c.tags)))
}

pub fn delete_cluster_request(c: &Cluster) -> DeleteClusterInputBuilder {
    DeleteClusterInputBuilder::default().cluster(&c.name)
}

/// CreateLogGroup: the name and our tags (retention is a request of its own).
pub fn create_log_group_request(g: &LogGroup) -> CreateLogGroupInputBuilder {
    CreateLogGroupInputBuilder::default().log_group_name(&g.name).set_tags(Some(g.tags.clone().into_iter().collect()))
}

/// How a log group gets its desired retention: set it, or remove it (keep events forever).
#[derive(Debug, Clone, PartialEq)]
pub enum RetentionRequest {
    Put(PutRetentionPolicyInputBuilder),
    Delete(DeleteRetentionPolicyInputBuilder),
}

pub fn retention_request(g: &LogGroup) -> RetentionRequest {
    match g.retention_days {
        Some(days) => RetentionRequest::Put(
            PutRetentionPolicyInputBuilder::default().log_group_name(&g.name).retention_in_days(days),
        ),
        None => RetentionRequest::Delete(DeleteRetentionPolicyInputBuilder::default().log_group_name(&g.name)),
    }
}

/// CloudWatch Logs TagResource on the log group's ARN: our tags.
pub fn log_group_tag_request(g: &LogGroup, arns: &Arns) -> LogsTagResourceInputBuilder {
    LogsTagResourceInputBuilder::default()
        .resource_arn(arns.log_group(&g.name))
        .set_tags(Some(g.tags.clone().into_iter().collect()))
}

pub fn delete_log_group_request(g: &LogGroup) -> DeleteLogGroupInputBuilder {
    DeleteLogGroupInputBuilder::default().log_group_name(&g.name)
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

/// DeregisterTaskDefinition of one revision (`arn` as read from ECS).
pub fn deregister_task_definition_request(arn: &str) -> DeregisterTaskDefinitionInputBuilder {
    DeregisterTaskDefinitionInputBuilder::default().task_definition(arn)
}
