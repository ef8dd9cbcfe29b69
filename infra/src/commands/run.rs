//! `infra run --process NAME [--wait]`: RunTask with the parameters its schedule uses.

use std::time::Duration;

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, ContainerOverride, KeyValuePair,
    NetworkConfiguration, PropagateTags, TaskOverride,
};
use chrono::{SecondsFormat, Utc};
use intervalprocessing_jobs::Process;

use super::connect;
use crate::InfraOutcome;
use crate::console::Console;
use crate::error::InfraError;
use crate::names;
use crate::remote::aws_err;
use crate::validate::Settings;

fn build_err(e: impl std::fmt::Display) -> InfraError {
    InfraError::Failed(format!("cannot build the RunTask request: {e}"))
}

pub async fn run(
    s: &Settings,
    p: Process,
    wait: bool,
    poll: Duration,
    console: &Console,
) -> Result<InfraOutcome, InfraError> {
    let aws = connect(s, console).await?;
    let family = names::task_family(p);
    let scheduled_time = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let environment = [("processToRun", p.name()), ("SCHEDULED_TIME", scheduled_time.as_str())]
        .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
        .to_vec();
    let overrides = TaskOverride::builder()
        .container_overrides(
            ContainerOverride::builder().name(names::container(p)).set_environment(Some(environment)).build(),
        )
        .build();
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(s.file.subnets.clone()))
        .set_security_groups(Some(s.file.security_groups.clone()))
        .assign_public_ip(AssignPublicIp::Disabled)
        .build()
        .map_err(build_err)?;
    let strategy = CapacityProviderStrategyItem::builder()
        .capacity_provider("FARGATE")
        .weight(1)
        .base(0)
        .build()
        .map_err(build_err)?;
    // The tasks carry the task definition's tags and ECS's managed tags, like scheduled ones.
    let out = crate::propagation::retry(&aws.out, || async {
        aws.ecs
            .run_task()
            .cluster(&s.file.cluster)
            .task_definition(&family)
            .count(1)
            .capacity_provider_strategy(strategy.clone())
            .network_configuration(NetworkConfiguration::builder().awsvpc_configuration(vpc.clone()).build())
            .overrides(overrides.clone())
            .propagate_tags(PropagateTags::TaskDefinition)
            .enable_ecs_managed_tags(true)
            .started_by("intervalprocessing-infra")
            .send()
            .await
            .map_err(|e| aws_err(&format!("task definition {family}"), "ecs:RunTask", e))
    })
    .await?;
    if let Some(f) = out.failures().first() {
        return Err(InfraError::Failed(format!(
            "ecs:RunTask for {family} failed: {} {}",
            f.reason().unwrap_or("unknown reason"),
            f.detail().unwrap_or_default()
        )));
    }
    let Some(task_arn) = out.tasks().first().and_then(|t| t.task_arn()).map(str::to_owned) else {
        return Err(InfraError::Failed(format!("ecs:RunTask for {family} returned no task")));
    };
    console.line(&task_arn);
    if !wait {
        return Ok(InfraOutcome::Done);
    }
    loop {
        tokio::time::sleep(poll).await;
        let out = aws
            .ecs
            .describe_tasks()
            .cluster(&s.file.cluster)
            .tasks(&task_arn)
            .send()
            .await
            .map_err(|e| aws_err(&format!("task {task_arn}"), "ecs:DescribeTasks", e))?;
        let Some(task) = out.tasks().first() else {
            return Err(InfraError::Failed(format!("task {task_arn} is gone")));
        };
        if task.last_status() != Some("STOPPED") {
            continue;
        }
        let container = task.containers().iter().find(|c| c.name() == Some(names::container(p).as_str()));
        let code = container.and_then(|c| c.exit_code());
        console.line(format_args!(
            "stopped: {} (exit code {})",
            task.stopped_reason().unwrap_or("no reason given"),
            code.map_or("none".to_owned(), |c| c.to_string())
        ));
        return Ok(InfraOutcome::TaskExited(code));
    }
}
