//! The rules of the alarm settings: email subscriptions and the "no successful window" period.

use std::time::Duration;

/// CloudWatch's limit on `Period` × `EvaluationPeriods`: one day for periods under an hour, else
/// seven days (PutMetricAlarm).
fn max_evaluation_seconds(period: u64) -> u64 {
    if period < 3600 { 86_400 } else { 604_800 }
}

/// `alarm_after_cadences`: at least 1, and the alarm's whole evaluation range (one period per
/// cadence) within CloudWatch's limit.
pub fn alarm_after_cadences(cadence: Duration, n: i32) -> Option<String> {
    let period = cadence.as_secs();
    let limit = max_evaluation_seconds(period);
    let max = i32::try_from(limit / period.max(1)).unwrap_or(i32::MAX);
    (!(1..=max).contains(&n)).then(|| {
        format!(
            "must be 1-{max}: CloudWatch evaluates at most {} days of {}-second periods, not {n}",
            limit / 86_400,
            period
        )
    })
}

/// An email address SNS accepts: one `@`, a local part and a domain with a dot, no spaces.
pub fn email(e: &str) -> Option<String> {
    let ok = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    (!ok).then(|| format!("{e:?} is not an email address like ops@example.com"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alarm_after_cadences_keeps_the_evaluation_range_within_cloudwatchs_limit() {
        let quarter = Duration::from_secs(900);
        assert_eq!(alarm_after_cadences(quarter, 3), None);
        assert_eq!(alarm_after_cadences(quarter, 96), None);
        assert!(alarm_after_cadences(quarter, 97).is_some_and(|r| r.contains("1-96")));
        assert!(alarm_after_cadences(quarter, 0).is_some());
        let hour = Duration::from_secs(3600);
        assert_eq!(alarm_after_cadences(hour, 168), None);
        assert!(alarm_after_cadences(hour, 169).is_some());
        let day = Duration::from_secs(86_400);
        assert_eq!(alarm_after_cadences(day, 7), None);
        assert!(alarm_after_cadences(day, 8).is_some_and(|r| r.contains("1-7")));
    }

    #[test]
    fn the_deployment_file_names_the_key_of_a_bad_alarm_setting() {
        let text = format!(
            "{}\nalarm_emails = [\"ops@example.com\", \"nobody\"]\n[process.FileGeneration]\nalarm_after_cadences = 8\n",
            super::super::tests::BASE
        );
        let d: crate::config::Deployment = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let problems = crate::validate::validate(&d).err().unwrap_or_default();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["alarm_emails[1]", "process.FileGeneration.alarm_after_cadences"], "{problems:?}");
        let ok = format!("{}\n[process.FileGeneration]\nalarm_after_cadences = 7\n", super::super::tests::BASE);
        let d: crate::config::Deployment = toml::from_str(&ok).unwrap_or_else(|e| panic!("{e}"));
        let s = crate::validate::validate(&d).unwrap_or_else(|p| panic!("{p:?}"));
        let alarm_after =
            |name: &str| s.processes.iter().find(|p| p.process.name() == name).map(|p| p.alarm_after_cadences);
        assert_eq!((alarm_after("FileGeneration"), alarm_after("HourlyDataChange")), (Some(7), Some(3)));
    }

    #[test]
    fn email_accepts_addresses_and_names_what_is_wrong() {
        assert_eq!(email("ops@example.com"), None);
        assert_eq!(email("first.last+alerts@sub.example.co.uk"), None);
        for bad in ["", "ops", "@example.com", "ops@example", "ops@.com", "ops @example.com", "a@b@c.com"] {
            assert!(email(bad).is_some(), "{bad:?}");
        }
    }
}
