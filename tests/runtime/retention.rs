//! Retention of raw readings on a database an upstream team prepared (`support::upstream`: their
//! default-named indexes, `kwh` in every numeric type, the fall-back day in America/New_York):
//! whole local days removed, the newest cutoff kept, reprocessing of a removed day refused
//! without touching its output, and a `RETENTION_DAYS` shorter than catch-up warned about.

use chrono::{DateTime, TimeDelta, Utc};
use mongodb::bson::{Bson, Document, doc};

use crate::support::fixtures::{
    Reading, Seed, canonical, daily_file as read, date, error_lines, history, readings, run_ok, usage_rows, utc,
};
use crate::support::upstream::{self, DAY, FILE_AT, NIGHTLY_AT, TWICE_ONE_AM, expected_csv, local_day, local_midnight};
use crate::support::{Output, TestDb};

const RETENTION_WARNING: &str = "RETENTION_DAYS is shorter than the catch-up horizon";

async fn generated_files(db: &TestDb) -> Vec<Document> {
    db.dump("generated_files", doc! { "date": 1 }).await
}

/// The retention record of raw readings: the cutoff and the window of the run that applied it last.
async fn retention(db: &TestDb) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let d = db.db.collection::<Document>("retention").find_one(doc! { "_id": "readings" }).await.expect("read");
    d.map(|d| {
        let t = |k: &str| d.get_datetime(k).unwrap_or_else(|e| panic!("{k} of {d}: {e}")).to_chrono();
        (t("cutoff"), t("lastWindowStart"))
    })
}

/// The RETENTION_DAYS warning events of a run.
fn retention_warnings(out: &Output) -> Vec<serde_json::Value> {
    out.log_events("WARN", RETENTION_WARNING)
}

/// Every row of the three rollups, as canonical strings.
async fn rollups(db: &TestDb) -> Vec<String> {
    let mut all = Vec::new();
    for (coll, sort) in [
        ("halfhourly_usage", doc! { "periodStart": 1, "meterId": 1 }),
        ("hourly_usage", doc! { "periodStart": 1, "meterId": 1 }),
        ("daily_usage", doc! { "date": 1, "meterId": 1 }),
    ] {
        let rows = db.dump(coll, sort).await;
        assert!(!rows.is_empty(), "{coll} has no rows to protect");
        all.extend(canonical(&rows).into_iter().map(|r| format!("{coll} {r}")));
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocessing_a_fall_back_day_whose_readings_retention_removed_is_refused_and_leaves_its_output_untouched() {
    let db = TestDb::new().await;
    let seed = upstream::prepare(&db).await;
    let (day_start, day_end) = local_day(DAY);
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    let cli = || upstream::cli(&db);
    let csv_name = format!("{DAY}.csv");
    let manifest_name = format!("{DAY}.manifest.json");
    let twice_one_am = ["--from", TWICE_ONE_AM.0, "--to", TWICE_ONE_AM.1];

    // The fall-back day's output: its file, the rollups of its two 01:00 hours, its daily rows.
    run_ok(cli().output_dir(&root), "FileGeneration", &["--at", FILE_AT]);
    run_ok(cli(), "HourlyDataChange", &twice_one_am);
    run_ok(cli(), "HalfHourlyDataChange", &twice_one_am);
    run_ok(cli(), "NightlyDataChange", &["--at", NIGHTLY_AT]);
    let (csv, manifest, record) = (read(&root, &csv_name), read(&root, &manifest_name), generated_files(&db).await);
    assert_eq!(
        String::from_utf8_lossy(&csv),
        expected_csv(DAY, &seed.usage(day_start, day_end)),
        "the day's file to protect is right"
    );

    // The night of Nov 3 keeps one local day (Nov 2): Nov 1's readings are removed. A retention
    // that short is warned about: catch-up (4 windows) reaches 5 days back.
    let out = run_ok(cli().env("RETENTION_DAYS", "1"), "NightlyDataChange", &["--at", "2026-11-03T02:00"]);
    let warnings = retention_warnings(&out);
    assert_eq!(warnings.len(), 1, "one RETENTION_DAYS warning at the start\n{}", out.stderr);
    assert_eq!(
        (&warnings[0]["retention_days"], &warnings[0]["needed_days"]),
        (&serde_json::json!(1), &serde_json::json!(5)),
        "{warnings:?}"
    );
    let cutoff = local_midnight(date("2026-11-02"));
    assert_eq!(cutoff, utc("2026-11-02T05:00:00Z"));
    assert_eq!(retention(&db).await.map(|r| r.0), Some(cutoff), "the cutoff is recorded");
    let (before, output) = (readings(&db).await, rollups(&db).await);
    let kept: Vec<Document> = seed.readings.iter().filter(|r| r.start >= cutoff).map(Reading::doc).collect();
    assert_eq!(before, canonical(&kept), "the local days before Nov 2 removed, Nov 2 kept");

    // Re-running Nov 1 (a person fixing something, a backfill): refused, nothing replaced.
    let out =
        cli().output_dir(&root).args(["run", "--process", "FileGeneration", "--at", FILE_AT]).run().expect_code(1);
    let errors = error_lines(&out.stderr);
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(errors[0].contains("retention cutoff 2026-11-02T05:00:00Z"), "{}", errors[0]);
    assert!(errors[0].contains("--ignore-retention"), "the error says how to override: {}", errors[0]);
    assert_eq!(read(&root, &csv_name), csv, "the good CSV is untouched");
    assert_eq!(read(&root, &manifest_name), manifest, "the manifest is untouched");
    assert_eq!(generated_files(&db).await, record, "the generated_files record is untouched");
    let runs = history(&db, Some("FileGeneration"));
    assert_eq!((runs.len(), runs[0].status.as_str(), runs[0].attempts), (1, "failed", 2), "{runs:?}");

    // Every process that reads raw readings refuses it too; rollups and readings stay as they are.
    for (process, at) in [
        ("HourlyDataChange", "2026-11-01T07:00:00Z"),
        ("HalfHourlyDataChange", "2026-11-01T07:00:00Z"),
        ("QuarterHourlyDataChange", "2026-11-01T06:30:00Z"),
        ("NightlyDataChange", NIGHTLY_AT),
    ] {
        let out = cli().args(["run", "--process", process, "--at", at]).run().expect_code(1);
        assert!(out.stderr.contains("retention cutoff"), "{process}: {}", out.stderr);
    }
    assert_eq!(rollups(&db).await, output, "halfhourly_usage, hourly_usage and daily_usage untouched");
    assert_eq!(readings(&db).await, before, "no estimates written into removed days");
    assert_eq!(
        retention(&db).await.map(|r| r.0),
        Some(cutoff),
        "a refused backfill of an older night never lowers the cutoff"
    );

    // A person who restored the readings says so: the guard is lifted for that run.
    let removed = seed.readings.iter().filter(|r| r.start < cutoff).cloned().collect();
    Seed { meters: Vec::new(), readings: removed }.insert(&db).await;
    run_ok(cli().output_dir(&root), "FileGeneration", &["--at", FILE_AT, "--ignore-retention"]);
    assert_eq!(read(&root, &csv_name), csv, "the restored readings give the same file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_on_a_fall_back_day_removes_whole_local_days_and_keeps_every_reading_of_the_day() {
    let db = TestDb::new().await;
    let seed = upstream::prepare(&db).await;
    let (start, end) = local_day(DAY);
    assert_eq!((start, end - start), (utc("2026-11-01T04:00:00Z"), TimeDelta::hours(25)));
    let full = seed.in_range(start, end).filter(|r| r.meter == "MTR-FULL").count();
    assert_eq!(full, 100, "MTR-FULL has a reading in each of the day's 100 quarter-hours");

    // The night after the 25-hour Nov 1st keeps that one day.
    let out = run_ok(upstream::cli(&db).env("RETENTION_DAYS", "1"), "NightlyDataChange", &["--at", NIGHTLY_AT]);
    let kept: Vec<Document> = seed.readings.iter().filter(|r| r.start >= start).map(Reading::doc).collect();
    let removed = seed.readings.len() - kept.len();
    assert!(removed > 0, "the seed has readings before the day");
    assert_eq!(
        readings(&db).await,
        canonical(&kept),
        "whole local days: every reading from Nov 1 00:00 EDT on kept (all 100 quarter-hours), every earlier one gone"
    );
    assert_eq!(retention(&db).await.map(|r| r.0), Some(start), "the cutoff is the local midnight");
    let runs = history(&db, Some("NightlyDataChange"));
    assert_eq!(runs[0].deleted, Some(removed as i64), "{runs:?}");
    assert_eq!(retention_warnings(&out).len(), 1, "RETENTION_DAYS=1 is warned about\n{}", out.stderr);

    let daily = db.dump("daily_usage", doc! { "meterId": 1 }).await;
    let got = usage_rows(&daily, "date", &Bson::String(DAY.into()));
    assert_eq!(got, seed.usage(start, end), "daily_usage of the whole 25-hour day");
    assert_eq!(got.get("MTR-FULL").map(|u| u.intervals), Some(100), "{got:?}");

    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    run_ok(upstream::cli(&db).output_dir(&root), "FileGeneration", &["--at", FILE_AT]);
    let csv = String::from_utf8(read(&root, &format!("{DAY}.csv"))).expect("UTF-8");
    assert_eq!(csv, expected_csv(DAY, &seed.usage(start, end)), "the file of the day retention just ran on is whole");
    assert!(csv.contains(",100,0\r\n"), "MTR-FULL's 100 intervals: {csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recorded_retention_cutoff_never_drops_when_an_earlier_night_runs_later() {
    let db = TestDb::new().await;
    let seed = upstream::prepare(&db).await;
    // Two days kept cover a catch-up of one window (two days back): no warning.
    let cli = || upstream::cli(&db).env("RETENTION_DAYS", "2").env("CATCH_UP_LIMIT", "1");

    // The night of Nov 3 keeps Nov 1 and 2.
    let out = run_ok(cli(), "NightlyDataChange", &["--at", "2026-11-03T02:00"]);
    assert_eq!(retention_warnings(&out), Vec::<serde_json::Value>::new(), "{}", out.stderr);
    let newest = local_midnight(date(DAY));
    assert_eq!(retention(&db).await, Some((newest, local_midnight(date("2026-11-02")))), "cutoff, window");

    // A person re-runs the night of Nov 1 (the window Oct 31), whose own cutoff is Oct 30.
    let out = run_ok(cli(), "NightlyDataChange", &["--at", "2026-11-01T02:00", "--ignore-retention"]);
    assert_eq!(retention_warnings(&out), Vec::<serde_json::Value>::new(), "{}", out.stderr);
    assert_eq!(
        retention(&db).await,
        Some((newest, local_midnight(date("2026-10-31")))),
        "the earlier night recorded its run, and the newer cutoff stayed"
    );
    let kept: Vec<Document> = seed.readings.iter().filter(|r| r.start >= newest).map(Reading::doc).collect();
    assert_eq!(readings(&db).await, canonical(&kept), "nothing after the cutoff removed");
    let runs = history(&db, Some("NightlyDataChange"));
    assert_eq!(runs.iter().map(|e| e.status.as_str()).collect::<Vec<_>>(), ["succeeded", "succeeded"], "{runs:?}");
}
