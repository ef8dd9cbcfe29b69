//! Reading the alarm topic, the alarms and the EventBridge rule.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::AlarmType;

use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::policy::{canonical, parse_document};
use crate::resources::{Alarm, EventRule, RuleTarget, Tags, Topic};

/// What `ListSubscriptionsByTopic` says of a subscription whose owner has not confirmed it yet.
const PENDING: &str = "PendingConfirmation";

/// The topic, or `None`. Every email subscription counts, a pending one too: the address is
/// subscribed, only its confirmation is outstanding.
pub async fn topic(aws: &Aws, name: &str) -> Result<Option<Topic>, InfraError> {
    let arn = aws.arns.topic(name);
    let what = format!("sns topic {name}");
    let attrs = match aws.sns.get_topic_attributes().topic_arn(&arn).send().await {
        Ok(o) => o,
        Err(e) if is_missing(&e, &["NotFound", "NotFoundException"]) => return Ok(None),
        Err(e) => return Err(aws_err(&what, "sns:GetTopicAttributes", e)),
    };
    let policy = attrs
        .attributes()
        .and_then(|a| a.get("Policy"))
        .and_then(|p| parse_document(p))
        .map(|d| canonical(&d))
        .unwrap_or_default();
    let mut email_subscriptions: Vec<String> =
        subscriptions(aws, name).await?.into_iter().map(|(endpoint, _)| endpoint).collect();
    email_subscriptions.sort();
    email_subscriptions.dedup();
    let tags = aws
        .sns
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .map_err(|e| aws_err(&what, "sns:ListTagsForResource", e))?;
    Ok(Some(Topic {
        name: name.to_owned(),
        policy,
        email_subscriptions,
        tags: tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(),
    }))
}

/// The topic's email subscriptions: (address, subscription ARN; `None` while pending).
pub async fn subscriptions(aws: &Aws, topic: &str) -> Result<Vec<(String, Option<String>)>, InfraError> {
    let arn = aws.arns.topic(topic);
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = aws
            .sns
            .list_subscriptions_by_topic()
            .topic_arn(&arn)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| aws_err(&format!("sns topic {topic}"), "sns:ListSubscriptionsByTopic", e))?;
        out.extend(
            page.subscriptions()
                .iter()
                .filter_map(|s| email_subscription(s.protocol(), s.endpoint(), s.subscription_arn())),
        );
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// An email subscription as (address, subscription ARN), the ARN `None` while the address has not
/// confirmed it (SNS says `PendingConfirmation`); `None` for any other protocol.
fn email_subscription(
    protocol: Option<&str>,
    endpoint: Option<&str>,
    arn: Option<&str>,
) -> Option<(String, Option<String>)> {
    let endpoint = endpoint.filter(|_| protocol == Some("email"))?;
    Some((endpoint.to_owned(), arn.filter(|a| *a != PENDING && a.starts_with("arn:")).map(str::to_owned)))
}

/// The metric alarm `name`, or `None`.
pub async fn alarm(aws: &Aws, name: &str) -> Result<Option<Alarm>, InfraError> {
    let what = format!("cloudwatch alarm {name}");
    let out = aws
        .cloudwatch
        .describe_alarms()
        .alarm_names(name)
        .alarm_types(AlarmType::MetricAlarm)
        .send()
        .await
        .map_err(|e| aws_err(&what, "cloudwatch:DescribeAlarms", e))?;
    let Some(a) = out.metric_alarms().iter().find(|a| a.alarm_name() == Some(name)) else { return Ok(None) };
    let arn = a.alarm_arn().map(str::to_owned).unwrap_or_else(|| aws.arns.alarm(name));
    let tags = aws
        .cloudwatch
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_err(&what, "cloudwatch:ListTagsForResource", e))?;
    let mut alarm_actions = a.alarm_actions().to_vec();
    alarm_actions.sort();
    let evaluation_periods = a.evaluation_periods().unwrap_or(1);
    Ok(Some(Alarm {
        name: name.to_owned(),
        description: a.alarm_description().unwrap_or_default().to_owned(),
        namespace: a.namespace().unwrap_or_default().to_owned(),
        metric_name: a.metric_name().unwrap_or_default().to_owned(),
        dimensions: a
            .dimensions()
            .iter()
            .map(|d| (d.name().unwrap_or_default().to_owned(), d.value().unwrap_or_default().to_owned()))
            .collect(),
        statistic: a.statistic().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        period: a.period().unwrap_or_default(),
        evaluation_periods,
        // AWS's default: every evaluation period.
        datapoints_to_alarm: a.datapoints_to_alarm().unwrap_or(evaluation_periods),
        threshold: a.threshold().unwrap_or_default(),
        comparison_operator: a.comparison_operator().map(|c| c.as_str().to_owned()).unwrap_or_default(),
        // AWS's default when none is set.
        treat_missing_data: a.treat_missing_data().unwrap_or("missing").to_owned(),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_actions,
        tags: tags
            .tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default().to_owned(), t.value().unwrap_or_default().to_owned()))
            .collect::<Tags>(),
    }))
}

/// The rule `name` on the default event bus with its targets, or `None`.
pub async fn event_rule(aws: &Aws, name: &str) -> Result<Option<EventRule>, InfraError> {
    let what = format!("events rule {name}");
    let out = match aws.events.describe_rule().name(name).send().await {
        Ok(o) => o,
        Err(e) if is_missing(&e, &["ResourceNotFoundException"]) => return Ok(None),
        Err(e) => return Err(aws_err(&what, "events:DescribeRule", e)),
    };
    let targets = aws
        .events
        .list_targets_by_rule()
        .rule(name)
        .send()
        .await
        .map_err(|e| aws_err(&what, "events:ListTargetsByRule", e))?;
    let mut targets: Vec<RuleTarget> =
        targets.targets().iter().map(|t| RuleTarget { id: t.id().to_owned(), arn: t.arn().to_owned() }).collect();
    targets.sort();
    let arn = out.arn().map(str::to_owned).unwrap_or_else(|| aws.arns.events_rule(name));
    let tags = aws
        .events
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| aws_err(&what, "events:ListTagsForResource", e))?;
    Ok(Some(EventRule {
        name: name.to_owned(),
        description: out.description().unwrap_or_default().to_owned(),
        event_pattern: out.event_pattern().and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default(),
        state: out.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        targets,
        tags: tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect::<BTreeMap<_, _>>(),
    }))
}

#[cfg(test)]
mod tests {
    use super::email_subscription;

    #[test]
    fn a_pending_email_subscription_counts_as_subscribed_without_an_arn() {
        let arn = "arn:aws:sns:us-east-1:123456789012:IntervalProcessing-Alarms:0b1c";
        assert_eq!(
            email_subscription(Some("email"), Some("ops@example.com"), Some("PendingConfirmation")),
            Some(("ops@example.com".to_owned(), None))
        );
        assert_eq!(
            email_subscription(Some("email"), Some("ops@example.com"), Some(arn)),
            Some(("ops@example.com".to_owned(), Some(arn.to_owned())))
        );
        assert_eq!(email_subscription(Some("sqs"), Some("arn:aws:sqs:us-east-1:1:q"), Some(arn)), None);
    }
}
