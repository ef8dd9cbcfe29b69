//! Data the way real deployments have it, on a database prepared the way an upstream team
//! prepares it (`support::upstream`: their own default-named indexes, `kwh` as int32, int64,
//! double and Decimal128, the fall-back day in America/New_York): every BSON numeric type in every
//! job, readings off the 15-minute grid, readings that move between meters after a rollup, every
//! shape of reading judged alike by the one-pass file and the server-side rollup.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use mongodb::bson::{Bson, Decimal128, Document, doc};

use crate::support::TestDb;
use crate::support::fixtures::{
    Kwh, Reading, Seed, Usage, canonical, daily_file as read, history, readings, run_ok, usage_rows, utc,
};
use crate::support::upstream::{self, DAY, FILE_AT, NIGHTLY_AT, ONE_AM_EST, TWICE_ONE_AM, expected_csv, local_day};

/// The UTC day of the test that feeds every shape of reading.
const SHAPES_DAY: &str = "2026-01-15";

fn dec(s: &str) -> Bson {
    Bson::Decimal128(s.parse::<Decimal128>().unwrap_or_else(|e| panic!("decimal {s}: {e:?}")))
}

fn reading(meter: &str, t: DateTime<Utc>, kwh: Bson) -> Document {
    doc! { "meterId": meter, "intervalStart": t, "kwh": kwh }
}

async fn insert(db: &TestDb, collection: &str, docs: Vec<Document>) {
    db.db.collection::<Document>(collection).insert_many(docs).await.expect("insert upstream documents");
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
    run_ok(cli().output_dir(&root), "FileGeneration", &["--at", FILE_AT]);
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
    run_ok(db.cli().output_dir(&root), "FileGeneration", &["--at", "2026-01-16T02:30:00Z"]);

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
