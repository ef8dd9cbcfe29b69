//! The state of every managed alarm, for `infra status`.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::operation::describe_alarms::builders::DescribeAlarmsInputBuilder;
use aws_sdk_cloudwatch::types::AlarmType;

use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::error::InfraError;
use crate::names::ALARM_PREFIX;

/// An alarm's state (`OK`, `ALARM`, `INSUFFICIENT_DATA`) and whether its actions are enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmState {
    pub state: String,
    pub actions_enabled: bool,
}

/// DescribeAlarms: the metric alarms whose names start with the managed prefix, one page.
pub fn describe_alarms_request(next_token: Option<String>) -> DescribeAlarmsInputBuilder {
    DescribeAlarmsInputBuilder::default()
        .alarm_name_prefix(ALARM_PREFIX)
        .alarm_types(AlarmType::MetricAlarm)
        .set_next_token(next_token)
}

/// Every managed alarm by name.
pub async fn alarm_states(aws: &Aws) -> Result<BTreeMap<String, AlarmState>, InfraError> {
    let mut states = BTreeMap::new();
    let mut token = None;
    loop {
        let out = describe_alarms_request(token)
            .send_with(&aws.cloudwatch)
            .await
            .map_err(|e| aws_err("the managed alarms", "cloudwatch:DescribeAlarms", e))?;
        for a in out.metric_alarms() {
            let state = a.state_value().map_or("unknown", |s| s.as_str()).to_owned();
            let actions_enabled = a.actions_enabled().unwrap_or(false);
            states.insert(a.alarm_name().unwrap_or_default().to_owned(), AlarmState { state, actions_enabled });
        }
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(states);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_reads_only_the_managed_metric_alarms_page_by_page() {
        let r = describe_alarms_request(Some("page-2".into()));
        assert_eq!(r.get_alarm_name_prefix().as_deref(), Some(ALARM_PREFIX));
        assert_eq!(r.get_alarm_types().clone(), Some(vec![AlarmType::MetricAlarm]));
        assert_eq!(r.get_next_token().as_deref(), Some("page-2"));
    }
}
