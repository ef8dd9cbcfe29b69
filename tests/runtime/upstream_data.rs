//! Data and histories the way real deployments have them, on a database prepared the way an
//! upstream team prepares it (`support::upstream`: their own default-named indexes, `kwh` as
//! int32, int64, double and Decimal128, the fall-back day in America/New_York): readings removed
//! by retention and then reprocessed, every BSON numeric type in every job, readings off the
//! 15-minute grid, readings that move between meters after a rollup.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use mongodb::bson::{Bson, Decimal128, Document, doc};

use crate::support::fixtures::{
    Kwh, Reading, Seed, Usage, canonical, date, error_lines, history, readings, run_ok, usage_rows, utc,
};
use crate::support::upstream::{self, DAY, expected_csv, local_day, local_midnight};
use crate::support::{Cli, Output, TestDb};

/// The UTC day of the test that feeds every shape of reading.
const SHAPES_DAY: &str = "2026-01-15";
/// FileGeneration and NightlyDataChange for the fall-back day run the next local night.
const FILE_AT: &str = "2026-11-02T02:30";
const NIGHTLY_AT: &str = "2026-11-02T02:00";
/// The two local hours 01:00-02:00 of the fall-back day: EDT, then EST.
const TWICE_ONE_AM: (&str, &str) = ("2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z");
/// The second of them, 01:00-02:00 EST.
const ONE_AM_EST: &str = "2026-11-01T06:00:00Z";
const RETENTION_WARNING: &str = "RETENTION_DAYS is shorter than the catch-up horizon";

fn dec(s: &str) -> Bson {
    Bson::Decimal128(s.parse::<Decimal128>().unwrap_or_else(|e| panic!("decimal {s}: {e:?}")))
}

fn reading(meter: &str, t: DateTime<Utc>, kwh: Bson) -> Document {
    doc! { "meterId": meter, "intervalStart": t, "kwh": kwh }
}

async fn insert(db: &TestDb, collection: &str, docs: Vec<Document>) {
    db.db.collection::<Document>(collection).insert_many(docs).await.expect("insert upstream documents");
}

/// `cli` writing its files under `root`.
fn to_dir(cli: Cli, root: &Path) -> Cli {
    cli.env("OUTPUT_URL", format!("file://{}", root.display()))
}

fn read(root: &Path, name: &str) -> Vec<u8> {
    std::fs::read(root.join("daily-usage").join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

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

/// Checks `collection` holds, for each `step`-long window of `[from, to)`, exactly the seed's
/// usage as doubles, summed from readings of all four numeric types, and that `process` counted
/// each window's malformed readings.
async fn check_windows(
    db: &TestDb,
    seed: &Seed,
    (process, collection, step): (&str, &str, TimeDelta),
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) {
    let rows = db.dump(collection, doc! { "periodStart": 1, "meterId": 1 }).await;
    let runs = history(db, Some(process));
    assert_eq!(runs.len() as i64, (to - from).num_minutes() / step.num_minutes(), "{process}: {runs:?}");
    let mut start = from;
    while start < to {
        let key = Bson::DateTime(start.into());
        let window: Vec<Document> = rows.iter().filter(|d| d.get("periodStart") == Some(&key)).cloned().collect();
        for r in &window {
            assert!(matches!(r.get("kwh"), Some(Bson::Double(_))), "{collection} stores doubles: {r}");
        }
        assert_eq!(usage_rows(&window, "periodStart", &key), seed.usage(start, start + step), "{collection} {start}");
        let types = upstream::numeric_types(seed, start, start + step);
        assert_eq!(types.len(), 4, "every numeric type in the {collection} window {start}: {types:?}");
        let entry = runs.iter().find(|e| e.start() == start).unwrap_or_else(|| panic!("no {process} entry {start}"));
        assert_eq!(entry.malformed, Some(seed.malformed(start, start + step)), "{process} {start}");
        start += step;
    }
}

/// A rollup's rows as `(meter, kwh, intervals, estimated)` for `meters`.
fn rows_of(usage: &BTreeMap<String, Usage>, meters: &[&str]) -> Vec<(String, f64, i64, i64)> {
    usage
        .iter()
        .filter(|(m, _)| meters.contains(&m.as_str()))
        .map(|(m, u)| (m.clone(), u.kwh, u.intervals, u.estimated))
        .collect()
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
    run_ok(to_dir(cli(), &root), "FileGeneration", &["--at", FILE_AT]);
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
    let out = to_dir(cli(), &root).args(["run", "--process", "FileGeneration", "--at", FILE_AT]).run().expect_code(1);
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
    let removed: Vec<Document> = seed.readings.iter().filter(|r| r.start < cutoff).map(Reading::doc).collect();
    insert(&db, "readings", removed).await;
    run_ok(to_dir(cli(), &root), "FileGeneration", &["--at", FILE_AT, "--ignore-retention"]);
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
    assert_eq!(rows_of(&got, &["MTR-FULL"]).first().map(|r| r.2), Some(100), "{got:?}");

    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    run_ok(to_dir(upstream::cli(&db), &root), "FileGeneration", &["--at", FILE_AT]);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bson_numeric_type_is_summed_as_a_number_by_every_job_and_totals_are_doubles() {
    let db = TestDb::new().await;
    let mut seed = upstream::prepare(&db).await;
    let cli = || upstream::cli(&db);
    // Two more meters in 01:00-02:00 EST.
    let t = |m: i64| utc(ONE_AM_EST) + TimeDelta::minutes(m);
    let mut extra = Seed { meters: vec![("MTR-MIX".into(), true), ("MTR-DEC".into(), true)], readings: Vec::new() };
    extra.push("MTR-MIX", t(0), Kwh::Num(0.5), None);
    extra.push("MTR-MIX", t(15), Kwh::Int32(1), None);
    extra.push("MTR-MIX", t(30), Kwh::Int64(2), None);
    extra.push("MTR-MIX", t(45), Kwh::Decimal(0.25), None);
    extra.push("MTR-DEC", t(0), Kwh::Decimal(1.5), None);
    // 01:15 is missing: its estimate is the Decimal128 1.5 before it.
    extra.push("MTR-DEC", t(30), Kwh::Decimal(f64::NAN), None);
    extra.push("MTR-DEC", t(45), Kwh::Decimal(1e10), None);
    extra.insert(&db).await;
    seed.meters.extend(extra.meters);
    seed.readings.extend(extra.readings);

    let (from, to) = (utc(TWICE_ONE_AM.0), utc(TWICE_ONE_AM.1));
    let twice_one_am = ["--from", TWICE_ONE_AM.0, "--to", TWICE_ONE_AM.1];
    run_ok(cli(), "QuarterHourlyDataChange", &twice_one_am);
    let estimate = db
        .db
        .collection::<Document>("readings")
        .find_one(doc! { "meterId": "MTR-DEC", "intervalStart": t(15) })
        .await
        .expect("read")
        .expect("an estimate for MTR-DEC at 01:15 EST");
    assert_eq!(estimate.get("kwh"), Some(&Bson::Double(1.5)), "estimated from the Decimal128 reading: {estimate}");
    assert_eq!(estimate.get_bool("estimated"), Ok(true));
    let estimates = seed.expected_estimates(from, to);
    let mut want: Vec<Document> = seed.readings.iter().map(Reading::doc).collect();
    want.extend(estimates.iter().map(Reading::doc));
    assert_eq!(readings(&db).await, canonical(&want), "estimates (doubles) from readings of every numeric type");
    seed.readings.extend(estimates);

    run_ok(cli(), "HalfHourlyDataChange", &twice_one_am);
    run_ok(cli(), "HourlyDataChange", &twice_one_am);
    check_windows(&db, &seed, ("HalfHourlyDataChange", "halfhourly_usage", TimeDelta::minutes(30)), (from, to)).await;
    check_windows(&db, &seed, ("HourlyDataChange", "hourly_usage", TimeDelta::hours(1)), (from, to)).await;
    let hourly = db.dump("hourly_usage", doc! { "meterId": 1 }).await;
    let est = Bson::DateTime(t(0).into());
    let est_rows: Vec<Document> = hourly.into_iter().filter(|r| r.get("periodStart") == Some(&est)).collect();
    assert_eq!(
        rows_of(&usage_rows(&est_rows, "periodStart", &est), &["MTR-DEC", "MTR-MIX"]),
        vec![("MTR-DEC".into(), 3.0, 2, 1), ("MTR-MIX".into(), 3.75, 4, 0)],
        "01:00 EST"
    );
    let dec_malformed = seed.in_range(t(0), t(60)).filter(|r| r.meter == "MTR-DEC" && r.usable_kwh().is_none());
    assert_eq!(dec_malformed.count(), 2, "the Decimal128 NaN and 1E+10 are malformed (counted by check_windows)");

    run_ok(cli(), "NightlyDataChange", &["--at", NIGHTLY_AT]);
    let (start, end) = local_day(DAY);
    let daily = db.dump("daily_usage", doc! { "meterId": 1 }).await;
    for r in &daily {
        assert!(matches!(r.get("kwh"), Some(Bson::Double(_))), "daily_usage stores doubles: {r}");
    }
    assert_eq!(usage_rows(&daily, "date", &Bson::String(DAY.into())), seed.usage(start, end), "daily_usage");
    assert_eq!(upstream::numeric_types(&seed, start, end).len(), 4);
    let runs = history(&db, Some("NightlyDataChange"));
    assert_eq!(runs[0].malformed, Some(seed.malformed(start, end)), "{runs:?}");

    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    run_ok(to_dir(cli(), &root), "FileGeneration", &["--at", FILE_AT]);
    let csv = String::from_utf8(read(&root, &format!("{DAY}.csv"))).expect("UTF-8");
    assert_eq!(csv, expected_csv(DAY, &seed.usage(start, end)));
    // MTR-DEC: 1.5 + its estimate 1.5 at 01:15 EST, and four estimates of 0 in 01:00 EDT, before its first reading.
    assert!(csv.contains("MTR-DEC,2026-11-01,3.000,6,5\r\nMTR-FULL,2026-11-01,"), "{csv}");
    let runs = history(&db, Some("FileGeneration"));
    assert_eq!(runs[0].malformed, Some(seed.malformed(start, end)), "{runs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reading_off_the_15_minute_grid_is_malformed_never_summed_and_never_the_basis_of_an_estimate() {
    let db = TestDb::new().await;
    let mut seed = upstream::prepare(&db).await;
    // A meter of its own in 01:00-02:00 EST (the second 01:00 of the day), every numeric type.
    let t = |m: i64| utc(ONE_AM_EST) + TimeDelta::minutes(m);
    let mut grid = Seed { meters: vec![("MTR-GRID".into(), true)], readings: Vec::new() };
    grid.push("MTR-GRID", t(0), Kwh::Int32(1), None);
    grid.push("MTR-GRID", t(7), Kwh::Num(5.0), None);
    // 01:15 is missing.
    grid.push("MTR-GRID", t(30), Kwh::Decimal(1.0), None);
    grid.push("MTR-GRID", t(45), Kwh::Int64(1), None);
    grid.push("MTR-GRID", t(45) + TimeDelta::milliseconds(500), Kwh::Decimal(5.0), None);
    grid.insert(&db).await;
    seed.meters.extend(grid.meters);
    seed.readings.extend(grid.readings);

    let (from, to) = (t(0), t(60));
    run_ok(upstream::cli(&db), "QuarterHourlyDataChange", &["--from", ONE_AM_EST, "--to", "2026-11-01T07:00:00Z"]);
    run_ok(upstream::cli(&db), "HourlyDataChange", &["--at", "2026-11-01T07:00:00Z"]);
    let estimates = seed.expected_estimates(from, to);
    let of_grid: Vec<_> = estimates.iter().filter(|r| r.meter == "MTR-GRID").map(|r| (r.start, r.kwh)).collect();
    assert_eq!(of_grid, vec![(t(15), Kwh::Num(1.0))], "one estimate, for 01:15, from 01:00 (not the 01:07 reading)");
    let mut want: Vec<Document> = seed.readings.iter().map(Reading::doc).collect();
    want.extend(estimates.iter().map(Reading::doc));
    assert_eq!(readings(&db).await, canonical(&want), "estimates exactly where no reading is on the grid");
    let quarter = history(&db, Some("QuarterHourlyDataChange"));
    assert_eq!(quarter.iter().filter_map(|e| e.written).sum::<i64>(), estimates.len() as i64, "{quarter:?}");
    seed.readings.extend(estimates);

    let rows = db.dump("hourly_usage", doc! { "meterId": 1 }).await;
    let got = usage_rows(&rows, "periodStart", &Bson::DateTime(from.into()));
    assert_eq!(got, seed.usage(from, to), "the hour's rollup without the off-grid readings");
    assert_eq!(
        rows_of(&got, &["MTR-GRID"]),
        vec![("MTR-GRID".into(), 4.0, 4, 1)],
        "four intervals in an hour; the 01:15 estimate comes from 01:00"
    );
    let off_grid = seed.in_range(from, to).filter(|r| r.meter == "MTR-GRID" && r.usable_kwh().is_none()).count();
    assert_eq!(off_grid, 2);
    let runs = history(&db, Some("HourlyDataChange"));
    assert_eq!(runs[0].malformed, Some(seed.malformed(from, to)), "both off-grid readings are counted: {runs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_readings_moved_to_another_meter_leaves_exactly_the_current_rollup() {
    let db = TestDb::new().await;
    let mut seed = upstream::prepare(&db).await;
    // 01:00-02:00 EST, the second 01:00 of the fall-back day.
    let (from, to) = (utc(ONE_AM_EST), utc("2026-11-01T07:00:00Z"));
    let hourly = || run_ok(upstream::cli(&db), "HourlyDataChange", &["--at", "2026-11-01T07:00:00Z"]);
    hourly();
    let period = Bson::DateTime(from.into());
    let first = usage_rows(&db.dump("hourly_usage", doc! { "meterId": 1 }).await, "periodStart", &period);
    assert_eq!(first, seed.usage(from, to));
    assert!(first.contains_key("MTR-B"), "{first:?}");

    // Upstream corrects the hour: MTR-B's readings belonged to a new meter all along.
    let moved = db
        .db
        .collection::<Document>("readings")
        .update_many(
            doc! { "meterId": "MTR-B", "intervalStart": { "$gte": from, "$lt": to } },
            doc! { "$set": { "meterId": "MTR-B2" } },
        )
        .await
        .expect("move readings");
    assert!(moved.modified_count > 0);
    for r in seed.readings.iter_mut().filter(|r| r.meter == "MTR-B" && from <= r.start && r.start < to) {
        r.meter = "MTR-B2".into();
    }
    hourly();

    let rows = db.dump("hourly_usage", doc! { "meterId": 1 }).await;
    let got = usage_rows(&rows, "periodStart", &period);
    let mut want = first.clone();
    let b = want.remove("MTR-B").expect("MTR-B row");
    want.insert("MTR-B2".into(), b);
    assert_eq!(got, want, "exactly the aggregation of the hour's current readings");
    assert_eq!(got, seed.usage(from, to));
    let runs = history(&db, Some("HourlyDataChange"));
    let entry = &runs[0];
    let read: i64 = got.values().map(|u| u.intervals).sum();
    assert_eq!(entry.written, Some(got.len() as i64), "rows written by this run: {entry:?}");
    assert_eq!(entry.deleted, Some(1), "the stale MTR-B row was removed: {entry:?}");
    assert_eq!(entry.read, Some(read), "readings this run summed: {entry:?}");
    assert_eq!(entry.malformed, Some(seed.malformed(from, to)), "{entry:?}");
    for r in &rows {
        assert_eq!(r.get_str("runId").ok(), entry.run_id.as_deref(), "each row names the run that wrote it: {r}");
    }
}

/// FileGeneration judges readings on the client in one pass; every other job asks the server
/// (`valid_reading`). Fed every shape upstream data takes, both must skip the same readings and
/// sum the same ones: the CSV equals NightlyDataChange's server-side rollup of the same day, and
/// both count as malformed exactly what the server's own filter rejects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_pass_file_and_the_server_side_rollup_agree_on_every_shape_of_reading() {
    let db = TestDb::new().await;
    let t = |hm: &str| utc(&format!("{SHAPES_DAY}T{hm}:00Z"));
    let mut docs = Vec::new();
    let shapes: Vec<(&str, Bson)> = vec![
        ("double", Bson::Double(0.123)),
        ("int32", Bson::Int32(2)),
        ("int64", Bson::Int64(3)),
        ("decimal", dec("0.0625")),
        ("decimal-exp", dec("1.5E+2")),
        ("negative", Bson::Double(-0.5)),
        ("at-limit", Bson::Double(1e9)),
        ("over-limit", Bson::Double(1.5e9)),
        ("nan", Bson::Double(f64::NAN)),
        ("infinite", Bson::Double(f64::INFINITY)),
        ("decimal-nan", dec("NaN")),
        ("decimal-inf", dec("-Infinity")),
        ("text", Bson::String("1.0".into())),
        ("null", Bson::Null),
        ("bool", Bson::Boolean(true)),
        ("array", Bson::Array(vec![Bson::Double(1.0)])),
    ];
    for (i, (meter, kwh)) in shapes.iter().enumerate() {
        for (j, hm) in ["00:00", "06:15", "20:00"].iter().enumerate() {
            let mut d = reading(&format!("MTR-{meter}"), t(hm) + TimeDelta::minutes(15 * i as i64), kwh.clone());
            if j == 1 {
                d.insert("estimated", true);
            }
            docs.push(d);
        }
    }
    docs.extend([
        doc! { "meterId": "MTR-flag", "intervalStart": t("01:00"), "kwh": 1.0, "estimated": 1 },
        doc! { "meterId": "MTR-flag", "intervalStart": t("01:15"), "kwh": 1.0, "estimated": "true" },
        doc! { "meterId": "MTR-flag", "intervalStart": t("01:30"), "kwh": 1.0, "estimated": false },
        doc! { "meterId": "", "intervalStart": t("02:00"), "kwh": 1.0 },
        doc! { "meterId": 42, "intervalStart": t("02:00"), "kwh": 1.0 },
        doc! { "meterId": ["MTR-arr"], "intervalStart": t("02:00"), "kwh": 1.0 },
        doc! { "intervalStart": t("02:15"), "kwh": 1.0 },
        doc! { "meterId": "MTR-nokwh", "intervalStart": t("02:15") },
        doc! { "meterId": "MTR-grid", "intervalStart": t("03:07"), "kwh": 1.0 },
        doc! { "meterId": "MTR-grid", "intervalStart": t("03:15") + TimeDelta::milliseconds(1), "kwh": 1.0 },
        doc! { "meterId": "MTR-grid", "intervalStart": t("03:30"), "kwh": 1.0 },
        doc! { "meterId": "MTR-extra", "intervalStart": t("04:00"), "kwh": 1.0, "note": "upstream field", "q": [1, 2] },
        // The neighbouring days are not part of the window.
        doc! { "meterId": "MTR-double", "intervalStart": t("00:00") - TimeDelta::minutes(15), "kwh": 100.0 },
        doc! { "meterId": "MTR-double", "intervalStart": t("00:00") + TimeDelta::days(1), "kwh": 100.0 },
    ]);
    insert(&db, "readings", docs).await;

    run_ok(db.cli(), "NightlyDataChange", &["--at", "2026-01-16T02:00:00Z"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    run_ok(to_dir(db.cli(), &root), "FileGeneration", &["--at", "2026-01-16T02:30:00Z"]);

    let (from, to) = (utc("2026-01-15T00:00:00Z"), utc("2026-01-16T00:00:00Z"));
    let window = doc! { "intervalStart": { "$gte": from, "$lt": to } };
    let rejected = db
        .db
        .collection::<Document>("readings")
        .count_documents(intervalprocessing_jobs::collections::malformed_and(window))
        .await
        .expect("count what the server's filter rejects");
    assert_eq!(rejected, 3 * 9 + 7, "nine kwh shapes, the ids, missing fields and off-grid starts are rejected");
    for process in ["NightlyDataChange", "FileGeneration"] {
        let runs = history(&db, Some(process));
        assert_eq!(runs[0].malformed, Some(rejected as i64), "{process}: {runs:?}");
    }

    let daily =
        usage_rows(&db.dump("daily_usage", doc! { "meterId": 1 }).await, "date", &Bson::String(SHAPES_DAY.into()));
    let mut want = String::from("meter_id,date,kwh,interval_count,estimated_count\r\n");
    for (meter, u) in &daily {
        want.push_str(&format!("{meter},{SHAPES_DAY},{:.3},{},{}\r\n", u.kwh, u.intervals, u.estimated));
    }
    let csv = String::from_utf8(read(&root, "2026-01-15.csv")).expect("UTF-8");
    assert_eq!(csv, want, "the file is the server-side rollup of the same readings");
    assert!(csv.contains("MTR-decimal-exp,2026-01-15,450.000,3,1\r\n"), "{csv}");
    assert!(csv.contains("MTR-flag,2026-01-15,3.000,3,0\r\n"), "only the boolean true is an estimate: {csv}");
    assert!(csv.contains("MTR-at-limit,2026-01-15,3000000000.000,3,1\r\n"), "{csv}");
}
