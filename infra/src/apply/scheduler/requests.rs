//! The requests that create, replace and delete the schedule group and the schedules: each built
//! from the desired (or, for a state change, the current) resource alone, sent by [`super`].

use aws_sdk_scheduler::operation::create_schedule::builders::CreateScheduleInputBuilder;
use aws_sdk_scheduler::operation::create_schedule_group::builders::CreateScheduleGroupInputBuilder;
use aws_sdk_scheduler::operation::delete_schedule::builders::DeleteScheduleInputBuilder;
use aws_sdk_scheduler::operation::delete_schedule_group::builders::DeleteScheduleGroupInputBuilder;
use aws_sdk_scheduler::operation::tag_resource::builders::TagResourceInputBuilder;
use aws_sdk_scheduler::operation::update_schedule::builders::UpdateScheduleInputBuilder;
use aws_sdk_scheduler::types::{
    DeadLetterConfig, EcsParameters, FlexibleTimeWindow, FlexibleTimeWindowMode, PropagateTags, RetryPolicy,
    ScheduleState, Tag, Target,
};

use crate::arns::Arns;
use crate::error::InfraError;
use crate::resources::{EcsTarget, Schedule, ScheduleGroup, Tags};
use crate::task_network::{awsvpc_network, capacity_strategy};

fn build_err(e: impl std::fmt::Display) -> InfraError {
    InfraError::Failed(format!("cannot build a scheduler request: {e}"))
}

fn tags(t: &Tags) -> Result<Vec<Tag>, InfraError> {
    t.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(build_err)).collect()
}

/// CreateScheduleGroup: the name and our tags.
pub fn create_schedule_group_request(g: &ScheduleGroup) -> Result<CreateScheduleGroupInputBuilder, InfraError> {
    Ok(CreateScheduleGroupInputBuilder::default().name(&g.name).set_tags(Some(tags(&g.tags)?)))
}

/// Scheduler TagResource on the group's ARN: our tags.
pub fn schedule_group_tag_request(g: &ScheduleGroup, arns: &Arns) -> Result<TagResourceInputBuilder, InfraError> {
    Ok(TagResourceInputBuilder::default().resource_arn(arns.schedule_group(&g.name)).set_tags(Some(tags(&g.tags)?)))
}

pub fn delete_schedule_group_request(g: &ScheduleGroup) -> DeleteScheduleGroupInputBuilder {
    DeleteScheduleGroupInputBuilder::default().name(&g.name)
}

pub fn delete_schedule_request(s: &Schedule) -> DeleteScheduleInputBuilder {
    DeleteScheduleInputBuilder::default().group_name(&s.group).name(&s.name)
}

/// The schedule's ECS target, from the desired [`EcsTarget`] (the one `infra run` starts too).
pub fn schedule_target(t: &EcsTarget) -> Result<Target, InfraError> {
    let strategy = capacity_strategy!(aws_sdk_scheduler::types, t.capacity_provider_strategy, build_err);
    let network = awsvpc_network!(aws_sdk_scheduler::types, t, build_err);
    let ecs = EcsParameters::builder()
        .task_definition_arn(&t.task_definition_arn)
        .task_count(t.task_count)
        .set_propagate_tags(t.propagate_tags.as_deref().map(PropagateTags::from))
        .enable_ecs_managed_tags(t.enable_ecs_managed_tags)
        .set_capacity_provider_strategy(Some(strategy))
        .network_configuration(network)
        .build()
        .map_err(build_err)?;
    Target::builder()
        .arn(&t.cluster_arn)
        .role_arn(&t.role_arn)
        .input(t.input.to_string())
        .retry_policy(
            RetryPolicy::builder()
                .maximum_retry_attempts(t.retry_attempts)
                .maximum_event_age_in_seconds(t.max_event_age_seconds)
                .build(),
        )
        .ecs_parameters(ecs)
        .set_dead_letter_config(t.dead_letter_arn.as_ref().map(|arn| DeadLetterConfig::builder().arn(arn).build()))
        .build()
        .map_err(build_err)
}

/// CreateSchedule and UpdateSchedule take the same complete set of fields: every field of `s`, the
/// state included, is always sent (UpdateSchedule resets whatever is left out).
macro_rules! complete_schedule {
    ($builder:expr, $s:expr) => {{
        let s: &Schedule = $s;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::from(s.flexible_time_window.as_str()))
            .build()
            .map_err(build_err)?;
        Ok($builder
            .name(&s.name)
            .group_name(&s.group)
            .schedule_expression(&s.expression)
            .schedule_expression_timezone(&s.timezone)
            .description(&s.description)
            .state(ScheduleState::from(s.state.as_str()))
            .flexible_time_window(window)
            .target(schedule_target(&s.target)?))
    }};
}

/// CreateSchedule with every field of `s`.
pub fn create_schedule_request(s: &Schedule) -> Result<CreateScheduleInputBuilder, InfraError> {
    complete_schedule!(CreateScheduleInputBuilder::default(), s)
}

/// UpdateSchedule replaces the whole schedule with `s`: every field is sent.
pub fn update_schedule_request(s: &Schedule) -> Result<UpdateScheduleInputBuilder, InfraError> {
    complete_schedule!(UpdateScheduleInputBuilder::default(), s)
}

/// UpdateSchedule that changes only the state of the schedule as it is now (`current`, read from
/// AWS): everything else it has is sent back unchanged, since UpdateSchedule resets what is left out.
pub fn state_change_request(current: &Schedule, state: &str) -> Result<UpdateScheduleInputBuilder, InfraError> {
    update_schedule_request(&Schedule { state: state.to_owned(), ..current.clone() })
}
