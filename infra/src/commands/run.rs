//! `infra run --process NAME [--wait]`: RunTask with the parameters its schedule uses.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use intervalprocessing_jobs::Process;

use super::connect::connect;
use super::run_task::run_task_request;
use crate::InfraOutcome;
use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::console::Console;
use crate::desired::ecs_target;
use crate::error::InfraError;
use crate::names;
use crate::validate::{ProcessSettings, Settings};

/// Starts one task of `ps` with the parameters its schedule uses and `scheduled_time` as its
/// `SCHEDULED_TIME`; the task's ARN once ECS accepted it (no failures).
pub async fn start_task(
    aws: &Aws,
    s: &Settings,
    ps: &ProcessSettings,
    scheduled_time: &str,
) -> Result<String, InfraError> {
    let family = names::task_family(ps.process);
    // The schedule's own target, with the given scheduled time.
    let request = run_task_request(&ecs_target(s, &aws.arns, ps, scheduled_time))?;
    let out = crate::propagation::retry(&aws.out, || async {
        request
            .clone()
            .send_with(&aws.ecs)
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
    out.tasks()
        .first()
        .and_then(|t| t.task_arn())
        .map(str::to_owned)
        .ok_or_else(|| InfraError::Failed(format!("ecs:RunTask for {family} returned no task")))
}

pub async fn run(
    s: &Settings,
    p: Process,
    wait: bool,
    poll: Duration,
    console: &Console,
) -> Result<InfraOutcome, InfraError> {
    let Some(ps) = s.processes.iter().find(|ps| ps.process == p) else {
        return Err(InfraError::Config(format!("{} is not in the deployment", p.name())));
    };
    let aws = connect(s, console).await?;
    let scheduled_time = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let task_arn = start_task(&aws, s, ps, &scheduled_time).await?;
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
