//! Dead-lettered invocations: what EventBridge Scheduler puts in the schedules' dead-letter queue
//! when it could not start a task (after its retries), read back as the window to re-run.
//!
//! The message body is the target's input with the context attributes substituted, here the
//! RunTask overrides carrying `processToRun` and `SCHEDULED_TIME`; the message attributes say why
//! (`ERROR_CODE`, `ERROR_MESSAGE`) and from which schedule (`SCHEDULE_ARN`).

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use intervalprocessing_jobs::Process;
use serde_json::Value;

use crate::names;

/// One dead-lettered invocation, as `redrive` lists and re-runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The process whose schedule it came from.
    pub process: Process,
    /// The time the schedule fired for (the `SCHEDULED_TIME` to re-run with).
    pub fire_time: DateTime<Utc>,
    /// The body carried no usable `SCHEDULED_TIME`: `fire_time` is when the message was sent.
    pub fire_time_from_sent: bool,
    /// Why the invocation failed, as Scheduler reported it.
    pub error: String,
}

/// Why a message is not a dead-lettered invocation of a managed schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotADeadLetter {
    #[error("names no process of this deployment (schedule {schedule:?}, processToRun {process_to_run:?})")]
    UnknownProcess { schedule: Option<String>, process_to_run: Option<String> },
    #[error("carries neither a usable SCHEDULED_TIME nor a sent time")]
    NoTime,
}

/// Reads one message: its body, its string message attributes, and its `SentTimestamp` system
/// attribute (epoch milliseconds, as SQS gives it).
pub fn parse(
    body: &str,
    attributes: &HashMap<String, String>,
    sent_timestamp: Option<&str>,
) -> Result<DeadLetter, NotADeadLetter> {
    let input: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let env = environment(&input);
    let schedule = attributes.get("SCHEDULE_ARN").and_then(|arn| arn.rsplit('/').next()).map(str::to_owned);
    let process_to_run = env.get("processToRun").cloned();
    let process = schedule
        .as_deref()
        .and_then(names::process_of_schedule)
        .or_else(|| process_to_run.as_deref().and_then(|n| n.parse::<Process>().ok()))
        .ok_or_else(|| NotADeadLetter::UnknownProcess { schedule: schedule.clone(), process_to_run })?;
    let scheduled = env.get("SCHEDULED_TIME").and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    let sent =
        sent_timestamp.and_then(|ms| ms.parse::<i64>().ok()).and_then(|ms| Utc.timestamp_millis_opt(ms).single());
    let (fire_time, fire_time_from_sent) = match (scheduled, sent) {
        (Some(t), _) => (t.with_timezone(&Utc), false),
        (None, Some(t)) => (t, true),
        (None, None) => return Err(NotADeadLetter::NoTime),
    };
    let error = match (attributes.get("ERROR_CODE"), attributes.get("ERROR_MESSAGE")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(one), None) | (None, Some(one)) => one.clone(),
        (None, None) => "no error given".to_owned(),
    };
    Ok(DeadLetter { process, fire_time, fire_time_from_sent, error })
}

/// The container environment in the RunTask overrides (`containerOverrides[].environment[]`).
fn environment(input: &Value) -> HashMap<String, String> {
    let containers = input.get("containerOverrides").and_then(Value::as_array).cloned().unwrap_or_default();
    containers
        .iter()
        .filter_map(|c| c.get("environment").and_then(Value::as_array))
        .flatten()
        .filter_map(|kv| Some((kv.get("name")?.as_str()?.to_owned(), kv.get("value")?.as_str()?.to_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::run_overrides;

    fn attrs(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn hourly() -> Process {
        "HourlyDataChange".parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_dead_letter_names_its_process_fire_time_and_error() {
        let body = run_overrides(hourly(), "2026-01-15T10:00:00Z").to_string();
        let a = attrs(&[
            (
                "SCHEDULE_ARN",
                "arn:aws:scheduler:us-east-1:123456789012:schedule/intervalprocessing/Run-IntervalProcessing-HourlyDataChange",
            ),
            ("ERROR_CODE", "AWS.Scheduler.ECS.AccessDeniedException"),
            ("ERROR_MESSAGE", "not authorized to perform iam:PassRole"),
        ]);
        let d = parse(&body, &a, Some("1768471260000")).unwrap();
        assert_eq!(d.process, hourly());
        assert_eq!(d.fire_time, DateTime::parse_from_rfc3339("2026-01-15T10:00:00Z").unwrap());
        assert!(!d.fire_time_from_sent);
        assert_eq!(d.error, "AWS.Scheduler.ECS.AccessDeniedException: not authorized to perform iam:PassRole");
    }

    #[test]
    fn without_a_usable_scheduled_time_the_sent_time_is_used_and_said() {
        let body = run_overrides(hourly(), "<aws.scheduler.scheduled-time>").to_string();
        let d = parse(&body, &attrs(&[("ERROR_CODE", "Throttled")]), Some("1768471260000")).unwrap();
        assert_eq!((d.process, d.fire_time_from_sent), (hourly(), true));
        assert_eq!(d.fire_time.timestamp_millis(), 1_768_471_260_000);
        assert_eq!(d.error, "Throttled");
        assert_eq!(parse(&body, &attrs(&[]), None), Err(NotADeadLetter::NoTime));
    }

    #[test]
    fn a_message_of_no_managed_schedule_is_refused() {
        let err =
            parse("{\"hello\":1}", &attrs(&[("SCHEDULE_ARN", "arn:aws:scheduler:::schedule/g/Other")]), Some("1"));
        assert!(matches!(err, Err(NotADeadLetter::UnknownProcess { .. })), "{err:?}");
    }
}
