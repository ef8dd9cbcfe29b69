//! The normalised shapes of what notifies people: the SNS topic, the CloudWatch alarms and the
//! EventBridge rule on ECS tasks that failed to start.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// Tag key -> value (the same type as [`super::Tags`], named here so this module needs nothing of its parent).
type Tags = BTreeMap<String, String>;

/// The alarm topic, its policy and its email subscriptions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    pub name: String,
    /// The topic policy (who may publish).
    pub policy: Value,
    /// Email addresses subscribed, sorted; a subscription pending confirmation counts as present.
    pub email_subscriptions: Vec<String>,
    pub tags: Tags,
}

/// One CloudWatch metric alarm on a single metric with a static threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarm {
    pub name: String,
    pub description: String,
    pub namespace: String,
    pub metric_name: String,
    pub dimensions: BTreeMap<String, String>,
    pub statistic: String,
    pub period: i32,
    pub evaluation_periods: i32,
    pub datapoints_to_alarm: i32,
    pub threshold: f64,
    pub comparison_operator: String,
    /// `breaching`, `notBreaching`, `ignore` or `missing`.
    pub treat_missing_data: String,
    pub actions_enabled: bool,
    /// ARNs notified on ALARM, sorted.
    pub alarm_actions: Vec<String>,
    pub tags: Tags,
}

/// One target of an EventBridge rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct RuleTarget {
    pub id: String,
    pub arn: String,
}

/// An EventBridge rule on the default event bus with its targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRule {
    pub name: String,
    pub description: String,
    /// The event pattern (JSON, compared as a value).
    pub event_pattern: Value,
    /// `ENABLED` or `DISABLED`.
    pub state: String,
    /// Sorted by id.
    pub targets: Vec<RuleTarget>,
    pub tags: Tags,
}
