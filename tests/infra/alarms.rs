//! Alarms and notification: the SNS topic, the alarms and the EventBridge rule that `infra apply`
//! creates from the deployment file, read back from moto (CloudWatch through the CBOR translator).

use aws_sdk_cloudwatch::types::MetricAlarm;
use serde_json::{Value, json};

use crate::infra::harness::Deploy;
use crate::support::{Moto, process_names};

const TOPIC_ARN: &str = "arn:aws:sns:us-east-1:123456789012:IntervalProcessing-Alarms";
const RULE: &str = "IntervalProcessing-TaskFailedToStart";
const SCHEDULER_METRICS: [&str; 4] = [
    "TargetErrorCount",
    "TargetErrorThrottledCount",
    "InvocationDroppedCount",
    "InvocationsFailedToBeSentToDeadLetterCount",
];

/// The test deployment with an email subscription, HourlyDataChange enabled with a 2-cadence alarm.
fn deploy(moto: &Moto) -> Deploy {
    let d = Deploy::new(moto, "[process.HourlyDataChange]\nenabled = true\nalarm_after_cadences = 2\n");
    d.edit("log_retention_days = 14", "log_retention_days = 14\nalarm_emails = [\"ops@example.com\"]");
    d
}

async fn alarms(moto: &Moto) -> Vec<MetricAlarm> {
    let cw = moto.cloudwatch().await;
    let out = cw
        .describe_alarms()
        .alarm_name_prefix("IntervalProcessing-")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeAlarms: {e:?}"));
    out.metric_alarms().to_vec()
}

fn find<'a>(all: &'a [MetricAlarm], name: &str) -> &'a MetricAlarm {
    all.iter().find(|a| a.alarm_name() == Some(name)).unwrap_or_else(|| panic!("no alarm {name}"))
}

fn dimensions(a: &MetricAlarm) -> Vec<(String, String)> {
    a.dimensions()
        .iter()
        .map(|d| (d.name().unwrap_or_default().to_owned(), d.value().unwrap_or_default().to_owned()))
        .collect()
}

#[tokio::test]
async fn apply_creates_the_topic_alarms_and_task_failed_to_start_rule_and_a_second_plan_shows_no_change() {
    let moto = Moto::start();
    let d = deploy(&moto);
    let out = d.infra(&moto, &["apply", "--auto-approve"]).success();
    assert!(out.stdout.contains("created sns_topic IntervalProcessing-Alarms"), "{}", out.stdout);
    let conf = moto.sdk_config().await;

    let sns = aws_sdk_sns::Client::new(&conf);
    let attrs = sns.get_topic_attributes().topic_arn(TOPIC_ARN).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let policy: Value = attrs
        .attributes()
        .and_then(|a| a.get("Policy"))
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_else(|| panic!("the topic has no policy"));
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    let services: Vec<&str> = statements.iter().filter_map(|s| s["Principal"]["Service"].as_str()).collect();
    assert_eq!(services, ["cloudwatch.amazonaws.com", "events.amazonaws.com"], "{policy}");
    for s in &statements {
        assert_eq!(s["Action"], "sns:Publish", "{policy}");
        assert_eq!(s["Condition"]["StringEquals"]["aws:SourceAccount"], "123456789012", "{policy}");
    }
    let subs = sns.list_subscriptions_by_topic().topic_arn(TOPIC_ARN).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let emails: Vec<(Option<&str>, Option<&str>)> =
        subs.subscriptions().iter().map(|s| (s.protocol(), s.endpoint())).collect();
    assert_eq!(emails, [(Some("email"), Some("ops@example.com"))]);
    let tags = sns.list_tags_for_resource().resource_arn(TOPIC_ARN).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    assert!(tags.tags().iter().any(|t| t.key() == "ManagedBy" && t.value() == "intervalprocessing"));

    let all = alarms(&moto).await;
    assert_eq!(all.len(), process_names().len() + SCHEDULER_METRICS.len(), "{all:?}");
    for p in process_names() {
        let a = find(&all, &format!("IntervalProcessing-{p}-NoSuccessfulWindow"));
        assert_eq!((a.namespace(), a.metric_name()), (Some("IntervalProcessing"), Some("WindowsSucceeded")), "{p}");
        assert_eq!(dimensions(a), [("Process".to_owned(), p.to_owned())], "{p}");
        assert_eq!(a.statistic().map(|s| s.as_str()), Some("Sum"), "{p}");
        assert_eq!(a.treat_missing_data(), Some("breaching"), "{p}");
        assert_eq!(a.comparison_operator().map(|c| c.as_str()), Some("LessThanThreshold"), "{p}");
        assert_eq!(a.alarm_actions(), [TOPIC_ARN.to_owned()], "{p}");
        assert_eq!(a.actions_enabled(), Some(p == "HourlyDataChange"), "{p}: actions follow the schedule state");
        if p == "HourlyDataChange" {
            assert_eq!((a.period(), a.evaluation_periods()), (Some(3600), Some(2)), "{p}");
        }
        if p == "FileGeneration" {
            assert_eq!((a.period(), a.evaluation_periods()), (Some(86_400), Some(3)), "{p}: the default");
        }
    }
    for m in SCHEDULER_METRICS {
        let a = find(&all, &format!("IntervalProcessing-Scheduler-{m}"));
        assert_eq!((a.namespace(), a.metric_name()), (Some("AWS/Scheduler"), Some(m)));
        assert_eq!(dimensions(a), [("ScheduleGroup".to_owned(), "intervalprocessing".to_owned())]);
        assert_eq!(a.treat_missing_data(), Some("notBreaching"), "{m}");
        assert_eq!(a.alarm_actions(), [TOPIC_ARN.to_owned()], "{m}");
    }

    let events = aws_sdk_eventbridge::Client::new(&conf);
    let rule = events.describe_rule().name(RULE).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let pattern: Value = serde_json::from_str(rule.event_pattern().unwrap_or_default()).unwrap_or_default();
    assert_eq!(
        pattern,
        json!({
            "source": ["aws.ecs"],
            "detail-type": ["ECS Task State Change"],
            "detail": {
                "clusterArn": ["arn:aws:ecs:us-east-1:123456789012:cluster/intervalprocessing"],
                "stopCode": ["TaskFailedToStart"],
            }
        })
    );
    assert_eq!(rule.state().map(|s| s.as_str()), Some("ENABLED"));
    let targets = events.list_targets_by_rule().rule(RULE).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let targets: Vec<&str> = targets.targets().iter().map(|t| t.arn()).collect();
    assert_eq!(targets, [TOPIC_ARN]);

    let plan = d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(plan.stdout.contains("= no change cloudwatch_alarm"), "{}", plan.stdout);
}

#[tokio::test]
async fn disable_turns_alarm_actions_off_and_enable_for_one_process_turns_on_only_its_own() {
    let moto = Moto::start();
    let d = deploy(&moto);
    d.infra(&moto, &["apply", "--auto-approve"]).success();

    d.infra(&moto, &["disable"]).success();
    let all = alarms(&moto).await;
    for p in process_names() {
        let a = find(&all, &format!("IntervalProcessing-{p}-NoSuccessfulWindow"));
        assert_eq!(a.actions_enabled(), Some(false), "{p}");
    }

    let out = d.infra(&moto, &["enable", "--process", "NightlyDataChange"]).success();
    assert!(out.stdout.contains("IntervalProcessing-NightlyDataChange-NoSuccessfulWindow: actions now enabled"));
    let all = alarms(&moto).await;
    for p in process_names() {
        let a = find(&all, &format!("IntervalProcessing-{p}-NoSuccessfulWindow"));
        assert_eq!(a.actions_enabled(), Some(p == "NightlyDataChange"), "{p}");
    }
    for m in SCHEDULER_METRICS {
        let a = find(&all, &format!("IntervalProcessing-Scheduler-{m}"));
        assert_eq!(a.actions_enabled(), Some(true), "{m}: the group's alarms are not switched");
    }
}

#[tokio::test]
async fn destroy_removes_the_topic_alarms_and_rule() {
    let moto = Moto::start();
    let d = deploy(&moto);
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let out = d.infra(&moto, &["destroy", "--auto-approve"]).success();
    assert!(out.stdout.contains("deleted events_rule IntervalProcessing-TaskFailedToStart"), "{}", out.stdout);

    assert!(alarms(&moto).await.is_empty());
    let conf = moto.sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&conf);
    assert!(sns.get_topic_attributes().topic_arn(TOPIC_ARN).send().await.is_err(), "the topic is gone");
    let events = aws_sdk_eventbridge::Client::new(&conf);
    assert!(events.describe_rule().name(RULE).send().await.is_err(), "the rule is gone");
}

#[tokio::test]
async fn editing_the_alarm_period_and_emails_plans_and_applies_exactly_those_updates() {
    let moto = Moto::start();
    let d = deploy(&moto);
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    d.edit("alarm_after_cadences = 2", "alarm_after_cadences = 5");
    d.edit("alarm_emails = [\"ops@example.com\"]", "alarm_emails = [\"oncall@example.com\"]");

    let plan = d.infra(&moto, &["plan"]).success();
    let updates: Vec<&str> = plan.stdout.lines().filter(|l| l.starts_with("~ update")).collect();
    assert_eq!(updates.len(), 2, "{}", plan.stdout);
    assert!(plan.stdout.contains("IntervalProcessing-HourlyDataChange-NoSuccessfulWindow"), "{}", plan.stdout);
    assert!(plan.stdout.contains("evaluation_periods: 2 -> 5"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("email_subscriptions[0]: \"ops@example.com\" -> \"oncall@example.com\""),
        "{}",
        plan.stdout
    );

    let out = d.infra(&moto, &["apply", "--auto-approve"]).success();
    assert!(out.stdout.contains("unsubscribed ops@example.com"), "{}", out.stdout);
    let all = alarms(&moto).await;
    let a = find(&all, "IntervalProcessing-HourlyDataChange-NoSuccessfulWindow");
    assert_eq!((a.evaluation_periods(), a.datapoints_to_alarm()), (Some(5), Some(5)));
    let sns = aws_sdk_sns::Client::new(&moto.sdk_config().await);
    let subs = sns.list_subscriptions_by_topic().topic_arn(TOPIC_ARN).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let emails: Vec<Option<&str>> = subs.subscriptions().iter().map(|s| s.endpoint()).collect();
    assert_eq!(emails, [Some("oncall@example.com")]);
    d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(0);
}
