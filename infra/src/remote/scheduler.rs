//! Reading the schedule group and the schedules.

use std::time::{Duration, Instant};

use aws_sdk_scheduler::types::ScheduleGroupState;

use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::resources::{CapacityProvider, EcsTarget, Schedule, ScheduleGroup};

/// How long a schedule group that is being deleted is waited for.
const DELETING_WAIT: Duration = Duration::from_secs(120);

/// The schedule group, or `None` when it does not exist. A group in `DELETING` state (deleted
/// moments ago, e.g. by a destroy) is waited for until it is gone: it cannot be used or recreated
/// before that.
pub async fn schedule_group(aws: &Aws, name: &str) -> Result<Option<ScheduleGroup>, InfraError> {
    let what = format!("schedule group {name}");
    let started = Instant::now();
    let out = loop {
        let out = match aws.scheduler.get_schedule_group().name(name).send().await {
            Ok(o) => o,
            Err(e) if is_missing(&e, &["ResourceNotFoundException"]) => return Ok(None),
            Err(e) => return Err(aws_err(&what, "scheduler:GetScheduleGroup", e)),
        };
        if out.state() != Some(&ScheduleGroupState::Deleting) {
            break out;
        }
        if started.elapsed() > DELETING_WAIT {
            return Err(InfraError::Failed(format!(
                "{what} is still being deleted after {}s; run the command again when it is gone",
                DELETING_WAIT.as_secs()
            )));
        }
        aws.out.line(format_args!("waiting for {what} to finish deleting…"));
        tokio::time::sleep(Duration::from_secs(3)).await;
    };
    let arn = out.arn().unwrap_or_default();
    let tags = aws
        .scheduler
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_err(&what, "scheduler:ListTagsForResource", e))?;
    Ok(Some(ScheduleGroup {
        name: name.to_owned(),
        tags: tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(),
    }))
}

pub async fn schedule(aws: &Aws, group: &str, name: &str) -> Result<Option<Schedule>, InfraError> {
    let out = match aws.scheduler.get_schedule().group_name(group).name(name).send().await {
        Ok(o) => o,
        Err(e) if is_missing(&e, &["ResourceNotFoundException"]) => return Ok(None),
        Err(e) => return Err(aws_err(&format!("schedule {group}/{name}"), "scheduler:GetSchedule", e)),
    };
    let target = out.target();
    let ecs = target.and_then(|t| t.ecs_parameters());
    let network = ecs.and_then(|e| e.network_configuration()).and_then(|n| n.awsvpc_configuration());
    let mut subnets = network.map(|n| n.subnets().to_vec()).unwrap_or_default();
    subnets.sort();
    let mut security_groups = network.map(|n| n.security_groups().to_vec()).unwrap_or_default();
    security_groups.sort();
    let retry = target.and_then(|t| t.retry_policy());
    let input = target
        .and_then(|t| t.input())
        .map(|i| serde_json::from_str(i).unwrap_or_else(|_| serde_json::Value::String(i.to_owned())))
        .unwrap_or_default();
    Ok(Some(Schedule {
        name: name.to_owned(),
        group: group.to_owned(),
        expression: out.schedule_expression().unwrap_or_default().to_owned(),
        timezone: out.schedule_expression_timezone().unwrap_or("UTC").to_owned(),
        state: out.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        description: out.description().unwrap_or_default().to_owned(),
        flexible_time_window: out.flexible_time_window().map(|f| f.mode().as_str().to_owned()).unwrap_or_default(),
        target: EcsTarget {
            cluster_arn: target.map(|t| t.arn().to_owned()).unwrap_or_default(),
            role_arn: target.map(|t| t.role_arn().to_owned()).unwrap_or_default(),
            input,
            // AWS's defaults when no retry policy is set.
            retry_attempts: retry.and_then(|r| r.maximum_retry_attempts()).unwrap_or(185),
            max_event_age_seconds: retry.and_then(|r| r.maximum_event_age_in_seconds()).unwrap_or(86_400),
            task_definition_arn: ecs.map(|e| e.task_definition_arn().to_owned()).unwrap_or_default(),
            task_count: ecs.and_then(|e| e.task_count()).unwrap_or(1),
            capacity_provider_strategy: ecs
                .map(|e| {
                    let mut v: Vec<CapacityProvider> = e
                        .capacity_provider_strategy()
                        .iter()
                        .map(|s| CapacityProvider {
                            capacity_provider: s.capacity_provider().to_owned(),
                            weight: s.weight(),
                            base: s.base(),
                        })
                        .collect();
                    v.sort();
                    v
                })
                .unwrap_or_default(),
            subnets,
            security_groups,
            assign_public_ip: network
                .and_then(|n| n.assign_public_ip())
                .map(|a| a.as_str().to_owned())
                .unwrap_or("DISABLED".to_owned()),
            propagate_tags: ecs.and_then(|e| e.propagate_tags()).map(|p| p.as_str().to_owned()),
            enable_ecs_managed_tags: ecs.and_then(|e| e.enable_ecs_managed_tags()).unwrap_or(false),
            dead_letter_arn: target.and_then(|t| t.dead_letter_config()).and_then(|d| d.arn()).map(str::to_owned),
        },
    }))
}

/// Names of the schedules in `group`.
pub async fn schedule_names(aws: &Aws, group: &str) -> Result<Vec<String>, InfraError> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let out = aws
            .scheduler
            .list_schedules()
            .group_name(group)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws_err(&format!("schedule group {group}"), "scheduler:ListSchedules", e))?;
        names.extend(out.schedules().iter().filter_map(|s| s.name().map(str::to_owned)));
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(names);
        }
    }
}
