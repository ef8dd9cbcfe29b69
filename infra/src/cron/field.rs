//! Parsing the six fields of an AWS cron expression, and the two day fields' matching rules.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

/// A parse error: which field broke which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct CronError {
    /// `minutes`, `hours`, `day-of-month`, `month`, `day-of-week`, `year`, `rate` or `expression`.
    pub field: &'static str,
    pub message: String,
}

impl CronError {
    pub(crate) fn new(field: &'static str, message: impl Into<String>) -> Self {
        CronError { field, message: message.into() }
    }
}

/// The six parsed fields of a `cron(...)` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    pub minutes: BTreeSet<u32>,
    pub hours: BTreeSet<u32>,
    pub day_of_month: DayOfMonth,
    pub months: BTreeSet<u32>,
    pub day_of_week: DayOfWeek,
    pub years: BTreeSet<i32>,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The day-of-month field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayOfMonth {
    /// `?`: the day-of-week field decides.
    Any,
    /// Explicit days (or `*`, all of 1-31).
    Days(BTreeSet<u32>),
    /// `L`: the last day of the month.
    Last,
    /// `LW`: the last weekday (Mon-Fri) of the month.
    LastWeekday,
    /// `nW`: the weekday nearest to day n, within the month.
    NearestWeekday(u32),
}

/// The day-of-week field; days are 1-7 = SUN-SAT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayOfWeek {
    /// `?`: the day-of-month field decides.
    Any,
    /// Explicit days (or `*`).
    Days(BTreeSet<u32>),
    /// `L` (= `7L`, the last Saturday) or `nL`: the last such day of the month.
    Last(u32),
    /// `n#k`: the k-th such day of the month.
    Nth(u32, u32),
}

impl DayOfMonth {
    pub(super) fn matches(&self, d: NaiveDate) -> bool {
        let last = days_in_month(d);
        match self {
            DayOfMonth::Any => true,
            DayOfMonth::Days(s) => s.contains(&d.day()),
            DayOfMonth::Last => d.day() == last,
            DayOfMonth::LastWeekday => {
                let mut day = last;
                while is_weekend(d.with_day(day)) {
                    day -= 1;
                }
                d.day() == day
            }
            DayOfMonth::NearestWeekday(n) => {
                if *n > last {
                    return false;
                }
                let target = d.with_day(*n);
                let day = match target.map(|t| t.weekday()) {
                    Some(Weekday::Sat) if *n == 1 => 3,
                    Some(Weekday::Sat) => n - 1,
                    Some(Weekday::Sun) if *n == last => n - 2,
                    Some(Weekday::Sun) => n + 1,
                    _ => *n,
                };
                d.day() == day
            }
        }
    }

    pub(super) fn is_every_day(&self) -> bool {
        match self {
            DayOfMonth::Any => true,
            DayOfMonth::Days(s) => s.len() == 31,
            _ => false,
        }
    }
}

impl DayOfWeek {
    pub(super) fn matches(&self, d: NaiveDate) -> bool {
        let wd = d.weekday().number_from_sunday();
        match self {
            DayOfWeek::Any => true,
            DayOfWeek::Days(s) => s.contains(&wd),
            DayOfWeek::Last(n) => wd == *n && d.day() + 7 > days_in_month(d),
            DayOfWeek::Nth(n, k) => wd == *n && (d.day() - 1) / 7 + 1 == *k,
        }
    }

    pub(super) fn is_every_day(&self) -> bool {
        match self {
            DayOfWeek::Any => true,
            DayOfWeek::Days(s) => s.len() == 7,
            _ => false,
        }
    }
}

fn is_weekend(d: Option<NaiveDate>) -> bool {
    matches!(d.map(|d| d.weekday()), Some(Weekday::Sat | Weekday::Sun))
}

fn days_in_month(d: NaiveDate) -> u32 {
    (28..=31).rev().find(|day| d.with_day(*day).is_some()).unwrap_or(28)
}

/// The inside of `cron(...)`.
pub(super) fn parse_cron(inner: &str) -> Result<Cron, CronError> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let [min, hour, dom, month, dow, year] = fields.as_slice() else {
        return Err(CronError::new(
            "expression",
            format!(
                "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got {}: cron({inner})",
                fields.len()
            ),
        ));
    };
    let minutes = parse_list("minutes", min, 0, 59, &[])?;
    let hours = parse_list("hours", hour, 0, 23, &[])?;
    let months = parse_list("month", month, 1, 12, &MONTHS)?;
    let years =
        parse_list("year", year, 1970, 2199, &[])?.into_iter().map(|y| i32::try_from(y).unwrap_or(i32::MAX)).collect();
    match (*dom == "?", *dow == "?") {
        (true, true) => {
            return Err(CronError::new(
                "day-of-month",
                "day-of-month and day-of-week cannot both be \"?\"; exactly one of them must be",
            ));
        }
        (false, false) => {
            return Err(CronError::new(
                "day-of-week",
                format!("exactly one of day-of-month and day-of-week must be \"?\" (got {dom:?} and {dow:?})"),
            ));
        }
        _ => {}
    }
    Ok(Cron { minutes, hours, day_of_month: parse_dom(dom)?, months, day_of_week: parse_dow(dow)?, years })
}

fn parse_dom(s: &str) -> Result<DayOfMonth, CronError> {
    const F: &str = "day-of-month";
    match s {
        "?" => return Ok(DayOfMonth::Any),
        "L" => return Ok(DayOfMonth::Last),
        "LW" => return Ok(DayOfMonth::LastWeekday),
        _ => {}
    }
    if s.starts_with("L-") {
        return Err(CronError::new(F, format!("{s:?}: AWS documents only L, LW and nW here, not L-n")));
    }
    if let Some(n) = s.strip_suffix('W') {
        let n = number(F, n, 1, 31)?;
        return Ok(DayOfMonth::NearestWeekday(n));
    }
    if s.contains('L') || s.contains('W') {
        return Err(CronError::new(F, format!("{s:?}: L and W stand alone (L, LW, nW), never in a list or range")));
    }
    if s.contains('#') {
        return Err(CronError::new(F, format!("{s:?}: # is only allowed in day-of-week")));
    }
    parse_list(F, s, 1, 31, &[]).map(DayOfMonth::Days)
}

fn parse_dow(s: &str) -> Result<DayOfWeek, CronError> {
    const F: &str = "day-of-week";
    if s == "?" {
        return Ok(DayOfWeek::Any);
    }
    if s == "L" {
        return Ok(DayOfWeek::Last(7));
    }
    if s.contains('/') {
        return Err(CronError::new(F, format!("{s:?}: / is not allowed in day-of-week (allowed: , - * ? L #)")));
    }
    if let Some((day, nth)) = s.split_once('#') {
        if day.contains(',') || nth.contains(',') {
            return Err(CronError::new(F, format!("{s:?}: with # the day-of-week field holds exactly one expression")));
        }
        let day = number_or_name(F, day, 1, 7, &DAYS)?;
        let nth = number(F, nth, 1, 5)?;
        return Ok(DayOfWeek::Nth(day, nth));
    }
    if let Some(day) = s.strip_suffix('L') {
        let day = number_or_name(F, day, 1, 7, &DAYS)?;
        return Ok(DayOfWeek::Last(day));
    }
    if s.contains('L') || s.contains('W') {
        return Err(CronError::new(
            F,
            format!("{s:?}: L stands alone or after one day (L, 6L); W is day-of-month only"),
        ));
    }
    parse_list(F, s, 1, 7, &DAYS).map(DayOfWeek::Days)
}

/// A comma-separated list of `*`, `a`, `a-b`, `a/n`, `a-b/n`, `*/n`.
fn parse_list(field: &'static str, s: &str, lo: u32, hi: u32, names: &[&str]) -> Result<BTreeSet<u32>, CronError> {
    if s == "?" {
        return Err(CronError::new(field, "\"?\" is only allowed in day-of-month or day-of-week"));
    }
    let mut out = BTreeSet::new();
    for item in s.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, step)) => (
                r,
                Some(number(field, step, 1, hi - lo + 1).map_err(|_| {
                    CronError::new(field, format!("{item:?}: the increment after / must be 1-{}", hi - lo + 1))
                })?),
            ),
            None => (item, None),
        };
        let (start, end) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            let (a, b) = (number_or_name(field, a, lo, hi, names)?, number_or_name(field, b, lo, hi, names)?);
            if a > b {
                return Err(CronError::new(field, format!("{item:?}: a range must go from low to high")));
            }
            (a, b)
        } else {
            let a = number_or_name(field, range, lo, hi, names)?;
            (a, if step.is_some() { hi } else { a })
        };
        let step = step.unwrap_or(1);
        out.extend((start..=end).step_by(step as usize));
    }
    Ok(out)
}

fn number_or_name(field: &'static str, s: &str, lo: u32, hi: u32, names: &[&str]) -> Result<u32, CronError> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
        return Ok(lo + u32::try_from(i).unwrap_or(0));
    }
    number(field, s, lo, hi).map_err(|_| {
        let named =
            if names.is_empty() { String::new() } else { format!(" or {}-{}", names[0], names[names.len() - 1]) };
        CronError::new(field, format!("{s:?} is out of range: allowed values are {lo}-{hi}{named}"))
    })
}

fn number(field: &'static str, s: &str, lo: u32, hi: u32) -> Result<u32, CronError> {
    s.parse::<u32>()
        .ok()
        .filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| CronError::new(field, format!("{s:?} is out of range: allowed values are {lo}-{hi}")))
}
