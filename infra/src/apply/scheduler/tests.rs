use aws_sdk_scheduler::types::Target;
use serde_json::Value;

use super::requests::{
    create_schedule_group_request, create_schedule_request, delete_schedule_group_request, delete_schedule_request,
    schedule_group_tag_request, state_change_request, update_schedule_request,
};
use crate::desired::{schedule, schedule_group};
use crate::fixtures::{arns, process, settings};
use crate::resources::{CapacityProvider, EcsTarget, Schedule, Tags};

/// The target as sent, read back field by field.
fn sent_target(t: &Target) -> EcsTarget {
    let ecs = t.ecs_parameters().unwrap_or_else(|| panic!("no ECS parameters"));
    let vpc = ecs.network_configuration().and_then(|n| n.awsvpc_configuration());
    let vpc = vpc.unwrap_or_else(|| panic!("no awsvpc configuration"));
    let retry = t.retry_policy().unwrap_or_else(|| panic!("no retry policy"));
    EcsTarget {
        cluster_arn: t.arn().to_owned(),
        role_arn: t.role_arn().to_owned(),
        input: serde_json::from_str::<Value>(t.input().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}")),
        retry_attempts: retry.maximum_retry_attempts().unwrap_or_else(|| panic!("no retry attempts")),
        max_event_age_seconds: retry.maximum_event_age_in_seconds().unwrap_or_else(|| panic!("no event age")),
        task_definition_arn: ecs.task_definition_arn().to_owned(),
        task_count: ecs.task_count().unwrap_or_else(|| panic!("no task count")),
        capacity_provider_strategy: ecs
            .capacity_provider_strategy()
            .iter()
            .map(|c| CapacityProvider {
                capacity_provider: c.capacity_provider().to_owned(),
                weight: c.weight(),
                base: c.base(),
            })
            .collect(),
        subnets: vpc.subnets().to_vec(),
        security_groups: vpc.security_groups().to_vec(),
        assign_public_ip: vpc.assign_public_ip().map(|a| a.as_str().to_owned()).unwrap_or_default(),
        propagate_tags: ecs.propagate_tags().map(|p| p.as_str().to_owned()),
        enable_ecs_managed_tags: ecs.enable_ecs_managed_tags().unwrap_or_else(|| panic!("no managed tags flag")),
        dead_letter_arn: t.dead_letter_config().and_then(|d| d.arn()).map(str::to_owned),
    }
}

/// A CreateSchedule or UpdateSchedule request (they have the same getters), read back as the
/// schedule it sends.
macro_rules! sent {
    ($builder:expr) => {{
        let r = $builder.unwrap_or_else(|e| panic!("{e}")).build().unwrap_or_else(|e| panic!("{e}"));
        let text = |v: Option<&str>| v.unwrap_or_else(|| panic!("a field is missing")).to_owned();
        Schedule {
            name: text(r.name()),
            group: text(r.group_name()),
            expression: text(r.schedule_expression()),
            timezone: text(r.schedule_expression_timezone()),
            state: text(r.state().map(|s| s.as_str())),
            description: text(r.description()),
            flexible_time_window: text(r.flexible_time_window().map(|f| f.mode().as_str())),
            target: sent_target(r.target().unwrap_or_else(|| panic!("no target"))),
        }
    }};
}

#[test]
fn the_create_and_update_schedule_requests_send_every_field_of_the_desired_schedule() {
    let s = settings();
    for ps in &s.processes {
        let want = schedule(&s, &arns(), ps);
        assert_eq!(sent!(create_schedule_request(&want)), want, "CreateSchedule {}", ps.process);
        assert_eq!(sent!(update_schedule_request(&want)), want, "UpdateSchedule {}", ps.process);
    }
}

#[test]
fn update_schedule_request_repeats_every_field_and_sets_only_the_state() {
    let s = settings();
    // The schedule as AWS has it now, changed by hand since the last apply: toggling keeps that.
    let mut current = schedule(&s, &arns(), &process(&s));
    current.expression = "cron(7 3 * * ? *)".to_owned();
    current.description = "edited in the console".to_owned();
    current.target.retry_attempts = 2;
    current.target.subnets.push("subnet-added-by-hand".to_owned());
    current.state = "ENABLED".to_owned();
    let disabled = sent!(state_change_request(&current, "DISABLED"));
    assert_eq!(disabled, Schedule { state: "DISABLED".to_owned(), ..current.clone() });
    current.state = "DISABLED".to_owned();
    let enabled = sent!(state_change_request(&current, "ENABLED"));
    assert_eq!(enabled, Schedule { state: "ENABLED".to_owned(), ..current });
}

#[test]
fn the_schedule_group_requests_send_our_tags_to_the_group() {
    let s = settings();
    let want = schedule_group(&s);
    let tags = |t: &Option<Vec<aws_sdk_scheduler::types::Tag>>| -> Tags {
        t.iter().flatten().map(|t| (t.key().to_owned(), t.value().to_owned())).collect()
    };
    let create = create_schedule_group_request(&want).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(create.get_name().as_deref(), Some(want.name.as_str()));
    assert_eq!(tags(create.get_tags()), want.tags);
    assert!(want.tags.contains_key("ManagedBy"));
    let tag = schedule_group_tag_request(&want, &arns()).unwrap_or_else(|e| panic!("{e}"));
    let arn = format!("arn:aws:scheduler:us-east-1:123456789012:schedule-group/{}", want.name);
    assert_eq!(tag.get_resource_arn().as_deref(), Some(arn.as_str()));
    assert_eq!(tags(tag.get_tags()), want.tags);
}

#[test]
fn the_scheduler_delete_requests_name_the_group_and_the_schedule_in_it() {
    let s = settings();
    let g = schedule_group(&s);
    assert_eq!(delete_schedule_group_request(&g).get_name().as_deref(), Some(g.name.as_str()));
    let want = schedule(&s, &arns(), &process(&s));
    let delete = delete_schedule_request(&want);
    assert_eq!(delete.get_name().as_deref(), Some(want.name.as_str()));
    assert_eq!(delete.get_group_name().as_deref(), Some(want.group.as_str()));
}
