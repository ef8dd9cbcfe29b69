//! Creating, changing and deleting the alarm topic (with its subscriptions), the alarms and the
//! EventBridge rule: sends the requests that [`requests`] builds from the desired resources.

mod requests;
#[cfg(test)]
mod tests;

use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::error::InfraError;
use crate::remote::subscriptions;
use crate::resources::{Alarm, EventRule, Topic};

use requests::{
    alarm_tag_request, create_topic_request, delete_alarm_request, delete_rule_request, delete_topic_request,
    put_alarm_request, put_rule_request, put_targets_request, remove_targets_request, rule_tag_request,
    subscribe_request, topic_policy_request, topic_tag_request, unsubscribe_request,
};
pub use requests::{disable_alarm_actions_request, enable_alarm_actions_request};

fn topic_what(t: &Topic) -> String {
    format!("sns topic {}", t.name)
}

pub async fn create_topic(aws: &Aws, t: &Topic) -> Result<(), InfraError> {
    create_topic_request(t)?.send_with(&aws.sns).await.map_err(|e| aws_err(&topic_what(t), "sns:CreateTopic", e))?;
    sync_subscriptions(aws, t).await
}

/// Writes the policy and our tags, and brings the email subscriptions in line with the file.
pub async fn update_topic(aws: &Aws, t: &Topic) -> Result<(), InfraError> {
    topic_policy_request(t, &aws.arns)
        .send_with(&aws.sns)
        .await
        .map_err(|e| aws_err(&topic_what(t), "sns:SetTopicAttributes", e))?;
    topic_tag_request(t, &aws.arns)?
        .send_with(&aws.sns)
        .await
        .map_err(|e| aws_err(&topic_what(t), "sns:TagResource", e))?;
    sync_subscriptions(aws, t).await
}

/// Subscribes every address of the file that is not subscribed yet, and unsubscribes confirmed
/// subscriptions of addresses the file no longer lists. A pending subscription cannot be removed
/// (SNS deletes it when it is not confirmed within three days): it is left and said so.
async fn sync_subscriptions(aws: &Aws, t: &Topic) -> Result<(), InfraError> {
    let current = subscriptions(aws, &t.name).await?;
    for email in &t.email_subscriptions {
        if current.iter().any(|(e, _)| e == email) {
            continue;
        }
        subscribe_request(t, &aws.arns, email)
            .send_with(&aws.sns)
            .await
            .map_err(|e| aws_err(&topic_what(t), "sns:Subscribe", e))?;
        aws.out.line(format_args!("subscribed {email} to sns topic {} (pending until confirmed by mail)", t.name));
    }
    for (email, arn) in current.iter().filter(|(e, _)| !t.email_subscriptions.contains(e)) {
        match arn {
            Some(arn) => {
                unsubscribe_request(arn)
                    .send_with(&aws.sns)
                    .await
                    .map_err(|e| aws_err(&topic_what(t), "sns:Unsubscribe", e))?;
                aws.out.line(format_args!("unsubscribed {email} from sns topic {}", t.name));
            }
            None => aws.out.line(format_args!(
                "left the pending subscription of {email} on sns topic {} (SNS removes it if not confirmed in 3 days)",
                t.name
            )),
        }
    }
    Ok(())
}

pub async fn delete_topic(aws: &Aws, t: &Topic) -> Result<(), InfraError> {
    delete_topic_request(t, &aws.arns)
        .send_with(&aws.sns)
        .await
        .map_err(|e| aws_err(&topic_what(t), "sns:DeleteTopic", e))?;
    Ok(())
}

fn alarm_what(a: &Alarm) -> String {
    format!("cloudwatch alarm {}", a.name)
}

/// PutMetricAlarm creates or replaces the whole alarm; an existing one also gets our tags.
pub async fn put_alarm(aws: &Aws, a: &Alarm, exists: bool) -> Result<(), InfraError> {
    put_alarm_request(a)
        .send_with(&aws.cloudwatch)
        .await
        .map_err(|e| aws_err(&alarm_what(a), "cloudwatch:PutMetricAlarm", e))?;
    if exists {
        alarm_tag_request(a, &aws.arns)
            .send_with(&aws.cloudwatch)
            .await
            .map_err(|e| aws_err(&alarm_what(a), "cloudwatch:TagResource", e))?;
    }
    Ok(())
}

pub async fn delete_alarm(aws: &Aws, a: &Alarm) -> Result<(), InfraError> {
    delete_alarm_request(a)
        .send_with(&aws.cloudwatch)
        .await
        .map_err(|e| aws_err(&alarm_what(a), "cloudwatch:DeleteAlarms", e))?;
    Ok(())
}

fn rule_what(r: &EventRule) -> String {
    format!("events rule {}", r.name)
}

/// PutRule and PutTargets; for an existing rule (`have`) also our tags, and the targets it has
/// that the file does not are removed.
pub async fn put_rule(aws: &Aws, r: &EventRule, have: Option<&EventRule>) -> Result<(), InfraError> {
    put_rule_request(r)?.send_with(&aws.events).await.map_err(|e| aws_err(&rule_what(r), "events:PutRule", e))?;
    put_targets_request(r)?.send_with(&aws.events).await.map_err(|e| aws_err(&rule_what(r), "events:PutTargets", e))?;
    if let Some(have) = have {
        if let Some(req) = remove_targets_request(have, Some(r)) {
            req.send_with(&aws.events).await.map_err(|e| aws_err(&rule_what(r), "events:RemoveTargets", e))?;
        }
        rule_tag_request(r, &aws.arns)?
            .send_with(&aws.events)
            .await
            .map_err(|e| aws_err(&rule_what(r), "events:TagResource", e))?;
    }
    Ok(())
}

/// Removes the rule's targets (EventBridge refuses to delete a rule that has any), then the rule.
pub async fn delete_rule(aws: &Aws, r: &EventRule) -> Result<(), InfraError> {
    if let Some(req) = remove_targets_request(r, None) {
        req.send_with(&aws.events).await.map_err(|e| aws_err(&rule_what(r), "events:RemoveTargets", e))?;
    }
    delete_rule_request(r).send_with(&aws.events).await.map_err(|e| aws_err(&rule_what(r), "events:DeleteRule", e))?;
    Ok(())
}
