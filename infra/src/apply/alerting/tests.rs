use serde_json::Value;

use super::requests::*;
use crate::desired::{no_success_alarm, scheduler_alarm, task_failed_to_start_rule, topic};
use crate::fixtures::{arns, process, settings};
use crate::resources::RuleTarget;

#[test]
fn put_alarm_request_sends_every_field_of_the_desired_alarm() {
    let s = settings();
    let a = no_success_alarm(&s, &arns(), &process(&s));
    let input = put_alarm_request(&a).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(input.alarm_name(), Some(a.name.as_str()));
    assert_eq!(input.alarm_description(), Some(a.description.as_str()));
    assert_eq!(input.namespace(), Some("IntervalProcessing"));
    assert_eq!(input.metric_name(), Some("WindowsSucceeded"));
    let dims: Vec<(Option<&str>, Option<&str>)> = input.dimensions().iter().map(|d| (d.name(), d.value())).collect();
    assert_eq!(dims, [(Some("Process"), Some(process(&s).process.name()))]);
    assert_eq!(input.statistic().map(|s| s.as_str()), Some("Sum"));
    assert_eq!(input.period(), Some(a.period));
    assert_eq!(input.evaluation_periods(), Some(a.evaluation_periods));
    assert_eq!(input.datapoints_to_alarm(), Some(a.datapoints_to_alarm));
    assert_eq!(input.threshold(), Some(1.0));
    assert_eq!(input.comparison_operator().map(|c| c.as_str()), Some("LessThanThreshold"));
    assert_eq!(input.treat_missing_data(), Some("breaching"));
    assert_eq!(input.actions_enabled(), Some(a.actions_enabled));
    assert_eq!(input.alarm_actions(), [arns().topic("IntervalProcessing-Alarms")]);
    let tags: Vec<(Option<&str>, Option<&str>)> = input.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert!(tags.contains(&(Some("ManagedBy"), Some("intervalprocessing"))), "{tags:?}");
}

#[test]
fn alarm_tag_and_delete_requests_name_the_alarm() {
    let s = settings();
    let a = scheduler_alarm(&s, &arns(), "TargetErrorCount");
    let tag = alarm_tag_request(&a, &arns()).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        tag.resource_arn(),
        Some("arn:aws:cloudwatch:us-east-1:123456789012:alarm:IntervalProcessing-Scheduler-TargetErrorCount")
    );
    assert_eq!(tag.tags().len(), a.tags.len());
    let del = delete_alarm_request(&a).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(del.alarm_names(), std::slice::from_ref(&a.name));
    let on = enable_alarm_actions_request(&a.name).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(on.alarm_names(), std::slice::from_ref(&a.name));
    let off = disable_alarm_actions_request(&a.name).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(off.alarm_names(), std::slice::from_ref(&a.name));
}

#[test]
fn topic_requests_carry_the_policy_tags_and_each_email() {
    let mut s = settings();
    s.file.alarm_emails = vec!["ops@example.com".into()];
    let t = topic(&s, &arns());
    let create = create_topic_request(&t).unwrap_or_else(|e| panic!("{e}")).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(create.name(), Some("IntervalProcessing-Alarms"));
    let policy: Value = create
        .attributes()
        .and_then(|a| a.get("Policy"))
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_else(|| panic!("no policy"));
    assert_eq!(policy, t.policy);
    assert_eq!(create.tags().len(), t.tags.len());
    let set = topic_policy_request(&t, &arns()).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.topic_arn(), Some("arn:aws:sns:us-east-1:123456789012:IntervalProcessing-Alarms"));
    assert_eq!(set.attribute_name(), Some("Policy"));
    assert_eq!(set.attribute_value().and_then(|p| serde_json::from_str::<Value>(p).ok()), Some(t.policy.clone()));
    let sub = subscribe_request(&t, &arns(), "ops@example.com").build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((sub.protocol(), sub.endpoint()), (Some("email"), Some("ops@example.com")));
    assert_eq!(sub.topic_arn(), set.topic_arn());
    let del = delete_topic_request(&t, &arns()).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(del.topic_arn(), set.topic_arn());
    let tag = topic_tag_request(&t, &arns()).unwrap_or_else(|e| panic!("{e}")).build();
    assert_eq!(tag.unwrap_or_else(|e| panic!("{e}")).tags().len(), t.tags.len());
    let unsub = unsubscribe_request("arn:aws:sns:us-east-1:123456789012:IntervalProcessing-Alarms:abc").build();
    assert!(unsub.is_ok());
}

#[test]
fn rule_requests_send_the_pattern_and_target_and_remove_only_foreign_targets() {
    let s = settings();
    let r = task_failed_to_start_rule(&s, &arns());
    let put = put_rule_request(&r).unwrap_or_else(|e| panic!("{e}")).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(put.name(), Some("IntervalProcessing-TaskFailedToStart"));
    let pattern: Value = serde_json::from_str(put.event_pattern().unwrap_or_default()).unwrap_or_default();
    assert_eq!(pattern, r.event_pattern);
    assert_eq!(put.state().map(|s| s.as_str()), Some("ENABLED"));
    let targets = put_targets_request(&r).unwrap_or_else(|e| panic!("{e}")).build().unwrap_or_else(|e| panic!("{e}"));
    let sent: Vec<(&str, &str)> = targets.targets().iter().map(|t| (t.id(), t.arn())).collect();
    assert_eq!(sent, [("alarm-topic", "arn:aws:sns:us-east-1:123456789012:IntervalProcessing-Alarms")]);

    let mut have = r.clone();
    assert!(remove_targets_request(&have, Some(&r)).is_none(), "nothing to remove");
    have.targets.push(RuleTarget { id: "someone-else".into(), arn: "arn:aws:sqs:us-east-1:1:q".into() });
    let remove = remove_targets_request(&have, Some(&r)).map(|b| b.build());
    let remove = remove.unwrap_or_else(|| panic!("no request")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(remove.ids(), ["someone-else".to_owned()]);
    let all = remove_targets_request(&have, None).map(|b| b.build());
    assert_eq!(all.and_then(Result::ok).map(|i| i.ids().len()), Some(2));
    let del = delete_rule_request(&r).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(del.name(), Some("IntervalProcessing-TaskFailedToStart"));
    let tag = rule_tag_request(&r, &arns()).unwrap_or_else(|e| panic!("{e}")).build();
    let tag = tag.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        tag.resource_arn(),
        Some("arn:aws:events:us-east-1:123456789012:rule/IntervalProcessing-TaskFailedToStart")
    );
}
