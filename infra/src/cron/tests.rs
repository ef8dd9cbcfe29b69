use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{AwsSchedule, CronError};

fn parse(expr: &str) -> AwsSchedule {
    AwsSchedule::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn err(expr: &str) -> CronError {
    match AwsSchedule::parse(expr) {
        Ok(s) => panic!("{expr} parsed as {s:?}"),
        Err(e) => e,
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn fmt(ts: &[DateTime<Utc>]) -> Vec<String> {
    ts.iter().map(|t| t.format("%Y-%m-%dT%H:%M").to_string()).collect()
}

#[test]
fn accepts_the_design_crons_and_the_issue_examples() {
    for e in [
        "cron(0/15 * * * ? *)",
        "cron(0/30 * * * ? *)",
        "cron(0 * * * ? *)",
        "cron(0 2 * * ? *)",
        "cron(30 2 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0 10 L * ? *)",
        "rate(15 minutes)",
        "rate(1 hour)",
        "rate(1 day)",
        "cron(0 10 ? * 6L *)",
        "cron(0 10 ? * 3#2 *)",
        "cron(0 10 15W * ? *)",
        "cron(0 10 LW * ? *)",
        "cron(0 8 1 JAN,JUL ? 2027-2030)",
        "cron(*/5 * * * ? *)",
    ] {
        parse(e);
    }
}

#[test]
fn rejects_with_the_field_named() {
    let cases = [
        ("cron(0 2 * * * *)", "day-of-week"),
        ("cron(0 2 ? * ? *)", "day-of-month"),
        ("cron(0 25 * * ? *)", "hours"),
        ("cron(60 2 * * ? *)", "minutes"),
        ("cron(0/15 * * * ?)", "expression"),
        ("cron(0 2 ? * 8 *)", "day-of-week"),
        ("cron(0 2 ? * 0 *)", "day-of-week"),
        ("cron(0 2 32 * ? *)", "day-of-month"),
        ("cron(0 2 * 13 ? *)", "month"),
        ("cron(0 2 * * ? 2200)", "year"),
        ("cron(0 2 L-2 * ? *)", "day-of-month"),
        ("cron(0 2 ? * 1/2 *)", "day-of-week"),
        ("cron(0 2 ? * 2#1,3#2 *)", "day-of-week"),
        ("cron(0 2 ? * 2#6 *)", "day-of-week"),
        ("cron(0 2 1W,3 * ? *)", "day-of-month"),
        ("cron(? 2 * * ? *)", "minutes"),
        ("cron(0 5-2 * * ? *)", "hours"),
        ("cron(0/0 2 * * ? *)", "minutes"),
        ("rate(1 minutes)", "rate"),
        ("rate(5 minute)", "rate"),
        ("rate(0 minutes)", "rate"),
        ("rate(5 weeks)", "rate"),
        ("every 5 minutes", "expression"),
    ];
    for (expr, field) in cases {
        let e = err(expr);
        assert_eq!(e.field, field, "{expr}: {e}");
        assert!(e.to_string().starts_with(field), "{e}");
    }
}

#[test]
fn quarter_hourly_fires_every_15_minutes() {
    let s = parse("cron(0/15 * * * ? *)");
    let got = s.upcoming(utc("2026-03-01T10:07:00Z"), Tz::UTC, 3);
    assert_eq!(fmt(&got), ["2026-03-01T10:15", "2026-03-01T10:30", "2026-03-01T10:45"]);
    assert_eq!(s.next_after(utc("2026-03-01T10:15:00Z"), Tz::UTC), Some(utc("2026-03-01T10:30:00Z")), "strictly after");
    assert_eq!(s.fixed_period(), Some(Duration::from_secs(900)));
}

#[test]
fn nightly_follows_the_time_zone() {
    let s = parse("cron(0 2 * * ? *)");
    let got = s.upcoming(utc("2026-06-30T23:00:00Z"), Tz::Europe__Berlin, 2);
    assert_eq!(fmt(&got), ["2026-07-01T00:00", "2026-07-02T00:00"]);
    assert_eq!(s.fixed_period(), Some(Duration::from_secs(86_400)));
}

#[test]
fn spring_forward_skips_the_missing_local_time() {
    // Europe/Berlin jumps from 02:00 to 03:00 on 2026-03-29: 02:30 does not exist that day.
    let s = parse("cron(30 2 * * ? *)");
    let got = s.upcoming(utc("2026-03-27T12:00:00Z"), Tz::Europe__Berlin, 3);
    assert_eq!(fmt(&got), ["2026-03-28T01:30", "2026-03-30T00:30", "2026-03-31T00:30"]);
}

#[test]
fn fall_back_fires_once_at_the_first_occurrence() {
    // Europe/Berlin goes from 03:00 back to 02:00 on 2026-10-25: 02:30 happens twice.
    let s = parse("cron(30 2 * * ? *)");
    let got = s.upcoming(utc("2026-10-24T12:00:00Z"), Tz::Europe__Berlin, 2);
    assert_eq!(fmt(&got), ["2026-10-25T00:30", "2026-10-26T01:30"]);
}

#[test]
fn day_rules_last_weekday_nth_and_names() {
    let tz = Tz::UTC;
    let at = utc("2026-02-01T00:00:00Z");
    assert_eq!(fmt(&parse("cron(0 10 L * ? *)").upcoming(at, tz, 2)), ["2026-02-28T10:00", "2026-03-31T10:00"]);
    // 2026-05-31 is a Sunday: LW is Friday the 29th.
    assert_eq!(fmt(&parse("cron(0 10 LW 5 ? *)").upcoming(at, tz, 1)), ["2026-05-29T10:00"]);
    // 2026-02-01 is a Sunday: 1W is Monday the 2nd; 2026-08-01 is a Saturday: 1W is Monday the 3rd.
    assert_eq!(fmt(&parse("cron(0 10 1W FEB,AUG ? *)").upcoming(at, tz, 2)), ["2026-02-02T10:00", "2026-08-03T10:00"]);
    // Second Tuesday of Feb 2026 is the 10th; last Friday is the 27th.
    assert_eq!(fmt(&parse("cron(0 10 ? * 3#2 *)").upcoming(at, tz, 1)), ["2026-02-10T10:00"]);
    assert_eq!(fmt(&parse("cron(0 10 ? * FRIL *)").upcoming(at, tz, 1)), ["2026-02-27T10:00"]);
    // MON-FRI skips the weekend (2026-02-06 is a Friday).
    let wk = parse("cron(0 18 ? * MON-FRI *)").upcoming(utc("2026-02-06T19:00:00Z"), tz, 2);
    assert_eq!(fmt(&wk), ["2026-02-09T18:00", "2026-02-10T18:00"]);
}

#[test]
fn years_bound_the_schedule() {
    let s = parse("cron(0 0 1 1 ? 2030)");
    assert_eq!(fmt(&s.upcoming(utc("2026-01-01T00:00:00Z"), Tz::UTC, 3)), ["2030-01-01T00:00"]);
}

#[test]
fn rate_counts_from_the_given_instant() {
    let s = parse("rate(15 minutes)");
    assert_eq!(s.next_after(utc("2026-01-01T10:07:00Z"), Tz::UTC), Some(utc("2026-01-01T10:22:00Z")));
    assert_eq!(s.min_period(), Duration::from_secs(900));
}

#[test]
fn periods_of_regular_and_irregular_crons() {
    assert_eq!(parse("cron(0 * * * ? *)").fixed_period(), Some(Duration::from_secs(3600)));
    assert_eq!(parse("cron(0 0/6 * * ? *)").fixed_period(), Some(Duration::from_secs(6 * 3600)));
    assert_eq!(parse("cron(0,10 * * * ? *)").fixed_period(), None);
    assert_eq!(parse("cron(0,10 * * * ? *)").min_period(), Duration::from_secs(600));
    assert_eq!(parse("cron(0 18 ? * MON-FRI *)").fixed_period(), None);
    assert_eq!(parse("cron(0 18 ? * MON-FRI *)").min_period(), Duration::from_secs(86_400));
    assert_eq!(parse("cron(* * * * ? *)").min_period(), Duration::from_secs(60));
}
