//! What the schedule should have produced: per process its schedule expression and time zone
//! (from the deployment file, else the catalog default and `SCHEDULE_TIMEZONE`), and the fire
//! times in a period.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use intervalprocessing_infra::cron::AwsSchedule;
use intervalprocessing_infra::validate::Settings;
use intervalprocessing_jobs::Process;

use crate::error::AppError;

/// One process's schedule as `status` judges it.
#[derive(Debug, Clone)]
pub struct Expected {
    pub process: Process,
    pub expression: String,
    /// `None`: the schedule is disabled in the deployment file, nothing is expected.
    pub schedule: Option<AwsSchedule>,
    pub tz: Tz,
}

/// The catalog's default cron of each process, in the time zone `tz` (`SCHEDULE_TIMEZONE`).
pub fn from_catalog(processes: &[Process], tz: Tz) -> Result<Vec<Expected>, AppError> {
    processes
        .iter()
        .map(|&process| {
            let expression = process.default_cron().to_owned();
            let schedule = AwsSchedule::parse(&expression)
                .map_err(|e| AppError::Startup(format!("the catalog's cron of {process} is invalid: {e}")))?;
            Ok(Expected { process, expression, schedule: Some(schedule), tz })
        })
        .collect()
}

/// The deployment file's schedule of each process (`--config`); a disabled one expects nothing.
pub fn from_settings(settings: &Settings, processes: &[Process]) -> Vec<Expected> {
    settings
        .processes
        .iter()
        .filter(|s| processes.contains(&s.process))
        .map(|s| Expected {
            process: s.process,
            expression: s.expression.clone(),
            schedule: s.enabled.then(|| s.schedule.clone()),
            tz: settings.tz,
        })
        .collect()
}

/// Fire times `f` with `from <= f <= to`, oldest first. A `rate()` schedule counts from the
/// moment it was created, which AWS does not say: its fire times are taken at whole multiples of
/// the rate since the Unix epoch (any such fire time processes the same window).
pub fn fire_times(schedule: &AwsSchedule, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    if let AwsSchedule::Rate { .. } = schedule {
        let period = i64::try_from(schedule.min_period().as_secs()).unwrap_or(i64::MAX).max(60);
        let mut t = from.timestamp().div_euclid(period) * period;
        if t < from.timestamp() {
            t += period;
        }
        while let Some(f) = DateTime::from_timestamp(t, 0).filter(|f| *f <= to) {
            out.push(f);
            t += period;
        }
        return out;
    }
    let mut after = from - TimeDelta::seconds(1);
    while let Some(f) = schedule.next_after(after, tz).filter(|f| *f <= to) {
        out.push(f);
        after = f;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, h, m, 0).single().unwrap_or_default()
    }

    fn parse(expr: &str) -> AwsSchedule {
        AwsSchedule::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    #[test]
    fn fire_times_include_both_ends_of_the_period() {
        let q = parse("cron(0/15 * * * ? *)");
        assert_eq!(fire_times(&q, Tz::UTC, t(1, 10, 0), t(1, 10, 45)).len(), 4);
        assert_eq!(fire_times(&q, Tz::UTC, t(1, 10, 1), t(1, 10, 44)), vec![t(1, 10, 15), t(1, 10, 30)]);
        assert_eq!(fire_times(&q, Tz::UTC, t(1, 0, 0), t(11, 0, 0)).len(), 961, "ten days of quarter-hours");
    }

    #[test]
    fn a_daily_cron_fires_at_local_time_across_a_dst_change() {
        let nightly = parse("cron(0 2 * * ? *)");
        let berlin: Tz = "Europe/Berlin".parse().unwrap_or(Tz::UTC);
        // Berlin moves to summer time on 2026-03-29: 02:00 local does not exist that day.
        let f = fire_times(&nightly, berlin, t(28, 0, 0), t(30, 12, 0));
        assert_eq!(f.first(), Some(&t(28, 1, 0)));
        assert_eq!(f.last(), Some(&t(30, 0, 0)));
    }

    #[test]
    fn a_rate_fires_at_multiples_of_its_period() {
        let hourly = parse("rate(1 hour)");
        assert_eq!(fire_times(&hourly, Tz::UTC, t(1, 9, 30), t(1, 12, 0)), vec![t(1, 10, 0), t(1, 11, 0), t(1, 12, 0)]);
    }
}
