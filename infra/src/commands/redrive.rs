//! `infra redrive [--process NAME] [--dry-run]`: the invocations EventBridge Scheduler could not
//! deliver (after its retries) wait in the dead-letter queue; this lists them and re-runs exactly
//! those windows: RunTask with the schedule's target and the fire time as `SCHEDULED_TIME`. A
//! message is deleted only after RunTask returned a task and no failures; everything else stays.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sqs::operation::change_message_visibility::builders::ChangeMessageVisibilityInputBuilder;
use aws_sdk_sqs::operation::delete_message::builders::DeleteMessageInputBuilder;
use aws_sdk_sqs::operation::receive_message::builders::ReceiveMessageInputBuilder;
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use chrono::SecondsFormat;
use intervalprocessing_jobs::Process;

use super::connect::connect;
use super::run::start_task;
use crate::InfraOutcome;
use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::console::Console;
use crate::dead_letter::{self, DeadLetter};
use crate::error::InfraError;
use crate::names;
use crate::remote::queue_url;
use crate::validate::Settings;

/// While redrive works on a message, other readers do not see it.
const VISIBILITY: Duration = Duration::from_secs(300);
/// At most this many messages per redrive (SQS hands out 10 per receive).
const MOST: usize = 1000;

/// One received message.
struct Received {
    receipt: String,
    parsed: Result<DeadLetter, dead_letter::NotADeadLetter>,
}

pub async fn run(
    s: &Settings,
    only: Option<Process>,
    dry_run: bool,
    out: &Console,
) -> Result<InfraOutcome, InfraError> {
    let aws = connect(s, out).await?;
    let queue = names::DEAD_LETTER_QUEUE;
    let Some(url) = queue_url(&aws, queue).await? else {
        return Err(InfraError::Failed(format!(
            "the dead-letter queue {queue} does not exist; run `infra apply` to create it"
        )));
    };
    let messages = receive_all(&aws, &url).await?;
    let (mut rerun, mut failed, mut left) = (0, 0, 0);
    for m in &messages {
        let fate = redrive_one(&aws, s, &url, m, only, dry_run, out).await?;
        match fate {
            Fate::Rerun => rerun += 1,
            Fate::Failed => failed += 1,
            Fate::Left => left += 1,
            Fate::Listed => {}
        }
        // Every message not deleted is visible again at once.
        if fate != Fate::Rerun {
            release(&aws, &url, &m.receipt).await;
        }
    }
    let listed = messages.len() - left;
    match (dry_run, failed) {
        (true, _) => out.line(format_args!("{listed} dead-lettered invocation(s); nothing was run (--dry-run)")),
        (false, 0) => out.line(format_args!("Redrive complete: {rerun} re-run, {left} left in {queue}.")),
        (false, n) => {
            return Err(InfraError::Failed(format!(
                "{n} of {listed} dead-lettered invocation(s) could not be re-run; their messages stay in {queue}"
            )));
        }
    }
    Ok(InfraOutcome::Done)
}

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Its window was re-run and the message deleted.
    Rerun,
    /// Its window could not be re-run; the message stays.
    Failed,
    /// Not ours to re-run (another process, or not a dead letter of this deployment); it stays.
    Left,
    /// Listed only (`--dry-run`).
    Listed,
}

/// Lists one message and, unless `dry_run`, re-runs its window: RunTask with the schedule's target
/// and its fire time, then DeleteMessage. Only a failed DeleteMessage is an error.
async fn redrive_one(
    aws: &Aws,
    s: &Settings,
    url: &str,
    m: &Received,
    only: Option<Process>,
    dry_run: bool,
    out: &Console,
) -> Result<Fate, InfraError> {
    let queue = names::DEAD_LETTER_QUEUE;
    let d = match &m.parsed {
        Ok(d) if only.is_none_or(|p| p == d.process) => d,
        Ok(_) => return Ok(Fate::Left),
        Err(why) => {
            out.warn(format_args!("a message in {queue} was left there: it {why}"));
            return Ok(Fate::Left);
        }
    };
    let fire_time = d.fire_time.to_rfc3339_opts(SecondsFormat::Secs, true);
    let from_sent =
        if d.fire_time_from_sent { " (no scheduled time in the message: the time it was sent)" } else { "" };
    out.line(format_args!("{} {fire_time}{from_sent}: {}", d.process, d.error));
    if dry_run {
        return Ok(Fate::Listed);
    }
    let Some(ps) = s.processes.iter().find(|ps| ps.process == d.process) else {
        out.warn(format_args!("{} is not in the deployment file; its message stays in {queue}", d.process));
        return Ok(Fate::Failed);
    };
    match start_task(aws, s, ps, &fire_time).await {
        Ok(task) => {
            delete_request(url, &m.receipt)
                .send_with(&aws.sqs)
                .await
                .map_err(|e| aws_err(&format!("queue {queue}"), "sqs:DeleteMessage", e))?;
            out.line(format_args!("  re-ran as {task}; message deleted"));
            Ok(Fate::Rerun)
        }
        Err(e) => {
            out.warn(format_args!("{} {fire_time} was not re-run, its message stays in {queue}: {e}", d.process));
            Ok(Fate::Failed)
        }
    }
}

/// Every message of the queue (up to [`MOST`]), hidden from other readers while redrive works.
async fn receive_all(aws: &Aws, url: &str) -> Result<Vec<Received>, InfraError> {
    let mut all = Vec::new();
    while all.len() < MOST {
        let got = receive_request(url)
            .send_with(&aws.sqs)
            .await
            .map_err(|e| aws_err(&format!("queue {}", names::DEAD_LETTER_QUEUE), "sqs:ReceiveMessage", e))?;
        if got.messages().is_empty() {
            break;
        }
        for m in got.messages() {
            let attributes: HashMap<String, String> = m
                .message_attributes()
                .map(|a| a.iter().filter_map(|(k, v)| Some((k.clone(), v.string_value()?.to_owned()))).collect())
                .unwrap_or_default();
            let sent =
                m.attributes().and_then(|a| a.get(&MessageSystemAttributeName::SentTimestamp)).map(String::as_str);
            all.push(Received {
                receipt: m.receipt_handle().unwrap_or_default().to_owned(),
                parsed: dead_letter::parse(m.body().unwrap_or_default(), &attributes, sent),
            });
        }
    }
    Ok(all)
}

/// Makes a message visible again at once (it was only looked at).
async fn release(aws: &Aws, url: &str, receipt: &str) {
    let released = release_request(url, receipt).send_with(&aws.sqs);
    if let Err(e) = released.await {
        tracing::warn!(error = %aws_err("dead-letter message", "sqs:ChangeMessageVisibility", e), "it stays hidden until its visibility timeout");
    }
}

/// ReceiveMessage: up to 10, hidden for [`VISIBILITY`], with the sent time and every message attribute.
fn receive_request(url: &str) -> ReceiveMessageInputBuilder {
    ReceiveMessageInputBuilder::default()
        .queue_url(url)
        .max_number_of_messages(10)
        .visibility_timeout(i32::try_from(VISIBILITY.as_secs()).unwrap_or(300))
        .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
        .message_attribute_names(QueueAttributeName::All.as_str())
}

/// DeleteMessage: the one message whose window was re-run.
fn delete_request(url: &str, receipt: &str) -> DeleteMessageInputBuilder {
    DeleteMessageInputBuilder::default().queue_url(url).receipt_handle(receipt)
}

/// ChangeMessageVisibility to 0: the message is visible again at once.
fn release_request(url: &str, receipt: &str) -> ChangeMessageVisibilityInputBuilder {
    ChangeMessageVisibilityInputBuilder::default().queue_url(url).receipt_handle(receipt).visibility_timeout(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redrive_reads_hidden_messages_with_their_attributes_and_deletes_or_releases_exactly_one() {
        let r = receive_request("https://q");
        assert_eq!((r.get_max_number_of_messages(), r.get_visibility_timeout()), (&Some(10), &Some(300)));
        assert_eq!(r.get_message_attribute_names().clone(), Some(vec!["All".to_owned()]));
        let sent = r.get_message_system_attribute_names().clone().unwrap_or_default();
        assert_eq!(sent, vec![MessageSystemAttributeName::SentTimestamp]);
        let d = delete_request("https://q", "receipt-1");
        assert_eq!(
            (d.get_queue_url().as_deref(), d.get_receipt_handle().as_deref()),
            (Some("https://q"), Some("receipt-1"))
        );
        let v = release_request("https://q", "receipt-1");
        assert_eq!((v.get_receipt_handle().as_deref(), v.get_visibility_timeout()), (Some("receipt-1"), &Some(0)));
    }
}
