//! Declared dependencies: HourlyDataChange and HalfHourlyDataChange roll up the estimates that
//! QuarterHourlyDataChange writes for the same quarter-hours at the same tick, so a rollup window
//! waits for those windows (`DEPENDENCY_WAIT`), is skipped (exit 0) when they do not come, is run
//! by the next tick's catch-up, and no longer waits for a window given up for good.

use std::time::Duration;

use mongodb::bson::{Bson, Decimal128, Document, doc};

use crate::support::fixtures::{count, history, num, rollup_rows, utc};
use crate::support::{Cli, TestDb};

/// Two active meters, upstream-style: `kwh` as int32, Decimal128 and double. The hour 09:00-10:00
/// lacks MTR-1's 09:45 and MTR-2's 09:30 and 09:45, which QuarterHourlyDataChange estimates from
/// the latest earlier real reading. 08:45 is complete (its QuarterHourlyDataChange run estimates
/// nothing and starts the ledger).
async fn seed(db: &TestDb) {
    let meters = vec![doc! { "_id": "MTR-1", "active": true }, doc! { "_id": "MTR-2", "active": true }];
    db.db.collection::<Document>("meters").insert_many(meters).await.expect("insert meters");
    let decimal = |s: &str| Bson::Decimal128(s.parse::<Decimal128>().expect("decimal"));
    let reading = |meter: &str, at: &str, kwh: Bson| doc! { "meterId": meter, "intervalStart": utc(at), "kwh": kwh };
    let readings = vec![
        reading("MTR-1", "2026-01-15T08:45:00Z", Bson::Int32(1)),
        reading("MTR-1", "2026-01-15T09:00:00Z", Bson::Int32(2)),
        reading("MTR-1", "2026-01-15T09:15:00Z", decimal("1.5")),
        reading("MTR-1", "2026-01-15T09:30:00Z", Bson::Double(3.0)),
        reading("MTR-2", "2026-01-15T08:45:00Z", Bson::Double(0.5)),
        reading("MTR-2", "2026-01-15T09:00:00Z", decimal("0.25")),
        reading("MTR-2", "2026-01-15T09:15:00Z", Bson::Int32(1)),
    ];
    db.db.collection::<Document>("readings").insert_many(readings).await.expect("insert readings");
    // Upstream's own index on the natural key, under the name mongosh gives it.
    db.db
        .collection::<Document>("readings")
        .create_index(
            mongodb::IndexModel::builder()
                .keys(doc! { "meterId": 1, "intervalStart": 1 })
                .options(mongodb::options::IndexOptions::builder().unique(true).build())
                .build(),
        )
        .await
        .expect("upstream index");
    scheduled(db, "QuarterHourlyDataChange", "2026-01-15T09:00:00Z").run().success();
}

/// The process started by its schedule at `tick`, as ECS starts it.
fn scheduled(db: &TestDb, process: &str, tick: &str) -> Cli {
    db.cli().env("processToRun", process).env("SCHEDULED_TIME", tick)
}

/// MTR-1: 2 + 1.5 + 3 real and one estimate of 3 (its 09:30 reading). MTR-2: 0.25 + 1 real and
/// two estimates of 1 (its 09:15 reading).
fn assert_hour_includes_the_estimates(rows: &[Document], ctx: &str) {
    let by_meter = |m: &str| {
        rows.iter().find(|r| r.get_str("meterId") == Ok(m)).unwrap_or_else(|| panic!("{ctx}: no row for {m}: {rows:?}"))
    };
    let (one, two) = (by_meter("MTR-1"), by_meter("MTR-2"));
    assert_eq!((num(one, "kwh"), count(one, "intervalCount"), count(one, "estimatedCount")), (9.5, 4, 1), "{ctx}");
    assert_eq!((num(two, "kwh"), count(two, "intervalCount"), count(two, "estimatedCount")), (3.25, 4, 2), "{ctx}");
}

/// The upstream windows the succeeded HourlyDataChange entry of 09:00 ran without (`upstreamMissing`).
async fn succeeded_without(db: &TestDb) -> Vec<String> {
    let entry = db
        .db
        .collection::<Document>("job_runs")
        .find_one(doc! { "process": "HourlyDataChange", "windowStart": utc("2026-01-15T09:00:00Z") })
        .await
        .expect("read the ledger")
        .expect("the hour's entry");
    assert_eq!(entry.get_str("status"), Ok("succeeded"), "{entry}");
    let missing =
        entry.get_array("upstreamMissing").map(|a| a.iter().filter_map(Bson::as_str).map(str::to_owned).collect());
    missing.unwrap_or_default()
}

async fn hour_rows(db: &TestDb, collection: &str, start: &str) -> Vec<Document> {
    let rows = rollup_rows(db, collection, doc! { "meterId": 1 }).await;
    rows.into_iter().filter(|r| r.get_datetime("periodStart").map(|t| t.to_chrono()) == Ok(utc(start))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollup_started_at_the_same_tick_as_the_quarter_hour_estimates_includes_them() {
    let db = TestDb::new().await;
    seed(&db).await;
    let tick = "2026-01-15T10:00:00Z";
    let started = [
        scheduled(&db, "QuarterHourlyDataChange", tick).spawn(),
        scheduled(&db, "HourlyDataChange", tick).spawn(),
        scheduled(&db, "HalfHourlyDataChange", tick).spawn(),
    ];
    for run in started {
        let (out, _) = run.wait_within(Duration::from_secs(120));
        assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    }
    assert_hour_includes_the_estimates(&hour_rows(&db, "hourly_usage", "2026-01-15T09:00:00Z").await, "hourly");
    // The half hour 09:30-10:00: MTR-1 3 + estimate 3; MTR-2 two estimates of 1.
    let half = hour_rows(&db, "halfhourly_usage", "2026-01-15T09:30:00Z").await;
    let kwh: Vec<(f64, i64)> = half.iter().map(|r| (num(r, "kwh"), count(r, "estimatedCount"))).collect();
    assert_eq!(kwh, vec![(6.0, 1), (2.0, 2)], "{half:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollup_fired_before_the_estimates_waits_for_them_and_includes_them() {
    let db = TestDb::new().await;
    seed(&db).await;
    let tick = "2026-01-15T10:00:00Z";
    let mut rollup = scheduled(&db, "HourlyDataChange", tick).spawn();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!rollup.has_exited(), "the rollup did not wait for the quarter-hour estimates of its hour");
    assert!(hour_rows(&db, "hourly_usage", "2026-01-15T09:00:00Z").await.is_empty(), "rolled up before the estimates");

    scheduled(&db, "QuarterHourlyDataChange", tick).run().success();
    let (out, _) = rollup.wait_within(Duration::from_secs(60));
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert_hour_includes_the_estimates(&hour_rows(&db, "hourly_usage", "2026-01-15T09:00:00Z").await, "hourly");
    assert!(out.stderr.contains("waiting for upstream windows"), "the wait is logged:\n{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollup_whose_estimates_do_not_come_in_time_is_skipped_with_exit_0_and_the_next_tick_catches_it_up() {
    let db = TestDb::new().await;
    seed(&db).await;
    let wait = |cli: Cli| cli.env("DEPENDENCY_WAIT", "2s");

    let started = std::time::Instant::now();
    let out = wait(scheduled(&db, "HourlyDataChange", "2026-01-15T10:00:00Z")).run().success();
    assert!(started.elapsed() < Duration::from_secs(30), "waited {:?} with DEPENDENCY_WAIT=2s", started.elapsed());
    assert!(out.stdout.contains("skipped: waiting for QuarterHourlyDataChange 2026-01-15 09:00"), "{}", out.stdout);
    let skipped = history(&db, Some("HourlyDataChange"));
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].status, "skipped");
    let why = skipped[0].error.clone().unwrap_or_default();
    for quarter in ["09:00", "09:15", "09:30", "09:45"] {
        assert!(why.contains(&format!("QuarterHourlyDataChange 2026-01-15 {quarter}")), "{why}");
    }
    assert_eq!(skipped[0].attempts, 0, "waiting is not an attempt");
    assert!(hour_rows(&db, "hourly_usage", "2026-01-15T09:00:00Z").await.is_empty());

    // The estimates arrive; the next tick catches the hour up, and its own hour (whose estimates
    // are not there) waits and is skipped in turn.
    scheduled(&db, "QuarterHourlyDataChange", "2026-01-15T10:00:00Z").run().success();
    let out = wait(scheduled(&db, "HourlyDataChange", "2026-01-15T11:00:00Z")).run().success();
    assert_hour_includes_the_estimates(&hour_rows(&db, "hourly_usage", "2026-01-15T09:00:00Z").await, "caught up");
    let entries = history(&db, Some("HourlyDataChange"));
    let statuses: Vec<(String, &str)> = entries.iter().map(|e| (e.window_start.clone(), e.status.as_str())).collect();
    assert_eq!(
        statuses,
        vec![("2026-01-15T09:00:00Z".to_owned(), "succeeded"), ("2026-01-15T10:00:00Z".to_owned(), "skipped")],
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_window_given_up_for_good_no_longer_holds_the_rollup_back_and_its_entry_names_it() {
    let db = TestDb::new().await;
    seed(&db).await;
    let qh = |cli: Cli| cli.args(["run", "--process", "QuarterHourlyDataChange"]);
    qh(db.cli()).args(["--from", "2026-01-15T09:00:00Z", "--to", "2026-01-15T09:45:00Z"]).run().success();
    // 09:45 failed three times (MAX_WINDOW_ATTEMPTS): catch-up has given up on it.
    let given_up = doc! {
        "process": "QuarterHourlyDataChange",
        "windowStart": utc("2026-01-15T09:45:00Z"),
        "windowEnd": utc("2026-01-15T10:00:00Z"),
        "status": "failed",
        "attempts": 3_i64,
        "runId": "an-earlier-run",
        "error": "MongoDB: connection refused",
    };
    db.db.collection::<Document>("job_runs").insert_one(given_up).await.expect("ledger entry");

    let started = std::time::Instant::now();
    let out = scheduled(&db, "HourlyDataChange", "2026-01-15T10:00:00Z").run().success();
    assert!(started.elapsed() < Duration::from_secs(60), "it waited for a given-up window: {:?}", started.elapsed());
    assert!(
        out.stdout.contains("without upstream windows QuarterHourlyDataChange 2026-01-15 09:45 (given up)"),
        "{}",
        out.stdout
    );
    let missing = succeeded_without(&db).await;
    assert_eq!(missing, vec!["QuarterHourlyDataChange 2026-01-15 09:45 (given up)"]);
    // Without the 09:45 estimates: MTR-1 has 3 real intervals, MTR-2 2 real and 1 estimate.
    let rows = hour_rows(&db, "hourly_usage", "2026-01-15T09:00:00Z").await;
    let got: Vec<(f64, i64)> = rows.iter().map(|r| (num(r, "kwh"), count(r, "intervalCount"))).collect();
    assert_eq!(got, vec![(6.5, 3), (2.25, 3)], "{rows:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_rollup_runs_at_once_and_its_entry_lists_the_upstream_windows_that_had_not_succeeded() {
    let db = TestDb::new().await;
    seed(&db).await;
    let started = std::time::Instant::now();
    let cli = db.cli().env("DEPENDENCY_WAIT", "10m");
    let out = cli.args(["run", "--process", "HourlyDataChange", "--at", "2026-01-15T10:00:00Z"]).run().success();
    assert!(started.elapsed() < Duration::from_secs(60), "a manual run waited: {:?}", started.elapsed());
    assert!(
        out.stdout.contains("without upstream windows QuarterHourlyDataChange 2026-01-15 09:00 (not succeeded)"),
        "{}",
        out.stdout
    );
    let missing = succeeded_without(&db).await;
    assert_eq!(missing.len(), 4, "the four quarter-hours of the hour: {missing:?}");
}
