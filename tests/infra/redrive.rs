//! The schedules' dead-letter queue and `infra redrive`: an invocation Scheduler could not
//! deliver waits in the queue and is re-run as exactly the window it was for.

use std::collections::BTreeMap;

use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};

use crate::infra::harness::{Deploy, policy_json};
use crate::support::{Moto, process_names};

const QUEUE: &str = "IntervalProcessing-DeadLetters";
const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:IntervalProcessing-DeadLetters";

/// What Scheduler sends to the dead-letter queue: the target input with its context attributes
/// substituted, and why it failed in message attributes.
async fn dead_letter(sqs: &aws_sdk_sqs::Client, url: &str, process: &str, scheduled_time: &str, error: &str) {
    let body = serde_json::json!({ "containerOverrides": [{
        "name": format!("intervalprocessing-{}", process.to_ascii_lowercase()),
        "environment": [
            { "name": "processToRun", "value": process },
            { "name": "SCHEDULED_TIME", "value": scheduled_time },
        ],
    }] });
    let attr =
        |v: &str| MessageAttributeValue::builder().data_type("String").string_value(v).build().expect("attribute");
    let schedule = format!(
        "arn:aws:scheduler:us-east-1:123456789012:schedule/intervalprocessing/Run-IntervalProcessing-{process}"
    );
    sqs.send_message()
        .queue_url(url)
        .message_body(body.to_string())
        .message_attributes("ERROR_CODE", attr("AWS.Scheduler.ECS.ThrottlingException"))
        .message_attributes("ERROR_MESSAGE", attr(error))
        .message_attributes("SCHEDULE_ARN", attr(&schedule))
        .message_attributes("RETRY_ATTEMPTS", attr("185"))
        .send()
        .await
        .expect("send a dead letter");
}

async fn waiting(sqs: &aws_sdk_sqs::Client, url: &str) -> i64 {
    let a = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .expect("queue attributes");
    let n = a.attributes().and_then(|m| m.get(&QueueAttributeName::ApproximateNumberOfMessages)).cloned();
    n.unwrap_or_default().parse().unwrap_or(-1)
}

/// (process, SCHEDULED_TIME) of every task started in the cluster.
async fn started(ecs: &aws_sdk_ecs::Client) -> Vec<(String, String)> {
    let arns = ecs.list_tasks().cluster("intervalprocessing").send().await.expect("list tasks");
    if arns.task_arns().is_empty() {
        return Vec::new();
    }
    let tasks = ecs
        .describe_tasks()
        .cluster("intervalprocessing")
        .set_tasks(Some(arns.task_arns().to_vec()))
        .send()
        .await
        .expect("describe tasks");
    let mut out: Vec<(String, String)> = tasks
        .tasks()
        .iter()
        .map(|t| {
            let o = t.overrides().map(|o| o.container_overrides().to_vec()).unwrap_or_default();
            let env: BTreeMap<String, String> = o
                .iter()
                .flat_map(|c| c.environment().to_vec())
                .map(|kv| (kv.name().unwrap_or_default().to_owned(), kv.value().unwrap_or_default().to_owned()))
                .collect();
            (
                env.get("processToRun").cloned().unwrap_or_default(),
                env.get("SCHEDULED_TIME").cloned().unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn every_schedule_dead_letters_to_an_encrypted_queue_the_scheduler_role_may_send_to() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let conf = moto.sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&conf);
    let url = sqs.get_queue_url().queue_name(QUEUE).send().await.expect("the queue exists");
    let url = url.queue_url().unwrap_or_default();
    let attrs = sqs.get_queue_attributes().queue_url(url).attribute_names(QueueAttributeName::All).send().await;
    let attrs = attrs.expect("attributes").attributes().cloned().unwrap_or_default();
    assert_eq!(attrs.get(&QueueAttributeName::SqsManagedSseEnabled).map(String::as_str), Some("true"), "{attrs:?}");
    assert_eq!(attrs.get(&QueueAttributeName::MessageRetentionPeriod).map(String::as_str), Some("1209600"));
    assert!(!attrs.contains_key(&QueueAttributeName::FifoQueue), "a standard queue: {attrs:?}");
    let tags = sqs.list_queue_tags().queue_url(url).send().await.expect("tags");
    assert_eq!(tags.tags().and_then(|t| t.get("ManagedBy")).map(String::as_str), Some("intervalprocessing"));

    let sch = aws_sdk_scheduler::Client::new(&conf);
    for p in process_names() {
        let s = sch
            .get_schedule()
            .group_name("intervalprocessing")
            .name(format!("Run-IntervalProcessing-{p}"))
            .send()
            .await
            .expect("schedule");
        let dlq = s.target().and_then(|t| t.dead_letter_config()).and_then(|c| c.arn());
        assert_eq!(dlq, Some(QUEUE_ARN), "{p}");
    }

    let iam = aws_sdk_iam::Client::new(&conf);
    let doc = iam
        .get_role_policy()
        .role_name("IntervalProcessing-Scheduler")
        .policy_name("run-tasks")
        .send()
        .await
        .expect("scheduler policy");
    let policy = policy_json(doc.policy_document());
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    let send = statements.iter().find(|s| s["Sid"] == "DeadLetters").unwrap_or_else(|| panic!("{policy}"));
    assert_eq!(
        (send["Action"].clone(), send["Resource"].clone()),
        (serde_json::json!(["sqs:SendMessage"]), serde_json::json!([QUEUE_ARN]))
    );

    let plan = d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(plan.stdout.contains(&format!("= no change sqs_queue        {QUEUE}")), "{}", plan.stdout);
}

#[tokio::test]
async fn redrive_re_runs_exactly_the_dead_lettered_windows_and_deletes_only_their_messages() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let conf = moto.sdk_config().await;
    let (sqs, ecs) = (aws_sdk_sqs::Client::new(&conf), aws_sdk_ecs::Client::new(&conf));
    let url =
        sqs.get_queue_url().queue_name(QUEUE).send().await.expect("queue").queue_url().unwrap_or_default().to_owned();
    dead_letter(&sqs, &url, "HourlyDataChange", "2026-01-15T10:00:00Z", "Rate exceeded").await;
    dead_letter(&sqs, &url, "QuarterHourlyDataChange", "<aws.scheduler.scheduled-time>", "Capacity is unavailable")
        .await;
    sqs.send_message().queue_url(&url).message_body("{\"someone\":\"else\"}").send().await.expect("a foreign message");

    let listed = d.infra(&moto, &["redrive", "--dry-run"]).success();
    assert!(
        listed
            .stdout
            .contains("HourlyDataChange 2026-01-15T10:00:00Z: AWS.Scheduler.ECS.ThrottlingException: Rate exceeded"),
        "{}",
        listed.stdout
    );
    assert!(listed.stdout.contains("QuarterHourlyDataChange 20"), "{}", listed.stdout);
    assert!(listed.stdout.contains("(no scheduled time in the message: the time it was sent)"), "{}", listed.stdout);
    assert!(listed.stdout.contains("2 dead-lettered invocation(s); nothing was run"), "{}", listed.stdout);
    assert!(
        listed.stderr.contains("warning: a message in IntervalProcessing-DeadLetters was left there"),
        "{}",
        listed.stderr
    );
    assert_eq!(started(&ecs).await, Vec::new(), "a dry run starts nothing");
    assert_eq!(waiting(&sqs, &url).await, 3, "a dry run deletes nothing");

    let one = d.infra(&moto, &["redrive", "--process", "HourlyDataChange"]).success();
    assert!(
        one.stdout.contains("re-ran as arn:aws:ecs:us-east-1:123456789012:task/intervalprocessing/"),
        "{}",
        one.stdout
    );
    assert_eq!(started(&ecs).await, vec![("HourlyDataChange".to_owned(), "2026-01-15T10:00:00Z".to_owned())]);
    assert_eq!(waiting(&sqs, &url).await, 2, "only its message is deleted");

    let rest = d.infra(&moto, &["redrive"]).success();
    assert!(
        rest.stdout.contains("Redrive complete: 1 re-run, 1 left in IntervalProcessing-DeadLetters."),
        "{}",
        rest.stdout
    );
    let tasks = started(&ecs).await;
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    let quarter = tasks.iter().find(|(p, _)| p == "QuarterHourlyDataChange").expect("the quarter-hour re-run");
    assert!(chrono::DateTime::parse_from_rfc3339(&quarter.1).is_ok(), "the sent time, as RFC 3339: {quarter:?}");
    assert_eq!(waiting(&sqs, &url).await, 1, "the foreign message stays");
}

#[tokio::test]
async fn infra_status_shows_dead_letters_alarm_states_and_each_familys_stopped_tasks_with_their_reason() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let conf = moto.sdk_config().await;
    let (sqs, ecs) = (aws_sdk_sqs::Client::new(&conf), aws_sdk_ecs::Client::new(&conf));
    let calm = d.infra(&moto, &["status"]).success();
    assert!(calm.stdout.contains("dead letters: none waiting in IntervalProcessing-DeadLetters"), "{}", calm.stdout);
    assert!(calm.stdout.contains("  stopped:   no task stopped lately"), "{}", calm.stdout);
    // Alarm states: every schedule starts disabled, so every no-successful-window alarm's actions are off.
    assert!(calm.stdout.contains("scheduler alarms: TargetErrorCount "), "{}", calm.stdout);
    let alarm_line = |out: &str| {
        out.lines()
            .find(|l| l.starts_with("  alarm:     IntervalProcessing-FileGeneration-NoSuccessfulWindow "))
            .map(str::to_owned)
    };
    let before = alarm_line(&calm.stdout).unwrap_or_else(|| panic!("no alarm line:\n{}", calm.stdout));
    assert!(before.ends_with("(actions off)"), "{before}");
    d.infra(&moto, &["enable", "--process", "FileGeneration"]).success();
    let enabled = d.infra(&moto, &["status"]).success();
    let after = alarm_line(&enabled.stdout).unwrap_or_else(|| panic!("no alarm line:\n{}", enabled.stdout));
    assert!(!after.ends_with("(actions off)"), "{after}");

    let url =
        sqs.get_queue_url().queue_name(QUEUE).send().await.expect("queue").queue_url().unwrap_or_default().to_owned();
    dead_letter(&sqs, &url, "FileGeneration", "2026-01-16T02:30:00Z", "Capacity is unavailable at this time").await;
    let task = d.infra(&moto, &["run", "--process", "FileGeneration"]).success().stdout.trim().to_owned();
    ecs.stop_task()
        .cluster("intervalprocessing")
        .task(&task)
        .reason("CannotPullContainerError: pull access denied")
        .send()
        .await
        .expect("stop the task");

    let out = d.infra(&moto, &["status"]).success();
    assert!(out.stdout.contains("dead letters: 1 waiting in IntervalProcessing-DeadLetters"), "{}", out.stdout);
    let block: Vec<&str> = out
        .stdout
        .lines()
        .skip_while(|l| *l != "FileGeneration")
        .take_while(|l| *l == "FileGeneration" || l.starts_with(' '))
        .collect();
    assert!(
        block
            .iter()
            .any(|l| l.starts_with("  stopped:") && l.ends_with(": CannotPullContainerError: pull access denied")),
        "{}",
        out.stdout
    );
}
