//! Each of the five processes writes what DESIGN §5 says for a window, checked against values
//! computed here from the data the test seeded.

use chrono::TimeDelta;
use mongodb::bson::{Bson, doc};

use crate::support::TestDb;
use crate::support::fixtures::{
    Kwh, Reading, Seed, Usage, canonical, count_docs, date, history, midnight, readings, run_ok, usage_rows, utc,
};

const DAY: &str = "2026-01-15";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quarter_hourly_estimates_exactly_the_missing_readings_of_active_meters() {
    let db = TestDb::new().await;
    let seed = Seed::standard(date(DAY));
    seed.insert(&db).await;
    // An active meter whose id is not a string: counted as malformed, never a crash.
    let meters = db.db.collection::<mongodb::bson::Document>("meters");
    meters.insert_one(doc! { "_id": 42, "active": true }).await.expect("insert a malformed meter");
    let before = seed.readings.iter().map(Reading::doc).collect::<Vec<_>>();

    // One window: 16:30-16:45. MTR-A has a gap whose previous reading is estimated, MTR-B one
    // whose previous reading is malformed, =CMD one after a real reading, MTR-NEW has nothing.
    let (from, to) = (utc("2026-01-15T16:30:00Z"), utc("2026-01-15T16:45:00Z"));
    run_ok(db.cli(), "QuarterHourlyDataChange", &["--at", "2026-01-15T16:45:00Z"]);
    let estimates = seed.expected_estimates(from, to);
    let by_meter: Vec<(&str, Kwh)> = estimates.iter().map(|r| (r.meter.as_str(), r.kwh)).collect();
    assert_eq!(
        by_meter,
        vec![
            ("MTR-A", Kwh::Num(0.125)),
            ("MTR-B", Kwh::Num(0.25)),
            ("=CMD", Kwh::Num(2.625)),
            ("MTR-NEW", Kwh::Num(0.0))
        ],
        "the seed no longer covers the cases this test is about"
    );
    let mut want = before.clone();
    want.extend(estimates.iter().map(Reading::doc));
    assert_eq!(readings(&db).await, canonical(&want), "readings after one window");
    let runs = history(&db, Some("QuarterHourlyDataChange"));
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].status.as_str(), runs[0].written), ("succeeded", Some(estimates.len() as i64)));
    assert_eq!(runs[0].malformed, Some(1), "the meter with a numeric id is counted");

    // The whole hour, 16:30 included again: each interval gets exactly its own estimates once.
    let (from, to) = (utc("2026-01-15T16:00:00Z"), utc("2026-01-15T17:00:00Z"));
    run_ok(db.cli(), "QuarterHourlyDataChange", &["--from", "2026-01-15T16:00:00Z", "--to", "2026-01-15T17:00:00Z"]);
    let mut want = before;
    want.extend(seed.expected_estimates(from, to).iter().map(Reading::doc));
    assert_eq!(readings(&db).await, canonical(&want), "readings after the hour");
    let n = db
        .db
        .collection::<mongodb::bson::Document>("readings")
        .count_documents(doc! { "meterId": { "$in": ["MTR-C", "+SUM"] }, "estimated": true })
        .await
        .expect("count estimates of inactive meters");
    assert_eq!(n, 0, "inactive meters got estimates");
}

/// Runs `process` for `[from, to)` and checks `collection` holds exactly one row per meter and
/// window with the usage computed from the seed.
async fn check_rollup(process: &str, collection: &str, minutes: i64, from: &str, to: &str) {
    let db = TestDb::new().await;
    let seed = Seed::standard(date(DAY));
    seed.insert(&db).await;
    run_ok(db.cli(), process, &["--from", from, "--to", to]);

    let (from, to) = (utc(from), utc(to));
    let rows = db.dump(collection, doc! { "periodStart": 1, "meterId": 1 }).await;
    let step = TimeDelta::minutes(minutes);
    let mut start = from;
    let mut seen = 0;
    let meters: std::collections::BTreeSet<String> =
        rows.iter().filter_map(|d| d.get_str("meterId").ok().map(str::to_owned)).collect();
    assert!(meters.len() >= 4, "the seed should give several meters in these windows: {meters:?}");
    let runs = history(&db, Some(process));
    assert_eq!(runs.len() as i64, (to - from).num_minutes() / minutes, "{process}: one ledger entry per window");
    while start < to {
        let key = Bson::DateTime(start.into());
        let window_rows: Vec<_> = rows.iter().filter(|d| d.get("periodStart") == Some(&key)).cloned().collect();
        seen += window_rows.len();
        let want = seed.usage(start, start + step);
        assert_eq!(usage_rows(&window_rows, "periodStart", &key), want, "{collection} for the window starting {start}");
        let entry = runs.iter().find(|e| e.start() == start).unwrap_or_else(|| panic!("no ledger entry for {start}"));
        assert_eq!(entry.status, "succeeded");
        assert_eq!(
            entry.malformed,
            Some(seed.malformed(start, start + step)),
            "malformed readings counted for {start}"
        );
        start += step;
    }
    assert_eq!(seen, rows.len(), "{collection} has rows outside the windows run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_hourly_rolls_each_window_up_per_meter() {
    check_rollup("HalfHourlyDataChange", "halfhourly_usage", 30, "2026-01-15T16:00:00Z", "2026-01-15T18:00:00Z").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hourly_rolls_each_window_up_per_meter() {
    check_rollup("HourlyDataChange", "hourly_usage", 60, "2026-01-15T16:00:00Z", "2026-01-15T18:00:00Z").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nightly_rolls_up_the_previous_day_and_applies_retention_from_the_window() {
    let db = TestDb::new().await;
    let seed = Seed::standard(date(DAY));
    seed.insert(&db).await;

    // Scheduled at 02:00 on the 16th: the window is the 15th; with 2 days of retention the
    // cutoff is the window's end minus 2 days = the 14th at 00:00 (not the wall clock).
    let out = db
        .cli()
        .env("RETENTION_DAYS", "2")
        .env("SCHEDULED_TIME", "2026-01-16T02:00:00Z")
        .args(["run", "--process", "NightlyDataChange"])
        .run()
        .success();
    let (start, end) = (midnight(date(DAY)), midnight(date(DAY)) + TimeDelta::days(1));
    let want: std::collections::BTreeMap<String, Usage> = seed.usage(start, end);
    let rows = db.dump("daily_usage", doc! { "meterId": 1 }).await;
    assert_eq!(usage_rows(&rows, "date", &Bson::String(DAY.into())), want, "daily_usage\n{}", out.stdout);

    let cutoff = end - TimeDelta::days(2);
    let kept: Vec<_> = seed.readings.iter().filter(|r| r.start >= cutoff).map(Reading::doc).collect();
    let removed = seed.readings.len() - kept.len();
    assert!(removed > 0 && !kept.is_empty(), "the seed should have readings on both sides of the cutoff");
    assert_eq!(readings(&db).await, canonical(&kept), "readings before {cutoff} removed, the others kept");
    let runs = history(&db, Some("NightlyDataChange"));
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].start(), runs[0].end()), (start, end));
    assert_eq!((runs[0].status.as_str(), runs[0].deleted), ("succeeded", Some(removed as i64)));
    assert_eq!(runs[0].malformed, Some(seed.malformed(start, end)));
    assert_eq!(count_docs(&db, "hourly_usage").await, 0);
}
