//! Desired state: pure functions from the validated deployment file (and the account id) to the
//! normalised resources, in the order they must be created. No AWS call happens here.

mod alerting;
mod compute;
mod iam;
mod queue;
mod schedules;
mod storage;
mod tags;

use intervalprocessing_jobs::Process;

use crate::resources::Resource;
use crate::validate::Settings;

pub use crate::arns::Arns;
pub use alerting::{
    RULE_TARGET_ID, SCHEDULER_METRICS, no_success_alarm, scheduler_alarm, task_failed_to_start_pattern,
    task_failed_to_start_rule, topic,
};
pub use compute::{cluster, ecr_repository, log_group, task_definition};
pub use iam::{ecs_service_linked_role, execution_role, scheduler_role, tag_started_tasks, task_role};
pub use queue::{DEAD_LETTER_RETENTION_SECONDS, dead_letter_queue};
pub use schedules::{ecs_target, run_overrides, schedule, schedule_group};
pub use storage::bucket;
pub use tags::tags;

/// What AWS needs before the deployment can be created, shared by the whole account: created
/// when missing, never deleted.
pub fn prerequisites() -> Vec<Resource> {
    vec![Resource::ServiceLinkedRole(ecs_service_linked_role())]
}

/// Everything the deployment consists of, in creation order.
pub fn desired(settings: &Settings, arns: &Arns) -> Vec<Resource> {
    let mut out = vec![
        Resource::EcrRepository(ecr_repository(settings)),
        Resource::Bucket(bucket(settings, arns)),
        Resource::Queue(dead_letter_queue(settings)),
    ];
    out.extend(Process::all().map(|p| Resource::LogGroup(log_group(settings, p))));
    out.push(Resource::Role(execution_role(settings, arns)));
    out.push(Resource::Role(task_role(settings, arns)));
    out.push(Resource::Role(scheduler_role(settings, arns)));
    out.push(Resource::Cluster(cluster(settings)));
    out.extend(settings.processes.iter().map(|p| Resource::TaskDefinition(task_definition(settings, arns, p))));
    out.push(Resource::ScheduleGroup(schedule_group(settings)));
    out.extend(settings.processes.iter().map(|p| Resource::Schedule(schedule(settings, arns, p))));
    out.push(Resource::Topic(topic(settings, arns)));
    out.extend(settings.processes.iter().map(|p| Resource::Alarm(no_success_alarm(settings, arns, p))));
    out.extend(SCHEDULER_METRICS.iter().map(|m| Resource::Alarm(scheduler_alarm(settings, arns, m))));
    out.push(Resource::EventRule(task_failed_to_start_rule(settings, arns)));
    out
}

#[cfg(test)]
mod tests;
