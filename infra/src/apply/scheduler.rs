//! Creating, replacing and deleting the schedule group and the schedules.

use aws_sdk_scheduler::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, DeadLetterConfig, EcsParameters,
    FlexibleTimeWindow, FlexibleTimeWindowMode, NetworkConfiguration, PropagateTags, RetryPolicy, ScheduleState, Tag,
    Target,
};

use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::error::InfraError;
use crate::resources::{EcsTarget, Schedule, ScheduleGroup, Tags};

fn build_err(e: impl std::fmt::Display) -> InfraError {
    InfraError::Failed(format!("cannot build a scheduler request: {e}"))
}

fn tags(t: &Tags) -> Result<Vec<Tag>, InfraError> {
    t.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(build_err)).collect()
}

pub async fn create_schedule_group(aws: &Aws, g: &ScheduleGroup) -> Result<(), InfraError> {
    aws.scheduler
        .create_schedule_group()
        .name(&g.name)
        .set_tags(Some(tags(&g.tags)?))
        .send()
        .await
        .map_err(|e| aws_err(&format!("schedule group {}", g.name), "scheduler:CreateScheduleGroup", e))?;
    Ok(())
}

pub async fn tag_schedule_group(aws: &Aws, g: &ScheduleGroup) -> Result<(), InfraError> {
    let arn = aws.arns.schedule_group(&g.name);
    aws.scheduler
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(tags(&g.tags)?))
        .send()
        .await
        .map_err(|e| aws_err(&format!("schedule group {}", g.name), "scheduler:TagResource", e))?;
    Ok(())
}

pub async fn delete_schedule_group(aws: &Aws, g: &ScheduleGroup) -> Result<(), InfraError> {
    aws.scheduler
        .delete_schedule_group()
        .name(&g.name)
        .send()
        .await
        .map_err(|e| aws_err(&format!("schedule group {}", g.name), "scheduler:DeleteScheduleGroup", e))?;
    Ok(())
}

pub async fn delete_schedule(aws: &Aws, s: &Schedule) -> Result<(), InfraError> {
    aws.scheduler
        .delete_schedule()
        .group_name(&s.group)
        .name(&s.name)
        .send()
        .await
        .map_err(|e| aws_err(&format!("schedule {}/{}", s.group, s.name), "scheduler:DeleteSchedule", e))?;
    Ok(())
}

/// The schedule's ECS target, from the desired [`EcsTarget`] (the one `infra run` starts too).
pub fn schedule_target(t: &EcsTarget) -> Result<Target, InfraError> {
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(t.subnets.clone()))
        .set_security_groups(Some(t.security_groups.clone()))
        .assign_public_ip(AssignPublicIp::from(t.assign_public_ip.as_str()))
        .build()
        .map_err(build_err)?;
    let strategy = t
        .capacity_provider_strategy
        .iter()
        .map(|c| {
            CapacityProviderStrategyItem::builder()
                .capacity_provider(&c.capacity_provider)
                .weight(c.weight)
                .base(c.base)
                .build()
                .map_err(build_err)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ecs = EcsParameters::builder()
        .task_definition_arn(&t.task_definition_arn)
        .task_count(t.task_count)
        .set_propagate_tags(t.propagate_tags.as_deref().map(PropagateTags::from))
        .enable_ecs_managed_tags(t.enable_ecs_managed_tags)
        .set_capacity_provider_strategy(Some(strategy))
        .network_configuration(NetworkConfiguration::builder().awsvpc_configuration(vpc).build())
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

/// Creates the schedule, or (with `replace`) replaces it whole with UpdateSchedule. Every field,
/// the state included, is always sent: UpdateSchedule resets whatever is left out. Right after its
/// role was created or changed, Scheduler may not be able to assume it yet: that error is retried.
pub async fn put_schedule(aws: &Aws, s: &Schedule, replace: bool) -> Result<(), InfraError> {
    crate::propagation::retry(&aws.out, || put_schedule_once(aws, s, replace)).await
}

async fn put_schedule_once(aws: &Aws, s: &Schedule, replace: bool) -> Result<(), InfraError> {
    let what = format!("schedule {}/{}", s.group, s.name);
    let window = FlexibleTimeWindow::builder()
        .mode(FlexibleTimeWindowMode::from(s.flexible_time_window.as_str()))
        .build()
        .map_err(build_err)?;
    let state = ScheduleState::from(s.state.as_str());
    let target = schedule_target(&s.target)?;
    // CreateSchedule and UpdateSchedule take the same complete set of fields.
    macro_rules! complete {
        ($builder:expr) => {
            $builder
                .name(&s.name)
                .group_name(&s.group)
                .schedule_expression(&s.expression)
                .schedule_expression_timezone(&s.timezone)
                .description(&s.description)
                .state(state)
                .flexible_time_window(window)
                .target(target)
        };
    }
    if replace {
        complete!(aws.scheduler.update_schedule())
            .send()
            .await
            .map_err(|e| aws_err(&what, "scheduler:UpdateSchedule", e))?;
    } else {
        complete!(aws.scheduler.create_schedule())
            .send()
            .await
            .map_err(|e| aws_err(&what, "scheduler:CreateSchedule", e))?;
    }
    Ok(())
}
