//! What wakes someone: the alarm topic, per process a "no successful window" alarm, alarms on the
//! schedule group's Scheduler metrics, and an EventBridge rule on tasks that failed to start.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::tags::tags;
use crate::arns::Arns;
use crate::names;
use crate::policy::document;
use crate::resources::{Alarm, EventRule, RuleTarget, Topic};
use crate::validate::{ProcessSettings, Settings};

/// The runtime's metrics (EMF): namespace, dimension and the metric of a successful window.
pub const RUNTIME_NAMESPACE: &str = "IntervalProcessing";
pub const PROCESS_DIMENSION: &str = "Process";
pub const WINDOWS_SUCCEEDED: &str = "WindowsSucceeded";

/// The schedule group's EventBridge Scheduler metrics that mean an invocation went wrong.
pub const SCHEDULER_METRICS: [&str; 4] = [
    "TargetErrorCount",
    "TargetErrorThrottledCount",
    "InvocationDroppedCount",
    "InvocationsFailedToBeSentToDeadLetterCount",
];
/// The period of the Scheduler alarms, in seconds.
const SCHEDULER_ALARM_PERIOD: i32 = 300;

/// The id of the rule's one target (the topic).
pub const RULE_TARGET_ID: &str = "alarm-topic";

/// The topic: CloudWatch may publish for our alarms, EventBridge for our rule, both only on
/// behalf of this account; subscribed: the file's `alarm_emails`.
pub fn topic(s: &Settings, arns: &Arns) -> Topic {
    let arn = arns.topic(names::ALARM_TOPIC);
    let publish = |sid: &str, service: &str, source_arn: String| {
        json!({
            "Sid": sid,
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sns:Publish",
            "Resource": arn,
            "Condition": {
                "StringEquals": { "aws:SourceAccount": arns.account },
                "ArnLike": { "aws:SourceArn": source_arn },
            }
        })
    };
    let policy = document(vec![
        publish(
            "CloudWatchAlarmsPublish",
            "cloudwatch.amazonaws.com",
            arns.alarm(&format!("{}*", names::ALARM_PREFIX)),
        ),
        publish("EventBridgeRulePublish", "events.amazonaws.com", arns.events_rule(names::TASK_FAILED_TO_START_RULE)),
    ]);
    let mut email_subscriptions = s.file.alarm_emails.clone();
    email_subscriptions.sort();
    email_subscriptions.dedup();
    Topic { name: names::ALARM_TOPIC.to_owned(), policy, email_subscriptions, tags: tags(s) }
}

/// Alarms when the process had no successful window for `alarm_after_cadences` cadences in a row
/// (one period per cadence; no data counts as none). Its actions are on exactly when the
/// process's schedule is enabled.
pub fn no_success_alarm(s: &Settings, arns: &Arns, ps: &ProcessSettings) -> Alarm {
    let p = ps.process;
    let period = i32::try_from(p.cadence().nominal_length().as_secs()).unwrap_or(i32::MAX);
    Alarm {
        name: names::no_success_alarm(p),
        description: format!(
            "{} had no successful window for {} cadence(s) ({}/{WINDOWS_SUCCEEDED}); managed by intervalprocessing infra",
            p.name(),
            ps.alarm_after_cadences,
            RUNTIME_NAMESPACE
        ),
        namespace: RUNTIME_NAMESPACE.to_owned(),
        metric_name: WINDOWS_SUCCEEDED.to_owned(),
        dimensions: BTreeMap::from([(PROCESS_DIMENSION.to_owned(), p.name().to_owned())]),
        statistic: "Sum".to_owned(),
        period,
        evaluation_periods: ps.alarm_after_cadences,
        datapoints_to_alarm: ps.alarm_after_cadences,
        threshold: 1.0,
        comparison_operator: "LessThanThreshold".to_owned(),
        treat_missing_data: "breaching".to_owned(),
        actions_enabled: ps.enabled,
        alarm_actions: vec![arns.topic(names::ALARM_TOPIC)],
        tags: tags(s),
    }
}

/// Alarms on one of the schedule group's [`SCHEDULER_METRICS`]: any count in five minutes.
pub fn scheduler_alarm(s: &Settings, arns: &Arns, metric: &str) -> Alarm {
    let group = &s.file.schedule_group;
    Alarm {
        name: names::scheduler_alarm(metric),
        description: format!(
            "EventBridge Scheduler reported {metric} for schedule group {group}; managed by intervalprocessing infra"
        ),
        namespace: "AWS/Scheduler".to_owned(),
        metric_name: metric.to_owned(),
        dimensions: BTreeMap::from([("ScheduleGroup".to_owned(), group.clone())]),
        statistic: "Sum".to_owned(),
        period: SCHEDULER_ALARM_PERIOD,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        threshold: 1.0,
        comparison_operator: "GreaterThanOrEqualToThreshold".to_owned(),
        treat_missing_data: "notBreaching".to_owned(),
        actions_enabled: true,
        alarm_actions: vec![arns.topic(names::ALARM_TOPIC)],
        tags: tags(s),
    }
}

/// The event pattern: ECS tasks of our cluster that stopped because they failed to start.
pub fn task_failed_to_start_pattern(cluster_arn: &str) -> Value {
    json!({
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [cluster_arn],
            "stopCode": ["TaskFailedToStart"],
        }
    })
}

/// The rule that sends those events to the topic.
pub fn task_failed_to_start_rule(s: &Settings, arns: &Arns) -> EventRule {
    EventRule {
        name: names::TASK_FAILED_TO_START_RULE.to_owned(),
        description: format!(
            "ECS tasks of cluster {} that failed to start; managed by intervalprocessing infra",
            s.file.cluster
        ),
        event_pattern: task_failed_to_start_pattern(&arns.cluster(&s.file.cluster)),
        state: "ENABLED".to_owned(),
        targets: vec![RuleTarget { id: RULE_TARGET_ID.to_owned(), arn: arns.topic(names::ALARM_TOPIC) }],
        tags: tags(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{arns, settings};

    #[test]
    fn no_success_alarm_covers_the_configured_cadences_and_follows_the_schedule_state() {
        let mut s = settings();
        for ps in s.processes.iter_mut() {
            ps.enabled = ps.process.name() == "HourlyDataChange";
            ps.alarm_after_cadences = 4;
        }
        for ps in &s.processes {
            let a = no_success_alarm(&s, &arns(), ps);
            let cadence = i32::try_from(ps.process.cadence().nominal_length().as_secs()).unwrap_or_default();
            assert_eq!((a.period, a.evaluation_periods, a.datapoints_to_alarm), (cadence, 4, 4), "{}", a.name);
            assert_eq!(a.dimensions.get("Process").map(String::as_str), Some(ps.process.name()));
            assert_eq!(a.actions_enabled, ps.enabled, "{}", a.name);
            assert_eq!(a.treat_missing_data, "breaching");
            assert!(a.period == 10 || a.period == 30 || a.period % 60 == 0, "a period CloudWatch accepts");
        }
    }

    #[test]
    fn topic_policy_lets_only_our_alarms_and_rule_publish_for_this_account() {
        let t = topic(&settings(), &arns());
        let statements = t.policy["Statement"].as_array().cloned().unwrap_or_default();
        let services: Vec<&str> = statements.iter().filter_map(|s| s["Principal"]["Service"].as_str()).collect();
        assert_eq!(services, ["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
        for st in &statements {
            assert_eq!(st["Action"], "sns:Publish");
            assert_eq!(st["Resource"], "arn:aws:sns:us-east-1:123456789012:IntervalProcessing-Alarms");
            assert_eq!(st["Condition"]["StringEquals"]["aws:SourceAccount"], "123456789012");
        }
        assert_eq!(
            statements[1]["Condition"]["ArnLike"]["aws:SourceArn"],
            "arn:aws:events:us-east-1:123456789012:rule/IntervalProcessing-TaskFailedToStart"
        );
    }

    #[test]
    fn scheduler_alarms_watch_the_schedule_group_and_ignore_missing_data() {
        let s = settings();
        for m in SCHEDULER_METRICS {
            let a = scheduler_alarm(&s, &arns(), m);
            assert_eq!((a.namespace.as_str(), a.metric_name.as_str()), ("AWS/Scheduler", m));
            assert_eq!(a.dimensions.get("ScheduleGroup"), Some(&s.file.schedule_group));
            assert_eq!(a.treat_missing_data, "notBreaching");
            assert!(a.actions_enabled);
        }
        let r = task_failed_to_start_rule(&s, &arns());
        assert_eq!(r.event_pattern["detail"]["stopCode"], json!(["TaskFailedToStart"]));
        assert_eq!(r.event_pattern["detail-type"], json!(["ECS Task State Change"]));
    }
}
