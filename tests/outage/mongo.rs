//! MongoDB goes away: before a run (nothing can be recorded; the next run catches the window up)
//! and in the middle of one (the window's ledger entry and the data are put right by the next run).

use std::time::Duration;

use mongodb::bson::doc;

use super::common::{Behind, bounded_backoff, failed_clearly, retry_waits, run_once_the_lease_expires, timed};
use crate::support::TestDb;
use crate::support::fixtures::{
    QUARTER, Reading, Seed, canonical, count_docs, date, history, readings, rollup_rows, utc,
};
use crate::support::upstream::{self, DAY as DST_DAY};

const DAY: &str = "2026-01-15";

/// QuarterHourlyDataChange as the schedule starts it.
fn scheduled(b: &Behind, at: &str) -> crate::support::Cli {
    b.cli().env("processToRun", "QuarterHourlyDataChange").env("SCHEDULED_TIME", at)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_down_before_a_run_fails_after_bounded_retries_and_the_next_run_catches_the_window_up() {
    let mut b = Behind::new().await;
    let seed = Seed::standard(date(DAY));
    seed.insert(&b.db).await;
    scheduled(&b, "2026-01-15T10:00:00Z").run().success();

    b.proxy.go_down();
    let (out, took) = timed(&scheduled(&b, "2026-01-15T10:15:00Z"));
    let line = failed_clearly(&out, 1, &["cannot reach MongoDB", "Connection refused"]);
    bounded_backoff(&retry_waits(&out.stderr, "mongodb ping"), &out.stderr);
    // 4 attempts of 1 s server selection plus at most 1.75 s of backoff (plus process start).
    assert!(took >= Duration::from_millis(4000) && took < Duration::from_secs(12), "reported after {took:?}");
    eprintln!("MongoDB down before the run: reported after {took:?}: {line}");
    assert_eq!(count_docs(&b.db, "job_runs").await, 1, "nothing recorded while MongoDB was down");

    b.proxy.come_back();
    scheduled(&b, "2026-01-15T10:30:00Z").run().success();
    let runs = history(&b.db, None);
    let got: Vec<_> = runs.iter().map(|e| (e.window_start.as_str(), e.status.as_str(), e.attempts)).collect();
    assert_eq!(
        got,
        vec![
            ("2026-01-15T09:45:00Z", "succeeded", 1),
            ("2026-01-15T10:00:00Z", "succeeded", 1),
            ("2026-01-15T10:15:00Z", "succeeded", 1),
        ],
        "the window of the failed tick was caught up"
    );
    let mut want: Vec<_> = seed.readings.iter().map(Reading::doc).collect();
    want.extend(
        seed.expected_estimates(utc("2026-01-15T09:45:00Z"), utc("2026-01-15T10:30:00Z")).iter().map(Reading::doc),
    );
    assert_eq!(readings(&b.db).await, canonical(&want), "readings equal a run without the outage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_going_away_mid_backfill_fails_clearly_and_a_rerun_leaves_the_data_of_a_clean_run() {
    const FROM: &str = "2026-01-15T12:00:00Z";
    const TO: &str = "2026-01-15T16:00:00Z";
    let (mut b, clean) = (Behind::new().await, TestDb::new().await);
    let seed = Seed::standard(date(DAY));
    seed.insert(&b.db).await;
    seed.insert(&clean).await;
    let backfill = ["run", "--process", "HourlyDataChange", "--from", FROM, "--to", TO];
    clean.cli().args(backfill).run().success();

    // MongoDB goes away as the third window's rollup is sent. A 15 s lease outlives the job's
    // retries (4 x 1 s selection), so they, not the heartbeat, end the window.
    b.proxy.go_down_on(b"$merge", 3);
    let cli = b.cli().env("LEASE_TTL", "15s").args(backfill);
    let (out, took) = timed(&cli);
    assert!(b.proxy.tripped(), "the outage happened");
    let line = failed_clearly(
        &out,
        1,
        &[
            "HourlyDataChange 2026-01-15T14:00:00Z/2026-01-15T15:00:00Z failed",
            "rolling readings up into hourly_usage",
            "the ledger could not be updated",
        ],
    );
    bounded_backoff(&retry_waits(&out.stderr, "rolling readings up into hourly_usage"), &out.stderr);
    eprintln!("MongoDB gone mid-run: reported after {took:?}: {line}");

    // Back: the failed window still says running (its outcome could not be written, and the error
    // line said so); the window never started has no entry. Nothing claims success.
    b.proxy.come_back();
    let runs = history(&b.db, Some("HourlyDataChange"));
    let got: Vec<_> = runs.iter().map(|e| (e.window_start.as_str(), e.status.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("2026-01-15T12:00:00Z", "succeeded"),
            ("2026-01-15T13:00:00Z", "succeeded"),
            ("2026-01-15T14:00:00Z", "running")
        ],
        "the ledger once MongoDB is back"
    );

    // The lease could not be released either: the rerun starts once it expires.
    let back = std::time::Instant::now();
    run_once_the_lease_expires(&cli, Duration::from_secs(20)).success();
    eprintln!("MongoDB gone mid-run: the rerun completed {:?} after MongoDB was back", back.elapsed());
    let runs = history(&b.db, Some("HourlyDataChange"));
    let got: Vec<_> = runs.iter().map(|e| (e.window_start.as_str(), e.status.as_str())).collect();
    assert_eq!(
        got,
        ["12", "13", "14", "15"]
            .map(|h| (format!("2026-01-15T{h}:00:00Z"), "succeeded"))
            .iter()
            .map(|(w, s)| (w.as_str(), *s))
            .collect::<Vec<_>>()
    );
    let sort = doc! { "periodStart": 1, "meterId": 1 };
    assert_eq!(
        canonical(&rollup_rows(&b.db, "hourly_usage", sort.clone()).await),
        canonical(&rollup_rows(&clean, "hourly_usage", sort).await),
        "hourly_usage equals a clean run's"
    );
    assert_eq!(readings(&b.db).await, readings(&clean).await, "readings untouched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mongodb_gone_longer_than_the_lease_ttl_stops_the_run_saying_the_lease_could_not_be_renewed() {
    let mut b = Behind::new().await;
    Seed::standard(date(DAY)).insert(&b.db).await;
    // As in production (30 s lease, 4 x 10 s server selection), the lease expires before the
    // job's retries are used up: 3 s lease, renewed every second; 4 x 3 s server selection.
    b.proxy.go_down_on(b"$merge", 1);
    let cli = b.cli_selecting(3000).env("LEASE_TTL", "3s");
    let (out, took) =
        timed(&cli.clone().args(["run", "--process", "HourlyDataChange", "--at", "2026-01-15T17:00:00Z"]));
    let line = failed_clearly(
        &out,
        1,
        &["HourlyDataChange 2026-01-15T16:00:00Z/2026-01-15T17:00:00Z failed", "could not renew the process lease"],
    );
    assert!(!line.contains("another run"), "no other run took the lease: {line}");
    eprintln!("MongoDB gone past the lease TTL: reported after {took:?}: {line}");

    b.proxy.come_back();
    let runs = history(&b.db, Some("HourlyDataChange"));
    assert_eq!(runs.iter().map(|e| e.status.as_str()).collect::<Vec<_>>(), vec!["running"]);
    // The lease was not released (MongoDB was gone): the next run starts once it expires.
    let rerun = b.cli().args(["run", "--process", "HourlyDataChange", "--at", "2026-01-15T17:00:00Z"]);
    let back = std::time::Instant::now();
    run_once_the_lease_expires(&rerun, Duration::from_secs(10)).success();
    eprintln!("MongoDB gone past the lease TTL: the rerun completed {:?} after MongoDB was back", back.elapsed());
    let runs = history(&b.db, Some("HourlyDataChange"));
    let got: Vec<_> = runs.iter().map(|e| (e.status.as_str(), e.attempts)).collect();
    assert_eq!(got, vec![("succeeded", 2)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_stream_makes_file_generation_read_the_day_again_and_write_the_file_once() {
    let (b, clean, s3) = (Behind::new().await, TestDb::new().await, crate::support::fixtures::S3::start().await);
    // An upstream team's fall-back day in New York (their default-named indexes, kwh in every
    // numeric type, ten quarter-hours from 01:00 EDT through the repeated hour), with more
    // readings than one cursor batch (10,000), so the day arrives in two batches.
    let first = utc("2026-11-01T05:00:00Z");
    let mut seed = Seed::default();
    for i in 0..1200 {
        let meter = format!("MTR-{i:05}");
        for q in 0..10 {
            seed.push(&meter, first + QUARTER * q, upstream::mixed(i, q, i % 7), None);
        }
        seed.meters.push((meter, true));
    }
    for db in [&b.db, &clean] {
        upstream::create_indexes(db).await;
        seed.insert(db).await;
    }
    let run = ["run", "--process", "FileGeneration", "--at", upstream::FILE_AT];

    // The connection drops as the driver asks for the second batch (a getMore cannot be resumed).
    b.proxy.drop_connections_on(b"getMore", 1);
    let out = s3.point(b.cli()).env("SCHEDULE_TIMEZONE", upstream::TZ).args(run).run().success();
    assert!(b.proxy.tripped(), "the connection was dropped");
    assert_eq!(
        retry_waits(&out.stderr, "reading the window's readings").len(),
        1,
        "one restart of the scan:\n{}",
        out.stderr
    );
    assert_eq!(s3.open_uploads().await, 0, "no upload was left open");

    let clean_cli = s3.point(upstream::cli(&clean)).env("OUTPUT_URL", format!("s3://{}/clean/", s3.bucket));
    clean_cli.args(run).run().success();
    for ext in ["csv", "manifest.json"] {
        let got = s3.get(&format!("prefix/daily-usage/{DST_DAY}.{ext}")).await;
        let want = s3.get(&format!("clean/daily-usage/{DST_DAY}.{ext}")).await;
        assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want), "{ext} differs from a clean run's");
    }
    let (start, end) = upstream::local_day(DST_DAY);
    let csv = s3.get(&format!("prefix/daily-usage/{DST_DAY}.csv")).await;
    assert_eq!(String::from_utf8_lossy(&csv), upstream::expected_csv(DST_DAY, &seed.usage(start, end)));
    let runs = history(&b.db, Some("FileGeneration"));
    let got: Vec<_> = runs.iter().map(|e| (e.status.as_str(), e.attempts, e.written)).collect();
    assert_eq!(got, vec![("succeeded", 1, Some(1200))], "one attempt of the window, all rows");
}
