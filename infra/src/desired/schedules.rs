//! The schedule group and the five EventBridge Scheduler schedules (ECS RunTask targets).

use serde_json::{Value, json};

use super::compute::fargate_strategy;
use super::tags::tags;
use crate::arns::Arns;
use crate::names;
use crate::resources::{EcsTarget, Schedule, ScheduleGroup};
use crate::validate::{ProcessSettings, Settings};
use intervalprocessing_jobs::Process;
use intervalprocessing_jobs::task_env::SCHEDULED_TIME_PLACEHOLDER;

pub fn schedule_group(s: &Settings) -> ScheduleGroup {
    ScheduleGroup { name: s.file.schedule_group.clone(), tags: tags(s) }
}

/// The RunTask overrides: the container gets `processToRun` and `SCHEDULED_TIME`.
/// Schedules pass `<aws.scheduler.scheduled-time>`; `infra run` passes the current time.
pub fn run_overrides(p: Process, scheduled_time: &str) -> Value {
    json!({
        "containerOverrides": [{
            "name": names::container(p),
            "environment": [
                { "name": "processToRun", "value": p.name() },
                { "name": "SCHEDULED_TIME", "value": scheduled_time },
            ]
        }]
    })
}

/// The ECS RunTask parameters of one process, the one source of both its schedule's target
/// (`scheduled_time` = [`SCHEDULED_TIME_PLACEHOLDER`]) and `infra run`'s RunTask (the current time):
/// cluster, task definition family (its latest ACTIVE revision), Fargate capacity, the awsvpc
/// network, the tags the tasks get, and the container overrides.
pub fn ecs_target(s: &Settings, arns: &Arns, ps: &ProcessSettings, scheduled_time: &str) -> EcsTarget {
    let p = ps.process;
    let mut subnets = s.file.subnets.clone();
    subnets.sort();
    let mut security_groups = s.file.security_groups.clone();
    security_groups.sort();
    EcsTarget {
        cluster_arn: arns.cluster(&s.file.cluster),
        role_arn: arns.role(names::SCHEDULER_ROLE),
        input: run_overrides(p, scheduled_time),
        retry_attempts: ps.retry_attempts,
        max_event_age_seconds: ps.max_event_age_seconds,
        task_definition_arn: arns.task_family(p),
        task_count: 1,
        capacity_provider_strategy: vec![fargate_strategy()],
        subnets,
        security_groups,
        assign_public_ip: "DISABLED".to_owned(),
        propagate_tags: Some("TASK_DEFINITION".to_owned()),
        enable_ecs_managed_tags: true,
        dead_letter_arn: Some(arns.queue(names::DEAD_LETTER_QUEUE)),
    }
}

pub fn schedule(s: &Settings, arns: &Arns, ps: &ProcessSettings) -> Schedule {
    let p = ps.process;
    Schedule {
        name: names::schedule(p),
        group: s.file.schedule_group.clone(),
        expression: ps.expression.clone(),
        timezone: s.tz.name().to_owned(),
        state: if ps.enabled { "ENABLED" } else { "DISABLED" }.to_owned(),
        description: format!("Runs {} on ECS Fargate (managed by intervalprocessing infra)", p.name()),
        flexible_time_window: "OFF".to_owned(),
        target: ecs_target(s, arns, ps, SCHEDULED_TIME_PLACEHOLDER),
    }
}
