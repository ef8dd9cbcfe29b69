//! Executes a plan, change by change, in the plan's order. Stops at the first failure and says
//! which resource and call failed; what was done before stays done (a new plan shows the rest).

mod alerting;
mod compute;
mod iam;
mod queue;
mod scheduler;
mod storage;

use crate::aws::Aws;
use crate::console::Console;
use crate::error::InfraError;
use crate::plan::{Action, Plan};
use crate::resources::Resource;

pub use alerting::{disable_alarm_actions_request, enable_alarm_actions_request};
pub use scheduler::{change_schedule_state, schedule_target};

/// Applies every change of `plan` (prerequisites first); writes one line per change done, and one
/// per policy it left in place, to `out`.
pub async fn execute(aws: &Aws, plan: &Plan, out: &Console) -> Result<(), InfraError> {
    for c in plan.prerequisites.iter().chain(&plan.changes) {
        match (c.action, &c.desired, &c.remote) {
            (Action::Create, Some(want), _) => create(aws, want).await?,
            (Action::Update, Some(want), Some(have)) => update(aws, want, have).await?,
            (Action::Delete, _, Some(have)) => delete(aws, have).await?,
            _ => continue,
        }
        let word = match c.action {
            Action::Create => "created",
            Action::Update => "updated",
            Action::Delete => "deleted",
            Action::NoChange => continue,
        };
        out.line(format_args!("{word} {} {}", c.kind, c.id));
    }
    report_left(plan, out);
    Ok(())
}

/// Says which undeclared policies on managed roles `apply` left alone.
pub fn report_left(plan: &Plan, out: &Console) {
    for d in &plan.drift {
        out.line(format_args!(
            "left {} on {} {} (not in the deployment file; apply never removes it)",
            d.what, d.kind, d.id
        ));
    }
}

async fn create(aws: &Aws, want: &Resource) -> Result<(), InfraError> {
    match want {
        Resource::EcrRepository(r) => compute::create_ecr_repository(aws, r).await,
        Resource::Cluster(r) => compute::create_cluster(aws, r).await,
        Resource::LogGroup(r) => compute::create_log_group(aws, r).await,
        Resource::TaskDefinition(r) => compute::register_task_definition(aws, r).await,
        Resource::Role(r) => iam::create_role(aws, r).await,
        Resource::Bucket(r) => storage::create_bucket(aws, r).await,
        Resource::ScheduleGroup(r) => scheduler::create_schedule_group(aws, r).await,
        Resource::Schedule(r) => scheduler::create_schedule(aws, r).await,
        Resource::ServiceLinkedRole(r) => iam::create_service_linked_role(aws, r).await,
        Resource::Queue(r) => queue::create_queue(aws, r).await,
        Resource::Topic(r) => alerting::create_topic(aws, r).await,
        Resource::Alarm(r) => alerting::put_alarm(aws, r, false).await,
        Resource::EventRule(r) => alerting::put_rule(aws, r, None).await,
    }
}

async fn update(aws: &Aws, want: &Resource, have: &Resource) -> Result<(), InfraError> {
    match (want, have) {
        (Resource::EcrRepository(r), _) => compute::update_ecr_repository(aws, r).await,
        (Resource::Cluster(r), _) => compute::update_cluster(aws, r).await,
        (Resource::LogGroup(r), _) => compute::update_log_group(aws, r).await,
        // Task definitions are immutable: a change is a new revision.
        (Resource::TaskDefinition(r), _) => compute::register_task_definition(aws, r).await,
        (Resource::Role(r), Resource::Role(old)) => iam::update_role(aws, r, old).await,
        (Resource::Bucket(r), _) => storage::configure_bucket(aws, r).await,
        (Resource::ScheduleGroup(r), _) => scheduler::tag_schedule_group(aws, r).await,
        // UpdateSchedule replaces the whole schedule: the complete desired state is sent.
        (Resource::Schedule(r), _) => scheduler::update_schedule(aws, r).await,
        (Resource::Queue(r), _) => queue::update_queue(aws, r).await,
        (Resource::Topic(r), _) => alerting::update_topic(aws, r).await,
        (Resource::Alarm(r), _) => alerting::put_alarm(aws, r, true).await,
        (Resource::EventRule(r), Resource::EventRule(old)) => alerting::put_rule(aws, r, Some(old)).await,
        (other, _) => {
            Err(InfraError::Failed(format!("cannot update {} {}: the remote kind differs", other.kind(), other.id())))
        }
    }
}

async fn delete(aws: &Aws, have: &Resource) -> Result<(), InfraError> {
    match have {
        Resource::EcrRepository(r) => compute::delete_ecr_repository(aws, r).await,
        Resource::Cluster(r) => compute::delete_cluster(aws, r).await,
        Resource::LogGroup(r) => compute::delete_log_group(aws, r).await,
        Resource::TaskDefinition(r) => compute::deregister_task_definitions(aws, r).await,
        Resource::Role(r) => iam::delete_role(aws, r).await,
        Resource::Bucket(r) => storage::delete_bucket(aws, r).await,
        Resource::ScheduleGroup(r) => scheduler::delete_schedule_group(aws, r).await,
        Resource::Schedule(r) => scheduler::delete_schedule(aws, r).await,
        Resource::Queue(r) => queue::delete_queue(aws, r).await,
        Resource::Topic(r) => alerting::delete_topic(aws, r).await,
        Resource::Alarm(r) => alerting::delete_alarm(aws, r).await,
        Resource::EventRule(r) => alerting::delete_rule(aws, r).await,
        // Shared by the whole account: never deleted.
        Resource::ServiceLinkedRole(r) => {
            Err(InfraError::Failed(format!("service-linked role {} is never deleted by infra", r.name)))
        }
    }
}
