//! ECR repository, ECS cluster, log groups and the five task definitions.

use std::collections::BTreeMap;
use std::time::Duration;

use intervalprocessing_jobs::Process;

use super::tags::tags;
use crate::arns::Arns;
use crate::names;
use crate::resources::{CapacityProvider, Cluster, Container, EcrRepository, LogGroup, TaskDefinition};
use crate::validate::{ProcessSettings, Settings};

pub fn ecr_repository(s: &Settings) -> EcrRepository {
    EcrRepository { name: s.file.ecr_repository.clone(), scan_on_push: true, tags: tags(s) }
}

pub fn cluster(s: &Settings) -> Cluster {
    Cluster {
        name: s.file.cluster.clone(),
        capacity_providers: vec!["FARGATE".to_owned(), "FARGATE_SPOT".to_owned()],
        default_strategy: vec![fargate_strategy()],
        tags: tags(s),
    }
}

/// FARGATE (on-demand), weight 1: what the schedules and `infra run` ask for.
pub fn fargate_strategy() -> CapacityProvider {
    CapacityProvider { capacity_provider: "FARGATE".to_owned(), weight: 1, base: 0 }
}

pub fn log_group(s: &Settings, p: Process) -> LogGroup {
    LogGroup { name: names::log_group(p), retention_days: Some(s.file.log_retention_days), tags: tags(s) }
}

/// The task definition of one process: Fargate, awsvpc, Linux/x86_64, the runtime's environment,
/// the MongoDB URI as a secret (never plain environment), awslogs, stopTimeout and storage.
pub fn task_definition(s: &Settings, arns: &Arns, ps: &ProcessSettings) -> TaskDefinition {
    let p = ps.process;
    let mut environment = BTreeMap::from([
        ("processToRun".to_owned(), p.name().to_owned()),
        ("SCHEDULE_TIMEZONE".to_owned(), s.tz.name().to_owned()),
        ("OUTPUT_URL".to_owned(), s.output_url()),
        ("MONGODB_DATABASE".to_owned(), s.file.mongodb_database.clone()),
        ("RUN_TIMEOUT".to_owned(), humantime::format_duration(ps.timeout).to_string()),
        (
            "SHUTDOWN_GRACE".to_owned(),
            humantime::format_duration(Duration::from_secs(u64::try_from(s.shutdown_grace_seconds).unwrap_or(0)))
                .to_string(),
        ),
        ("LOG_FORMAT".to_owned(), "json".to_owned()),
    ]);
    let optional = [("RETENTION_DAYS", s.file.retention_days), ("CATCH_UP_LIMIT", s.file.catch_up_limit)];
    environment.extend(optional.into_iter().filter_map(|(k, v)| Some((k.to_owned(), v?.to_string()))));
    let log_options = BTreeMap::from([
        ("awslogs-group".to_owned(), names::log_group(p)),
        ("awslogs-region".to_owned(), s.file.region.clone()),
        ("awslogs-stream-prefix".to_owned(), "ecs".to_owned()),
    ]);
    TaskDefinition {
        family: names::task_family(p),
        cpu: ps.cpu.to_string(),
        memory: ps.memory.to_string(),
        network_mode: "awsvpc".to_owned(),
        requires_compatibilities: vec!["FARGATE".to_owned()],
        operating_system: "LINUX".to_owned(),
        cpu_architecture: "X86_64".to_owned(),
        execution_role_arn: arns.role(names::EXECUTION_ROLE),
        task_role_arn: arns.role(names::TASK_ROLE),
        ephemeral_storage_gib: s.file.ephemeral_storage_gib,
        container: Container {
            name: names::container(p),
            image: s.image.to_string(),
            essential: true,
            memory_reservation: Some(ps.memory),
            stop_timeout: Some(s.file.stop_timeout_seconds),
            environment,
            // As written in the file: ECS accepts every form SecretRef parses.
            secrets: BTreeMap::from([("MONGODB_URI".to_owned(), s.file.mongodb_uri_secret.clone())]),
            log_driver: Some("awslogs".to_owned()),
            log_options,
        },
        tags: tags(s),
    }
}
