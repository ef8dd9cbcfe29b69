use serde_json::{Value, json};

use super::{STARTED_BY, run_task_request};
use crate::apply::schedule_target;
use crate::desired::{ecs_target, schedule};
use crate::fixtures::{arns, settings};

const NOW: &str = "2026-01-02T03:04:05Z";

#[test]
fn infra_run_starts_the_task_its_schedule_starts() {
    let s = settings();
    for ps in &s.processes {
        let scheduled = schedule_target(&schedule(&s, &arns(), ps).target).unwrap_or_else(|e| panic!("{e}"));
        let ecs = scheduled.ecs_parameters().unwrap_or_else(|| panic!("no ECS parameters"));
        let run = run_task_request(&ecs_target(&s, &arns(), ps, NOW))
            .and_then(|b| b.build().map_err(super::build_err))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(run.cluster(), Some(scheduled.arn()));
        assert_eq!(run.task_definition(), Some(ecs.task_definition_arn()));
        assert_eq!(run.count(), ecs.task_count());
        let run_capacity: Vec<_> = run
            .capacity_provider_strategy()
            .iter()
            .map(|c| (c.capacity_provider().to_owned(), c.weight(), c.base()))
            .collect();
        let scheduled_capacity: Vec<_> = ecs
            .capacity_provider_strategy()
            .iter()
            .map(|c| (c.capacity_provider().to_owned(), c.weight(), c.base()))
            .collect();
        assert_eq!(run_capacity, scheduled_capacity);
        assert_eq!(run_capacity, [("FARGATE".to_owned(), 1, 0)]);
        let run_vpc = run.network_configuration().and_then(|n| n.awsvpc_configuration());
        let scheduled_vpc = ecs.network_configuration().and_then(|n| n.awsvpc_configuration());
        let (Some(run_vpc), Some(scheduled_vpc)) = (run_vpc, scheduled_vpc) else { panic!("no awsvpc configuration") };
        assert_eq!(run_vpc.subnets(), scheduled_vpc.subnets());
        assert_eq!(run_vpc.security_groups(), scheduled_vpc.security_groups());
        assert_eq!(
            run_vpc.assign_public_ip().map(|a| a.as_str()),
            scheduled_vpc.assign_public_ip().map(|a| a.as_str())
        );
        assert_eq!(run.propagate_tags().map(|p| p.as_str()), ecs.propagate_tags().map(|p| p.as_str()));
        assert_eq!(run.enable_ecs_managed_tags(), ecs.enable_ecs_managed_tags());
        assert_eq!(run.started_by(), Some(STARTED_BY));
        // The same container overrides; only the scheduled time differs (now instead of the placeholder).
        let input = scheduled.input().unwrap_or_default().replace("<aws.scheduler.scheduled-time>", NOW);
        let scheduled_overrides: Value = serde_json::from_str(&input).unwrap_or_else(|e| panic!("{e}"));
        let container = |c: &aws_sdk_ecs::types::ContainerOverride| {
            let env: Vec<Value> =
                c.environment().iter().map(|e| json!({ "name": e.name(), "value": e.value() })).collect();
            json!({ "name": c.name(), "environment": env })
        };
        let run_containers: Vec<Value> =
            run.overrides().map(|o| o.container_overrides().iter().map(container).collect()).unwrap_or_default();
        assert_eq!(json!({ "containerOverrides": run_containers }), scheduled_overrides, "{}", ps.process);
    }
}
