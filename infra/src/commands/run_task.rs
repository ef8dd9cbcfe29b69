//! The RunTask request of `infra run`, built from the same desired [`EcsTarget`] as the
//! process's schedule target ([`crate::desired::ecs_target`]), so the two cannot drift.

use aws_sdk_ecs::operation::run_task::builders::RunTaskInputBuilder;
use aws_sdk_ecs::types::{ContainerOverride, KeyValuePair, PropagateTags, TaskOverride};
use serde_json::Value;

use crate::error::InfraError;
use crate::resources::EcsTarget;
use crate::task_network::{awsvpc_network, capacity_strategy};

/// Who started the tasks `infra run` starts (ECS shows it as `startedBy`).
pub const STARTED_BY: &str = "intervalprocessing-infra";

fn build_err(e: impl std::fmt::Display) -> InfraError {
    InfraError::Failed(format!("cannot build the RunTask request: {e}"))
}

/// RunTask for `t`: its cluster, task definition, count, capacity, network, tags and overrides.
pub fn run_task_request(t: &EcsTarget) -> Result<RunTaskInputBuilder, InfraError> {
    let strategy = capacity_strategy!(aws_sdk_ecs::types, t.capacity_provider_strategy, build_err);
    let network = awsvpc_network!(aws_sdk_ecs::types, t, build_err);
    Ok(RunTaskInputBuilder::default()
        .cluster(&t.cluster_arn)
        .task_definition(&t.task_definition_arn)
        .count(t.task_count)
        .set_capacity_provider_strategy(Some(strategy))
        .network_configuration(network)
        .overrides(task_override(&t.input))
        .set_propagate_tags(t.propagate_tags.as_deref().map(PropagateTags::from))
        .enable_ecs_managed_tags(t.enable_ecs_managed_tags)
        .started_by(STARTED_BY))
}

/// The target's overrides JSON (what Scheduler passes to RunTask) as the SDK's `TaskOverride`.
fn task_override(input: &Value) -> TaskOverride {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let list = |v: &Value, k: &str| v.get(k).and_then(Value::as_array).cloned().unwrap_or_default();
    let containers = list(input, "containerOverrides");
    let containers = containers.iter().map(|c| {
        let env = list(c, "environment")
            .iter()
            .map(|e| KeyValuePair::builder().set_name(text(e, "name")).set_value(text(e, "value")).build())
            .collect();
        ContainerOverride::builder().set_name(text(c, "name")).set_environment(Some(env)).build()
    });
    TaskOverride::builder().set_container_overrides(Some(containers.collect())).build()
}

#[cfg(test)]
mod tests;
