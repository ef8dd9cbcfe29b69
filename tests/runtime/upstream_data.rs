//! Data and histories the way real deployments have them: readings removed by retention and then
//! reprocessed, every BSON numeric type upstream systems write, readings off the 15-minute grid,
//! readings that move between meters after a rollup.

use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use mongodb::bson::{Bson, Decimal128, Document, doc};

use crate::support::TestDb;
use crate::support::fixtures::{
    Reading, Seed, count, count_docs, date, error_lines, history, num, readings, run_ok, usage_rows, utc,
};

const DAY: &str = "2026-01-15";

fn dec(s: &str) -> Bson {
    Bson::Decimal128(s.parse::<Decimal128>().unwrap_or_else(|e| panic!("decimal {s}: {e:?}")))
}

fn reading(meter: &str, t: DateTime<Utc>, kwh: Bson) -> Document {
    doc! { "meterId": meter, "intervalStart": t, "kwh": kwh }
}

async fn insert(db: &TestDb, collection: &str, docs: Vec<Document>) {
    db.db.collection::<Document>(collection).insert_many(docs).await.expect("insert upstream documents");
}

/// The binary writing its files under `root`.
fn to_dir(db: &TestDb, root: &Path) -> crate::support::Cli {
    db.cli().env("OUTPUT_URL", format!("file://{}", root.display()))
}

fn read(root: &Path, name: &str) -> Vec<u8> {
    std::fs::read(root.join("daily-usage").join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

async fn generated_files(db: &TestDb) -> Vec<Document> {
    db.dump("generated_files", doc! { "date": 1 }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocessing_a_day_whose_readings_retention_removed_is_refused_and_leaves_its_output_untouched() {
    let db = TestDb::new().await;
    let seed = Seed::standard(date(DAY));
    seed.insert(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    let at = "2026-01-16T02:30:00Z";
    run_ok(to_dir(&db, &root), "FileGeneration", &["--at", at]);
    run_ok(db.cli(), "HourlyDataChange", &["--at", "2026-01-15T11:00:00Z"]);
    let (csv, manifest, record) =
        (read(&root, "2026-01-15.csv"), read(&root, "2026-01-15.manifest.json"), generated_files(&db).await);
    let hourly = db.dump("hourly_usage", doc! { "meterId": 1 }).await;
    assert!(csv.len() > 100 && !hourly.is_empty(), "the day has output to protect");

    // The night of the 17th keeps one day (the 16th): the 15th's readings are removed.
    run_ok(db.cli().env("RETENTION_DAYS", "1"), "NightlyDataChange", &["--at", "2026-01-17T02:00:00Z"]);
    let cutoff = db.db.collection::<Document>("retention").find_one(doc! { "_id": "readings" }).await.expect("read");
    let cutoff = cutoff.and_then(|d| d.get_datetime("cutoff").ok().map(|t| t.to_chrono()));
    assert_eq!(cutoff, Some(utc("2026-01-16T00:00:00Z")), "the cutoff is recorded");
    let before = readings(&db).await;

    // Re-running the 15th (a person fixing something, a backfill): refused, nothing replaced.
    let out = to_dir(&db, &root).args(["run", "--process", "FileGeneration", "--at", at]).run().expect_code(1);
    let errors = error_lines(&out.stderr);
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(errors[0].contains("retention cutoff 2026-01-16T00:00:00Z"), "{}", errors[0]);
    assert!(errors[0].contains("--ignore-retention"), "the error says how to override: {}", errors[0]);
    assert_eq!(read(&root, "2026-01-15.csv"), csv, "the good CSV is untouched");
    assert_eq!(read(&root, "2026-01-15.manifest.json"), manifest, "the manifest is untouched");
    assert_eq!(generated_files(&db).await, record, "the generated_files record is untouched");
    let runs = history(&db, Some("FileGeneration"));
    assert_eq!((runs.len(), runs[0].status.as_str(), runs[0].attempts), (1, "failed", 2), "{runs:?}");

    // Every process that reads raw readings refuses it too; rollups and readings stay as they are.
    for (process, at) in [
        ("HourlyDataChange", "2026-01-15T11:00:00Z"),
        ("HalfHourlyDataChange", "2026-01-15T11:00:00Z"),
        ("QuarterHourlyDataChange", "2026-01-15T11:00:00Z"),
        ("NightlyDataChange", "2026-01-16T02:00:00Z"),
    ] {
        let out = db.cli().args(["run", "--process", process, "--at", at]).run().expect_code(1);
        assert!(out.stderr.contains("retention cutoff"), "{process}: {}", out.stderr);
    }
    assert_eq!(db.dump("hourly_usage", doc! { "meterId": 1 }).await, hourly, "hourly_usage untouched");
    assert_eq!(count_docs(&db, "halfhourly_usage").await, 0);
    assert_eq!(readings(&db).await, before, "no estimates written into removed days");
    let cutoff = db.db.collection::<Document>("retention").find_one(doc! { "_id": "readings" }).await.expect("read");
    assert_eq!(
        cutoff.and_then(|d| d.get_datetime("cutoff").ok().map(|t| t.to_chrono())),
        Some(utc("2026-01-16T00:00:00Z")),
        "a refused backfill of an older night never lowers the cutoff"
    );

    // A person who restored the readings says so: the guard is lifted for that run.
    let removed: Vec<Document> =
        seed.readings.iter().filter(|r| r.start < utc("2026-01-16T00:00:00Z")).map(Reading::doc).collect();
    insert(&db, "readings", removed).await;
    run_ok(to_dir(&db, &root), "FileGeneration", &["--at", at, "--ignore-retention"]);
    assert_eq!(read(&root, "2026-01-15.csv"), csv, "the restored readings give the same file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_on_a_fall_back_day_removes_whole_local_days_and_keeps_every_reading_of_the_day() {
    const NY: &str = "America/New_York";
    let db = TestDb::new().await;
    // One meter, every quarter-hour from Oct 30 00:00 EDT to Nov 2 00:00 EST, 0.125 kWh each.
    let (first, end) = (utc("2026-10-30T04:00:00Z"), utc("2026-11-02T05:00:00Z"));
    let mut docs = Vec::new();
    let mut t = first;
    while t < end {
        docs.push(reading("MTR-1", t, Bson::Double(0.125)));
        t += TimeDelta::minutes(15);
    }
    insert(&db, "meters", vec![doc! { "_id": "MTR-1", "active": true }]).await;
    insert(&db, "readings", docs).await;
    let cli = || db.cli().env("SCHEDULE_TIMEZONE", NY);

    // The night after the 25-hour Nov 1st keeps that one day.
    run_ok(cli().env("RETENTION_DAYS", "1"), "NightlyDataChange", &["--at", "2026-11-02T02:00"]);
    let coll = db.db.collection::<Document>("readings");
    let nov1 = (utc("2026-11-01T04:00:00Z"), utc("2026-11-02T05:00:00Z"));
    let kept = coll.count_documents(doc! { "intervalStart": { "$gte": nov1.0 } }).await.expect("count");
    let older = coll.count_documents(doc! { "intervalStart": { "$lt": nov1.0 } }).await.expect("count");
    assert_eq!((kept, older), (100, 0), "whole local days: all 100 readings of Nov 1st kept, every earlier one gone");
    let daily = db.dump("daily_usage", doc! { "date": 1 }).await;
    assert_eq!(daily.len(), 1);
    assert_eq!((num(&daily[0], "kwh"), count(&daily[0], "intervalCount")), (12.5, 100), "{daily:?}");

    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    run_ok(to_dir(&db, &root).env("SCHEDULE_TIMEZONE", NY), "FileGeneration", &["--at", "2026-11-02T02:30"]);
    let csv = String::from_utf8(read(&root, "2026-11-01.csv")).expect("UTF-8");
    assert_eq!(
        csv, "meter_id,date,kwh,interval_count,estimated_count\r\nMTR-1,2026-11-01,12.500,100,0\r\n",
        "the file of the day retention just ran on is whole"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bson_numeric_type_is_summed_as_a_number_by_every_job_and_totals_are_doubles() {
    let db = TestDb::new().await;
    let t = |hm: &str| utc(&format!("{DAY}T{hm}:00Z"));
    insert(&db, "meters", vec![doc! { "_id": "MTR-MIX", "active": true }, doc! { "_id": "MTR-DEC", "active": true }])
        .await;
    insert(
        &db,
        "readings",
        vec![
            reading("MTR-MIX", t("10:00"), Bson::Double(0.5)),
            reading("MTR-MIX", t("10:15"), Bson::Int32(1)),
            reading("MTR-MIX", t("10:30"), Bson::Int64(2)),
            reading("MTR-MIX", t("10:45"), dec("0.25")),
            reading("MTR-DEC", t("10:00"), dec("1.5")),
            // 10:15 is missing: its estimate is the Decimal128 1.5 before it.
            reading("MTR-DEC", t("10:30"), dec("NaN")),
            reading("MTR-DEC", t("10:45"), dec("1E+10")),
        ],
    )
    .await;
    run_ok(db.cli(), "QuarterHourlyDataChange", &["--from", "2026-01-15T10:00:00Z", "--to", "2026-01-15T11:00:00Z"]);
    let estimate = db
        .db
        .collection::<Document>("readings")
        .find_one(doc! { "meterId": "MTR-DEC", "intervalStart": t("10:15") })
        .await
        .expect("read")
        .expect("an estimate for MTR-DEC at 10:15");
    assert_eq!(estimate.get("kwh"), Some(&Bson::Double(1.5)), "estimated from the Decimal128 reading: {estimate}");
    assert_eq!(estimate.get_bool("estimated"), Ok(true));

    run_ok(db.cli(), "HourlyDataChange", &["--at", "2026-01-15T11:00:00Z"]);
    run_ok(db.cli(), "NightlyDataChange", &["--at", "2026-01-16T02:00:00Z"]);
    let period = Bson::DateTime(t("10:00").into());
    for (collection, key_field, key) in
        [("hourly_usage", "periodStart", period), ("daily_usage", "date", Bson::String(DAY.into()))]
    {
        let rows = db.dump(collection, doc! { "meterId": 1 }).await;
        for r in &rows {
            assert!(matches!(r.get("kwh"), Some(Bson::Double(_))), "{collection} stores doubles: {r}");
        }
        let got = usage_rows(&rows, key_field, &key);
        let got: Vec<_> = got.iter().map(|(m, u)| (m.as_str(), u.kwh, u.intervals, u.estimated)).collect();
        assert_eq!(got, vec![("MTR-DEC", 3.0, 2, 1), ("MTR-MIX", 3.75, 4, 0)], "{collection}");
    }
    let runs = history(&db, Some("HourlyDataChange"));
    assert_eq!(runs[0].malformed, Some(2), "the Decimal128 NaN and 1E+10 are malformed: {runs:?}");

    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    run_ok(to_dir(&db, &root), "FileGeneration", &["--at", "2026-01-16T02:30:00Z"]);
    assert_eq!(
        String::from_utf8(read(&root, "2026-01-15.csv")).expect("UTF-8"),
        "meter_id,date,kwh,interval_count,estimated_count\r\nMTR-DEC,2026-01-15,3.000,2,1\r\nMTR-MIX,2026-01-15,3.750,4,0\r\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reading_off_the_15_minute_grid_is_malformed_never_summed_and_never_the_basis_of_an_estimate() {
    let db = TestDb::new().await;
    let t = |hm: &str| utc(&format!("{DAY}T{hm}:00Z"));
    insert(&db, "meters", vec![doc! { "_id": "MTR-1", "active": true }]).await;
    insert(
        &db,
        "readings",
        vec![
            reading("MTR-1", t("10:00"), Bson::Double(1.0)),
            reading("MTR-1", t("10:07"), Bson::Double(5.0)),
            // 10:15 is missing.
            reading("MTR-1", t("10:30"), Bson::Double(1.0)),
            reading("MTR-1", t("10:45"), Bson::Double(1.0)),
            reading("MTR-1", t("10:45") + TimeDelta::milliseconds(500), Bson::Double(5.0)),
        ],
    )
    .await;
    run_ok(db.cli(), "QuarterHourlyDataChange", &["--from", "2026-01-15T10:00:00Z", "--to", "2026-01-15T11:00:00Z"]);
    run_ok(db.cli(), "HourlyDataChange", &["--at", "2026-01-15T11:00:00Z"]);
    let rows = db.dump("hourly_usage", doc! { "meterId": 1 }).await;
    let got = usage_rows(&rows, "periodStart", &Bson::DateTime(t("10:00").into()));
    let got: Vec<_> = got.iter().map(|(m, u)| (m.as_str(), u.kwh, u.intervals, u.estimated)).collect();
    assert_eq!(got, vec![("MTR-1", 4.0, 4, 1)], "four intervals in an hour; the 10:15 estimate comes from 10:00");
    let runs = history(&db, Some("HourlyDataChange"));
    assert_eq!(runs[0].malformed, Some(2), "both off-grid readings are counted: {runs:?}");
    let quarter = history(&db, Some("QuarterHourlyDataChange"));
    assert_eq!(quarter.iter().filter_map(|e| e.written).sum::<i64>(), 1, "one estimate, for 10:15: {quarter:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_after_readings_moved_to_another_meter_leaves_exactly_the_current_rollup() {
    let db = TestDb::new().await;
    let seed = Seed::standard(date(DAY));
    seed.insert(&db).await;
    let (from, to) = (utc("2026-01-15T10:00:00Z"), utc("2026-01-15T11:00:00Z"));
    run_ok(db.cli(), "HourlyDataChange", &["--at", "2026-01-15T11:00:00Z"]);
    let period = Bson::DateTime(from.into());
    let first = usage_rows(&db.dump("hourly_usage", doc! { "meterId": 1 }).await, "periodStart", &period);
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
    run_ok(db.cli(), "HourlyDataChange", &["--at", "2026-01-15T11:00:00Z"]);

    let rows = db.dump("hourly_usage", doc! { "meterId": 1 }).await;
    let got = usage_rows(&rows, "periodStart", &period);
    let mut want = first.clone();
    let b = want.remove("MTR-B").expect("MTR-B row");
    want.insert("MTR-B2".into(), b);
    assert_eq!(got, want, "exactly the aggregation of the hour's current readings");
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
    let t = |hm: &str| utc(&format!("{DAY}T{hm}:00Z"));
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
    run_ok(to_dir(&db, &root), "FileGeneration", &["--at", "2026-01-16T02:30:00Z"]);

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

    let daily = usage_rows(&db.dump("daily_usage", doc! { "meterId": 1 }).await, "date", &Bson::String(DAY.into()));
    let mut want = String::from("meter_id,date,kwh,interval_count,estimated_count\r\n");
    for (meter, u) in &daily {
        want.push_str(&format!("{meter},{DAY},{:.3},{},{}\r\n", u.kwh, u.intervals, u.estimated));
    }
    let csv = String::from_utf8(read(&root, "2026-01-15.csv")).expect("UTF-8");
    assert_eq!(csv, want, "the file is the server-side rollup of the same readings");
    assert!(csv.contains("MTR-decimal-exp,2026-01-15,450.000,3,1\r\n"), "{csv}");
    assert!(csv.contains("MTR-flag,2026-01-15,3.000,3,0\r\n"), "only the boolean true is an estimate: {csv}");
    assert!(csv.contains("MTR-at-limit,2026-01-15,3000000000.000,3,1\r\n"), "{csv}");
}
