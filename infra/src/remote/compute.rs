//! Reading the ECR repository, ECS cluster, log groups and task definitions.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::{ClusterField, TaskDefinitionField, TaskDefinitionStatus};

use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::resources::{CapacityProvider, Cluster, Container, EcrRepository, LogGroup, Tags, TaskDefinition};

pub async fn ecr_repository(aws: &Aws, name: &str) -> Result<Option<EcrRepository>, InfraError> {
    let what = format!("ecr repository {name}");
    let out = match aws.ecr.describe_repositories().repository_names(name).send().await {
        Ok(o) => o,
        Err(e) if is_missing(&e, &["RepositoryNotFoundException"]) => return Ok(None),
        Err(e) => return Err(aws_err(&what, "ecr:DescribeRepositories", e)),
    };
    let Some(repo) = out.repositories().first() else { return Ok(None) };
    let arn = repo.repository_arn().unwrap_or_default();
    let tags = aws
        .ecr
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_err(&what, "ecr:ListTagsForResource", e))?;
    Ok(Some(EcrRepository {
        name: name.to_owned(),
        scan_on_push: repo.image_scanning_configuration().is_some_and(|c| c.scan_on_push()),
        tags: tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(),
    }))
}

pub async fn cluster(aws: &Aws, name: &str) -> Result<Option<Cluster>, InfraError> {
    let out = aws
        .ecs
        .describe_clusters()
        .clusters(name)
        .include(ClusterField::Tags)
        .send()
        .await
        .map_err(|e| aws_err(&format!("ecs cluster {name}"), "ecs:DescribeClusters", e))?;
    let Some(c) = out.clusters().iter().find(|c| c.status() == Some("ACTIVE")) else { return Ok(None) };
    let mut capacity_providers = c.capacity_providers().to_vec();
    capacity_providers.sort();
    let mut default_strategy: Vec<CapacityProvider> = c
        .default_capacity_provider_strategy()
        .iter()
        .map(|s| CapacityProvider {
            capacity_provider: s.capacity_provider().to_owned(),
            weight: s.weight(),
            base: s.base(),
        })
        .collect();
    default_strategy.sort();
    Ok(Some(Cluster {
        name: name.to_owned(),
        capacity_providers,
        default_strategy,
        tags: c
            .tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default().to_owned(), t.value().unwrap_or_default().to_owned()))
            .collect(),
    }))
}

pub async fn log_group(aws: &Aws, name: &str) -> Result<Option<LogGroup>, InfraError> {
    let what = format!("log group {name}");
    let out = aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(|e| aws_err(&what, "logs:DescribeLogGroups", e))?;
    let Some(g) = out.log_groups().iter().find(|g| g.log_group_name() == Some(name)) else { return Ok(None) };
    let arn = g.log_group_arn().map(str::to_owned).unwrap_or_else(|| aws.arns.log_group(name));
    let tags = aws
        .logs
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_err(&what, "logs:ListTagsForResource", e))?;
    Ok(Some(LogGroup {
        name: name.to_owned(),
        retention_days: g.retention_in_days(),
        tags: tags.tags().cloned().unwrap_or_default().into_iter().collect(),
    }))
}

/// The latest ACTIVE revision of `family`, or `None` when there is none.
pub async fn task_definition(aws: &Aws, family: &str) -> Result<Option<TaskDefinition>, InfraError> {
    let out = match aws
        .ecs
        .describe_task_definition()
        .task_definition(family)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if is_missing(&e, &["ClientException"]) => return Ok(None),
        Err(e) => return Err(aws_err(&format!("task definition {family}"), "ecs:DescribeTaskDefinition", e)),
    };
    let Some(td) = out.task_definition() else { return Ok(None) };
    if td.status() != Some(&TaskDefinitionStatus::Active) {
        return Ok(None);
    }
    let tags: Tags = out
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or_default().to_owned(), t.value().unwrap_or_default().to_owned()))
        .collect();
    let Some(c) = td.container_definitions().first() else { return Ok(None) };
    let mut requires: Vec<String> = td.requires_compatibilities().iter().map(|c| c.as_str().to_owned()).collect();
    requires.sort();
    let platform = td.runtime_platform();
    let (log_driver, log_options) = match c.log_configuration() {
        Some(l) => (
            Some(l.log_driver().as_str().to_owned()),
            l.options().cloned().unwrap_or_default().into_iter().collect::<BTreeMap<_, _>>(),
        ),
        None => (None, BTreeMap::new()),
    };
    Ok(Some(TaskDefinition {
        family: family.to_owned(),
        cpu: td.cpu().unwrap_or_default().to_owned(),
        memory: td.memory().unwrap_or_default().to_owned(),
        network_mode: td.network_mode().map(|m| m.as_str().to_owned()).unwrap_or_default(),
        requires_compatibilities: requires,
        // AWS's defaults when the platform is not given.
        operating_system: platform
            .and_then(|p| p.operating_system_family())
            .map_or("LINUX".to_owned(), |o| o.as_str().to_owned()),
        cpu_architecture: platform
            .and_then(|p| p.cpu_architecture())
            .map_or("X86_64".to_owned(), |a| a.as_str().to_owned()),
        execution_role_arn: td.execution_role_arn().unwrap_or_default().to_owned(),
        task_role_arn: td.task_role_arn().unwrap_or_default().to_owned(),
        ephemeral_storage_gib: td.ephemeral_storage().map_or(20, |e| e.size_in_gib()),
        container: Container {
            name: c.name().unwrap_or_default().to_owned(),
            image: c.image().unwrap_or_default().to_owned(),
            essential: c.essential().unwrap_or(true),
            memory_reservation: c.memory_reservation(),
            stop_timeout: c.stop_timeout(),
            environment: c
                .environment()
                .iter()
                .map(|kv| (kv.name().unwrap_or_default().to_owned(), kv.value().unwrap_or_default().to_owned()))
                .collect(),
            secrets: c.secrets().iter().map(|s| (s.name().to_owned(), s.value_from().to_owned())).collect(),
            log_driver,
            log_options,
        },
        tags,
    }))
}

/// Every ACTIVE revision ARN of `family` (for destroy).
pub async fn task_definition_revisions(aws: &Aws, family: &str) -> Result<Vec<String>, InfraError> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let out = aws
            .ecs
            .list_task_definitions()
            .family_prefix(family)
            .status(TaskDefinitionStatus::Active)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws_err(&format!("task definition {family}"), "ecs:ListTaskDefinitions", e))?;
        arns.extend(
            out.task_definition_arns()
                .iter()
                .filter(|a| a.rsplit_once(':').is_some_and(|(head, _)| head.ends_with(&format!("/{family}"))))
                .cloned(),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(arns);
        }
    }
}
