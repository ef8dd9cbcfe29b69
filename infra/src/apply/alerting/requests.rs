//! The requests that create, change and delete the alarm topic, the alarms and the rule: each
//! built from the desired (or remote) resource alone, sent by [`super`].

use aws_sdk_cloudwatch::operation::delete_alarms::builders::DeleteAlarmsInputBuilder;
use aws_sdk_cloudwatch::operation::disable_alarm_actions::builders::DisableAlarmActionsInputBuilder;
use aws_sdk_cloudwatch::operation::enable_alarm_actions::builders::EnableAlarmActionsInputBuilder;
use aws_sdk_cloudwatch::operation::put_metric_alarm::builders::PutMetricAlarmInputBuilder;
use aws_sdk_cloudwatch::operation::tag_resource::builders::TagResourceInputBuilder as AlarmTagInputBuilder;
use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
use aws_sdk_eventbridge::operation::delete_rule::builders::DeleteRuleInputBuilder;
use aws_sdk_eventbridge::operation::put_rule::builders::PutRuleInputBuilder;
use aws_sdk_eventbridge::operation::put_targets::builders::PutTargetsInputBuilder;
use aws_sdk_eventbridge::operation::remove_targets::builders::RemoveTargetsInputBuilder;
use aws_sdk_eventbridge::operation::tag_resource::builders::TagResourceInputBuilder as RuleTagInputBuilder;
use aws_sdk_eventbridge::types::RuleState;
use aws_sdk_sns::operation::create_topic::builders::CreateTopicInputBuilder;
use aws_sdk_sns::operation::delete_topic::builders::DeleteTopicInputBuilder;
use aws_sdk_sns::operation::set_topic_attributes::builders::SetTopicAttributesInputBuilder;
use aws_sdk_sns::operation::subscribe::builders::SubscribeInputBuilder;
use aws_sdk_sns::operation::tag_resource::builders::TagResourceInputBuilder as TopicTagInputBuilder;
use aws_sdk_sns::operation::unsubscribe::builders::UnsubscribeInputBuilder;

use crate::arns::Arns;
use crate::error::InfraError;
use crate::resources::{Alarm, EventRule, Tags, Topic};

fn build_err(e: impl std::fmt::Display) -> InfraError {
    InfraError::Failed(format!("cannot build an alarm or notification request: {e}"))
}

fn topic_tags(t: &Tags) -> Result<Vec<aws_sdk_sns::types::Tag>, InfraError> {
    t.iter().map(|(k, v)| aws_sdk_sns::types::Tag::builder().key(k).value(v).build().map_err(build_err)).collect()
}

fn alarm_tags(t: &Tags) -> Vec<aws_sdk_cloudwatch::types::Tag> {
    t.iter().map(|(k, v)| aws_sdk_cloudwatch::types::Tag::builder().key(k).value(v).build()).collect()
}

fn rule_tags(t: &Tags) -> Result<Vec<aws_sdk_eventbridge::types::Tag>, InfraError> {
    t.iter()
        .map(|(k, v)| aws_sdk_eventbridge::types::Tag::builder().key(k).value(v).build().map_err(build_err))
        .collect()
}

/// CreateTopic with its policy and our tags (subscriptions follow, one Subscribe each).
pub fn create_topic_request(t: &Topic) -> Result<CreateTopicInputBuilder, InfraError> {
    Ok(CreateTopicInputBuilder::default()
        .name(&t.name)
        .attributes("Policy", t.policy.to_string())
        .set_tags(Some(topic_tags(&t.tags)?)))
}

/// SetTopicAttributes: the whole topic policy.
pub fn topic_policy_request(t: &Topic, arns: &Arns) -> SetTopicAttributesInputBuilder {
    SetTopicAttributesInputBuilder::default()
        .topic_arn(arns.topic(&t.name))
        .attribute_name("Policy")
        .attribute_value(t.policy.to_string())
}

/// SNS TagResource on the topic: our tags.
pub fn topic_tag_request(t: &Topic, arns: &Arns) -> Result<TopicTagInputBuilder, InfraError> {
    Ok(TopicTagInputBuilder::default().resource_arn(arns.topic(&t.name)).set_tags(Some(topic_tags(&t.tags)?)))
}

/// Subscribe `email` to the topic (the address gets a confirmation mail).
pub fn subscribe_request(t: &Topic, arns: &Arns, email: &str) -> SubscribeInputBuilder {
    SubscribeInputBuilder::default().topic_arn(arns.topic(&t.name)).protocol("email").endpoint(email)
}

pub fn unsubscribe_request(subscription_arn: &str) -> UnsubscribeInputBuilder {
    UnsubscribeInputBuilder::default().subscription_arn(subscription_arn)
}

/// DeleteTopic (which removes its subscriptions too).
pub fn delete_topic_request(t: &Topic, arns: &Arns) -> DeleteTopicInputBuilder {
    DeleteTopicInputBuilder::default().topic_arn(arns.topic(&t.name))
}

/// PutMetricAlarm with every field of `a`: it creates or replaces the alarm whole. Tags are only
/// applied when it creates the alarm ([`alarm_tag_request`] for an existing one).
pub fn put_alarm_request(a: &Alarm) -> PutMetricAlarmInputBuilder {
    let dimensions = a.dimensions.iter().map(|(k, v)| Dimension::builder().name(k).value(v).build()).collect();
    PutMetricAlarmInputBuilder::default()
        .alarm_name(&a.name)
        .alarm_description(&a.description)
        .namespace(&a.namespace)
        .metric_name(&a.metric_name)
        .set_dimensions(Some(dimensions))
        .statistic(Statistic::from(a.statistic.as_str()))
        .period(a.period)
        .evaluation_periods(a.evaluation_periods)
        .datapoints_to_alarm(a.datapoints_to_alarm)
        .threshold(a.threshold)
        .comparison_operator(ComparisonOperator::from(a.comparison_operator.as_str()))
        .treat_missing_data(&a.treat_missing_data)
        .actions_enabled(a.actions_enabled)
        .set_alarm_actions(Some(a.alarm_actions.clone()))
        .set_tags(Some(alarm_tags(&a.tags)))
}

/// CloudWatch TagResource on the alarm: our tags.
pub fn alarm_tag_request(a: &Alarm, arns: &Arns) -> AlarmTagInputBuilder {
    AlarmTagInputBuilder::default().resource_arn(arns.alarm(&a.name)).set_tags(Some(alarm_tags(&a.tags)))
}

pub fn delete_alarm_request(a: &Alarm) -> DeleteAlarmsInputBuilder {
    DeleteAlarmsInputBuilder::default().alarm_names(&a.name)
}

/// EnableAlarmActions for one alarm (`infra enable`).
pub fn enable_alarm_actions_request(name: &str) -> EnableAlarmActionsInputBuilder {
    EnableAlarmActionsInputBuilder::default().alarm_names(name)
}

/// DisableAlarmActions for one alarm (`infra disable`).
pub fn disable_alarm_actions_request(name: &str) -> DisableAlarmActionsInputBuilder {
    DisableAlarmActionsInputBuilder::default().alarm_names(name)
}

/// PutRule on the default bus: pattern, state and description (creates or replaces); tags are only
/// applied when it creates the rule ([`rule_tag_request`] for an existing one).
pub fn put_rule_request(r: &EventRule) -> Result<PutRuleInputBuilder, InfraError> {
    Ok(PutRuleInputBuilder::default()
        .name(&r.name)
        .description(&r.description)
        .event_pattern(r.event_pattern.to_string())
        .state(RuleState::from(r.state.as_str()))
        .set_tags(Some(rule_tags(&r.tags)?)))
}

/// PutTargets: every target of the rule (an existing target with the same id is replaced).
pub fn put_targets_request(r: &EventRule) -> Result<PutTargetsInputBuilder, InfraError> {
    let targets = r
        .targets
        .iter()
        .map(|t| aws_sdk_eventbridge::types::Target::builder().id(&t.id).arn(&t.arn).build().map_err(build_err))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PutTargetsInputBuilder::default().rule(&r.name).set_targets(Some(targets)))
}

/// RemoveTargets: the targets of `have` that `want` does not have (all of them when `want` is `None`).
pub fn remove_targets_request(have: &EventRule, want: Option<&EventRule>) -> Option<RemoveTargetsInputBuilder> {
    let ids: Vec<String> = have
        .targets
        .iter()
        .filter(|t| !want.is_some_and(|w| w.targets.iter().any(|k| k.id == t.id)))
        .map(|t| t.id.clone())
        .collect();
    (!ids.is_empty()).then(|| RemoveTargetsInputBuilder::default().rule(&have.name).set_ids(Some(ids)))
}

/// EventBridge TagResource on the rule: our tags.
pub fn rule_tag_request(r: &EventRule, arns: &Arns) -> Result<RuleTagInputBuilder, InfraError> {
    Ok(RuleTagInputBuilder::default().resource_arn(arns.events_rule(&r.name)).set_tags(Some(rule_tags(&r.tags)?)))
}

pub fn delete_rule_request(r: &EventRule) -> DeleteRuleInputBuilder {
    DeleteRuleInputBuilder::default().name(&r.name)
}
