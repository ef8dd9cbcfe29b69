//! A backfill over one day runs every quarter-hour window of it, each recorded in the ledger.

use std::collections::BTreeSet;

use chrono::TimeDelta;

use crate::support::TestDb;
use crate::support::fixtures::{QUARTER, Reading, Seed, canonical, date, history, midnight, readings, run_ok};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_over_one_day_runs_96_quarter_hour_windows_and_history_lists_each() {
    let db = TestDb::new().await;
    let seed = Seed::standard(date("2026-01-15"));
    seed.insert(&db).await;
    let (day, next) = (midnight(date("2026-01-15")), midnight(date("2026-01-16")));

    run_ok(db.cli(), "QuarterHourlyDataChange", &["--from", "2026-01-15", "--to", "2026-01-16"]);

    let runs = history(&db, None);
    assert_eq!(runs.len(), 96, "{runs:#?}");
    assert!(runs.iter().all(|e| e.process == "QuarterHourlyDataChange" && e.status == "succeeded"), "{runs:#?}");
    let starts: BTreeSet<_> = runs.iter().map(|e| e.start()).collect();
    assert_eq!(starts.len(), 96, "window starts are distinct");
    assert_eq!(starts.iter().next().copied(), Some(day));
    for (i, e) in runs.iter().enumerate() {
        assert_eq!(e.start(), day + QUARTER * i as i32, "windows are contiguous, oldest first");
        assert_eq!(e.end() - e.start(), TimeDelta::minutes(15));
    }
    assert_eq!(runs.last().map(|e| e.end()), Some(next));

    // And every window did its work.
    let mut want: Vec<_> = seed.readings.iter().map(Reading::doc).collect();
    let estimates = seed.expected_estimates(day, next);
    assert!(estimates.len() > 96, "the seed should leave gaps all day");
    want.extend(estimates.iter().map(Reading::doc));
    assert_eq!(readings(&db).await, canonical(&want));
    let written: i64 = runs.iter().filter_map(|e| e.written).sum();
    assert_eq!(written, estimates.len() as i64, "the ledger's written counts add up");
}
