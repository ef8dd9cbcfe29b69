//! AWS EventBridge Scheduler expressions: `cron(...)` (6 fields) and `rate(...)`.
//!
//! The grammar is AWS's own, not Unix or Quartz cron: six fields `minutes hours day-of-month month
//! day-of-week year`; exactly one of day-of-month and day-of-week is `?`; day-of-week 1-7 means
//! SUN-SAT; `L` and `W` only in day-of-month (`L`, `LW`, `nW`), `L` and `#` only in day-of-week
//! (`L`, `nL`, `n#k`); the year is 1970-2199. `L-n` is not in the AWS reference, so it is rejected.
//!
//! Fire times follow EventBridge Scheduler's documented daylight-saving behaviour: a local time that
//! does not exist (spring forward) is skipped, and a local time that occurs twice (fall back) fires
//! once, at its first occurrence. A `rate(...)` schedule fires every fixed duration counted from the
//! given instant (AWS counts from the schedule's start; a day is 24 hours, not a calendar day).

mod field;

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

pub use field::{Cron, CronError, DayOfMonth, DayOfWeek};

/// The unit of a `rate(...)` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateUnit {
    Minutes,
    Hours,
    Days,
}

impl RateUnit {
    fn seconds(self) -> u64 {
        match self {
            RateUnit::Minutes => 60,
            RateUnit::Hours => 3600,
            RateUnit::Days => 86_400,
        }
    }
}

/// A parsed EventBridge Scheduler schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsSchedule {
    Cron(Cron),
    Rate { value: u32, unit: RateUnit },
}

/// The latest year AWS accepts in a cron expression.
const LAST_YEAR: i32 = 2199;

impl AwsSchedule {
    /// Parses `cron(min hour dom month dow year)` or `rate(N unit)`.
    pub fn parse(expr: &str) -> Result<AwsSchedule, CronError> {
        let expr = expr.trim();
        if let Some(inner) = expr.strip_prefix("cron(").and_then(|s| s.strip_suffix(')')) {
            return field::parse_cron(inner).map(AwsSchedule::Cron);
        }
        if let Some(inner) = expr.strip_prefix("rate(").and_then(|s| s.strip_suffix(')')) {
            return parse_rate(inner);
        }
        Err(CronError::new(
            "expression",
            format!("{expr:?} is neither cron(minutes hours day-of-month month day-of-week year) nor rate(value unit)"),
        ))
    }

    /// The first fire time strictly after `after`, in the time zone `tz`; `None` when the
    /// expression never fires again (its years are over).
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        match self {
            AwsSchedule::Rate { value, unit } => {
                let secs = i64::try_from(u64::from(*value) * unit.seconds()).ok()?;
                after.checked_add_signed(TimeDelta::seconds(secs))
            }
            AwsSchedule::Cron(c) => c.next_after(after, tz),
        }
    }

    /// The next `n` fire times after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, tz: Tz, n: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::with_capacity(n);
        let mut t = after;
        while out.len() < n {
            match self.next_after(t, tz) {
                Some(next) => {
                    out.push(next);
                    t = next;
                }
                None => break,
            }
        }
        out
    }

    /// The shortest wall-clock gap between two fire times (a lower bound for irregular crons).
    pub fn min_period(&self) -> Duration {
        match self {
            AwsSchedule::Rate { value, unit } => Duration::from_secs(u64::from(*value) * unit.seconds()),
            AwsSchedule::Cron(c) => c.min_period(),
        }
    }

    /// `Some(p)` when the schedule fires every `p` on the wall clock, every day of every month and
    /// year (like `cron(0/15 * * * ? *)` or `rate(1 hour)`); `None` when it skips days or is uneven.
    pub fn fixed_period(&self) -> Option<Duration> {
        match self {
            AwsSchedule::Rate { .. } => Some(self.min_period()),
            AwsSchedule::Cron(c) => c.fixed_period(),
        }
    }
}

fn parse_rate(inner: &str) -> Result<AwsSchedule, CronError> {
    let parts: Vec<&str> = inner.split_whitespace().collect();
    let [value, unit] = parts.as_slice() else {
        return Err(CronError::new("rate", format!("expected rate(value unit), got rate({inner})")));
    };
    let value: u32 =
        value.parse().ok().filter(|v| *v >= 1).ok_or_else(|| {
            CronError::new("rate", format!("the value must be a positive whole number, got {value:?}"))
        })?;
    let (unit, singular) = match *unit {
        "minute" => (RateUnit::Minutes, true),
        "minutes" => (RateUnit::Minutes, false),
        "hour" => (RateUnit::Hours, true),
        "hours" => (RateUnit::Hours, false),
        "day" => (RateUnit::Days, true),
        "days" => (RateUnit::Days, false),
        other => {
            return Err(CronError::new("rate", format!("unit must be minute(s), hour(s) or day(s), got {other:?}")));
        }
    };
    if singular != (value == 1) {
        let want = if value == 1 { "singular (rate(1 minute|hour|day))" } else { "plural for values above 1" };
        return Err(CronError::new("rate", format!("the unit must be {want}, got rate({inner})")));
    }
    Ok(AwsSchedule::Rate { value, unit })
}

impl Cron {
    fn date_matches(&self, d: NaiveDate) -> bool {
        self.years.contains(&d.year())
            && self.months.contains(&d.month())
            && self.day_of_month.matches(d)
            && self.day_of_week.matches(d)
    }

    fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let first_year = *self.years.iter().next()?;
        let local_day = after.with_timezone(&tz).date_naive().pred_opt()?;
        let mut day = local_day.max(NaiveDate::from_ymd_opt(first_year, 1, 1)?);
        while day.year() <= LAST_YEAR {
            if !self.years.contains(&day.year()) {
                let next_year = self.years.range(day.year() + 1..).next()?;
                day = NaiveDate::from_ymd_opt(*next_year, 1, 1)?;
                continue;
            }
            if self.date_matches(day) {
                for h in &self.hours {
                    for m in &self.minutes {
                        let Some(naive) = day.and_hms_opt(*h, *m, 0) else { continue };
                        let local = match tz.from_local_datetime(&naive) {
                            LocalResult::Single(t) => t,
                            // Fall back: the repeated local time fires once, at its first occurrence.
                            LocalResult::Ambiguous(first, _) => first,
                            // Spring forward: a local time that does not exist is skipped.
                            LocalResult::None => continue,
                        };
                        let utc = local.with_timezone(&Utc);
                        if utc > after {
                            return Some(utc);
                        }
                    }
                }
            }
            day = day.succ_opt()?;
        }
        None
    }

    fn every_day(&self) -> bool {
        self.day_of_month.is_every_day()
            && self.day_of_week.is_every_day()
            && self.months.len() == 12
            && self.years.len() == (LAST_YEAR - 1969) as usize
    }

    fn min_period(&self) -> Duration {
        let minute = |m: u32| Duration::from_secs(u64::from(m) * 60);
        if let Some(gap) = circular_min_gap(&self.minutes, 60) {
            return minute(gap);
        }
        if let Some(gap) = circular_min_gap(&self.hours, 24) {
            return minute(gap * 60);
        }
        Duration::from_secs(86_400)
    }

    fn fixed_period(&self) -> Option<Duration> {
        if !self.every_day() {
            return None;
        }
        let minute = |m: u32| Duration::from_secs(u64::from(m) * 60);
        if self.hours.len() == 24 && self.minutes.len() > 1 {
            return even_step(&self.minutes, 60).map(minute);
        }
        if self.minutes.len() == 1 {
            if self.hours.len() == 1 {
                return Some(Duration::from_secs(86_400));
            }
            return even_step(&self.hours, 24).map(|h| minute(h * 60));
        }
        None
    }
}

/// The smallest gap between neighbours of `set` on a circle of `modulus`; `None` for 0 or 1 values.
fn circular_min_gap(set: &BTreeSet<u32>, modulus: u32) -> Option<u32> {
    if set.len() < 2 {
        return None;
    }
    let values: Vec<u32> = set.iter().copied().collect();
    let wrap = modulus - values[values.len() - 1] + values[0];
    values.windows(2).map(|w| w[1] - w[0]).chain([wrap]).min()
}

/// The step when `set` is evenly spaced on a circle of `modulus` (0/15 -> 15), else `None`.
fn even_step(set: &BTreeSet<u32>, modulus: u32) -> Option<u32> {
    let values: Vec<u32> = set.iter().copied().collect();
    let step = modulus / u32::try_from(values.len()).ok()?;
    let even = step * u32::try_from(values.len()).ok()? == modulus && values.windows(2).all(|w| w[1] - w[0] == step);
    even.then_some(step)
}

impl fmt::Display for RateUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RateUnit::Minutes => "minutes",
            RateUnit::Hours => "hours",
            RateUnit::Days => "days",
        })
    }
}

#[cfg(test)]
mod tests;
