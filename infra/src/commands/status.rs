//! `infra status`: the dead-lettered invocations waiting for `infra redrive`, and per process the
//! schedule state, cron, time zone, next fire time, the tasks ECS stopped lately (with `stopCode`
//! and `stoppedReason`) and the latest ledger entry (when MongoDB is reachable).

use aws_sdk_ecs::types::DesiredStatus;
use aws_sdk_sqs::types::QueueAttributeName;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::connect::connect;
use crate::InfraOutcome;
use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::console::Console;
use crate::cron::AwsSchedule;
use crate::desired::SCHEDULER_METRICS;
use crate::error::InfraError;
use crate::history::RunHistory;
use crate::names;
use crate::remote::{AlarmState, alarm_states, queue_url, schedule};
use crate::validate::Settings;

pub async fn run(s: &Settings, history: &dyn RunHistory, out: &Console) -> Result<InfraOutcome, InfraError> {
    let aws = connect(s, out).await?;
    let now = Utc::now();
    // What cannot be read (a missing permission) is said, and the rest is still shown.
    let dead = dead_letters(&aws).await.unwrap_or_else(|e| format!("unknown ({e})"));
    out.line(format_args!("dead letters: {dead}"));
    let alarms = alarm_states(&aws).await.map_err(|e| e.to_string());
    let state_of = |name: &str| match &alarms {
        Ok(states) => shown(states.get(name)),
        Err(e) => format!("unknown ({e})"),
    };
    let scheduler: Vec<String> =
        SCHEDULER_METRICS.iter().map(|m| format!("{m} {}", state_of(&names::scheduler_alarm(m)))).collect();
    out.line(format_args!("scheduler alarms: {}", scheduler.join(", ")));
    for p in &s.processes {
        let name = names::schedule(p.process);
        out.line(p.process.name());
        match schedule(&aws, &s.file.schedule_group, &name).await? {
            None => out.line(format_args!("  schedule:  {name} is not deployed (run infra apply)")),
            Some(sch) => {
                let tz: Option<Tz> = sch.timezone.parse().ok();
                let next = match (AwsSchedule::parse(&sch.expression), tz) {
                    (Ok(expr), Some(tz)) if sch.state == "ENABLED" => expr
                        .next_after(now, tz)
                        .map_or("never".to_owned(), |t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()),
                    (Ok(_), Some(_)) => "none (disabled)".to_owned(),
                    _ => "unknown (the expression or time zone does not parse)".to_owned(),
                };
                out.line(format_args!("  schedule:  {name} {}", sch.state));
                out.line(format_args!("  cron:      {} in {}", sch.expression, sch.timezone));
                out.line(format_args!("  next:      {next}"));
            }
        }
        let alarm = names::no_success_alarm(p.process);
        out.line(format_args!("  alarm:     {alarm} {}", state_of(&alarm)));
        match stopped_tasks(&aws, &s.file.cluster, &names::task_family(p.process)).await {
            Ok(stopped) if stopped.is_empty() => out.line("  stopped:   no task stopped lately"),
            Ok(stopped) => stopped.iter().for_each(|t| out.line(format_args!("  stopped:   {t}"))),
            Err(e) => out.line(format_args!("  stopped:   unknown ({e})")),
        }
        match history.latest(p.process).await {
            Ok(Some(run)) => out.line(format_args!(
                "  last run:  {} for {}{}",
                run.status,
                run.window,
                run.ended_at.map(|e| format!(", ended {e}")).unwrap_or_default()
            )),
            Ok(None) => out.line("  last run:  none recorded"),
            Err(reason) => out.line(format_args!("  last run:  unknown ({reason})")),
        }
    }
    Ok(InfraOutcome::Done)
}

/// How many invocations wait in the dead-letter queue.
async fn dead_letters(aws: &Aws) -> Result<String, InfraError> {
    let queue = names::DEAD_LETTER_QUEUE;
    let Some(url) = queue_url(aws, queue).await? else {
        return Ok(format!("{queue} is not deployed (run infra apply)"));
    };
    let attrs = aws
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .map_err(|e| aws_err(&format!("queue {queue}"), "sqs:GetQueueAttributes", e))?;
    let count = |k: QueueAttributeName| {
        attrs.attributes().and_then(|a| a.get(&k)).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
    };
    let n = count(QueueAttributeName::ApproximateNumberOfMessages)
        + count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible);
    Ok(match n {
        0 => format!("none waiting in {queue}"),
        n => format!("{n} waiting in {queue}: `infra redrive --dry-run` lists them, `infra redrive` re-runs them"),
    })
}

/// The latest tasks of `family` that ECS stopped (it keeps them about an hour), newest first:
/// when, `stopCode`, the container's exit code and `stoppedReason`.
async fn stopped_tasks(aws: &Aws, cluster: &str, family: &str) -> Result<Vec<String>, InfraError> {
    const SHOWN: usize = 3;
    let what = format!("tasks of {family}");
    let listed = match aws
        .ecs
        .list_tasks()
        .cluster(cluster)
        .family(family)
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
    {
        Ok(l) => l,
        Err(e) if crate::aws_error::is_missing(&e, &["ClusterNotFoundException"]) => return Ok(Vec::new()),
        Err(e) => return Err(aws_err(&what, "ecs:ListTasks", e)),
    };
    if listed.task_arns().is_empty() {
        return Ok(Vec::new());
    }
    let described = aws
        .ecs
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(listed.task_arns().iter().take(100).cloned().collect()))
        .send()
        .await
        .map_err(|e| aws_err(&what, "ecs:DescribeTasks", e))?;
    let mut tasks: Vec<_> = described.tasks().to_vec();
    tasks.sort_by_key(|t| std::cmp::Reverse(t.stopped_at().map(|d| d.secs())));
    Ok(tasks
        .iter()
        .take(SHOWN)
        .map(|t| {
            let at = t
                .stopped_at()
                .and_then(|d| DateTime::from_timestamp(d.secs(), 0))
                .map_or("unknown time".to_owned(), |d| d.format("%Y-%m-%d %H:%M:%SZ").to_string());
            let code = t.stop_code().map_or("no stop code".to_owned(), |c| c.as_str().to_owned());
            let exit = t.containers().first().and_then(|c| c.exit_code());
            let exit = exit.map(|c| format!(", exit code {c}")).unwrap_or_default();
            format!("{at} {code}{exit}: {}", t.stopped_reason().unwrap_or("no reason given"))
        })
        .collect())
}

/// `OK`, `ALARM (actions off)`, or `not deployed`.
fn shown(a: Option<&AlarmState>) -> String {
    match a {
        None => "not deployed (run infra apply)".to_owned(),
        Some(a) if a.actions_enabled => a.state.clone(),
        Some(a) => format!("{} (actions off)", a.state),
    }
}
