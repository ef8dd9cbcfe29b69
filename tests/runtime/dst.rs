//! DST in America/New_York, through real runs: a spring-forward day has 92 quarter-hour windows
//! and a 23-hour daily window; a fall-back day 100 and 25.

use chrono::{NaiveDate, TimeDelta};
use mongodb::bson::{Document, doc};

use crate::support::TestDb;
use crate::support::fixtures::{Kwh, QUARTER, Seed, count, date, history, num, run_ok, utc};

const TZ: &str = "America/New_York";

/// One active meter with a real reading the day before, so every quarter-hour of `day` gets an
/// estimate of 0.5 kwh; then the quarter-hours of `day` and its daily window are run.
async fn check_day(day: &str, quarters: usize, hours: i64, first_start: &str) {
    let db = TestDb::new().await;
    let d: NaiveDate = date(day);
    let mut seed = Seed { meters: vec![("MTR-DST".into(), true)], readings: Vec::new() };
    seed.push("MTR-DST", utc(first_start) - TimeDelta::hours(12), Kwh::Num(0.5), None);
    seed.insert(&db).await;
    let cli = || db.cli().env("SCHEDULE_TIMEZONE", TZ);
    let next = d.succ_opt().expect("next day").to_string();

    // Local dates: [00:00 on the day, 00:00 on the next) in New York.
    run_ok(cli(), "QuarterHourlyDataChange", &["--from", day, "--to", &next]);
    let runs = history(&db, Some("QuarterHourlyDataChange"));
    assert_eq!(runs.len(), quarters, "quarter-hour windows of {day}");
    let start = utc(first_start);
    for (i, e) in runs.iter().enumerate() {
        assert_eq!(e.status, "succeeded");
        assert_eq!((e.start(), e.end()), (start + QUARTER * i as i32, start + QUARTER * (i as i32 + 1)), "window {i}");
    }
    let end = start + TimeDelta::hours(hours);
    assert_eq!(runs.last().map(|e| e.end()), Some(end), "the last quarter ends at the next local midnight");

    // The nightly run at 02:00 local the next day processes the whole local day.
    run_ok(cli(), "NightlyDataChange", &["--at", &format!("{next}T02:00")]);
    let nightly = history(&db, Some("NightlyDataChange"));
    assert_eq!(nightly.len(), 1);
    assert_eq!((nightly[0].start(), nightly[0].end()), (start, end), "the daily window of {day}");
    assert_eq!(nightly[0].end() - nightly[0].start(), TimeDelta::hours(hours));

    let rows: Vec<Document> = db.dump("daily_usage", doc! { "meterId": 1 }).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].get_str("date").ok(), Some(day), "{}", rows[0]);
    assert_eq!(count(&rows[0], "intervalCount"), quarters as i64, "{}", rows[0]);
    assert_eq!(count(&rows[0], "estimatedCount"), quarters as i64, "{}", rows[0]);
    assert_eq!(num(&rows[0], "kwh"), 0.5 * quarters as f64, "{}", rows[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spring_forward_day_has_92_quarter_hours_and_a_23_hour_day() {
    check_day("2026-03-08", 92, 23, "2026-03-08T05:00:00Z").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fall_back_day_has_100_quarter_hours_and_a_25_hour_day() {
    check_day("2026-11-01", 100, 25, "2026-11-01T04:00:00Z").await;
}
