//! MongoDB goes away: before a run (nothing can be recorded; the next run catches the window up)
//! and in the middle of one (the window's ledger entry and the data are put right by the next run).

use std::time::Duration;

use super::common::{Behind, bounded_backoff, failed_clearly, retry_waits, timed};
use crate::fixtures::{Reading, Seed, canonical, count_docs, date, history, readings, utc};

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
    want.extend(seed.expected_estimates(utc("2026-01-15T09:45:00Z"), utc("2026-01-15T10:30:00Z")).iter().map(Reading::doc));
    assert_eq!(readings(&b.db).await, canonical(&want), "readings equal a run without the outage");
}
