//! Deadlines: a run that outlives its process timeout (`--timeout` or `RUN_TIMEOUT`) stops,
//! records `timed_out`, exits 5, leaves no partial object and no open upload, and releases its
//! lease; the next run completes the work.

use std::time::{Duration, Instant};

use mongodb::bson::doc;

use super::output::Output;
use super::scenario::{self, Dataset, Scenario};
use crate::support::TestDb;
use crate::support::fixtures::{S3, count_docs};

/// Ledger statuses, oldest window first.
async fn statuses(db: &TestDb) -> Vec<String> {
    db.dump("job_runs", doc! { "windowStart": 1 })
        .await
        .iter()
        .map(|d| d.get_str("status").unwrap_or("?").to_owned())
        .collect()
}

/// The ledger's error of the window that timed out.
async fn timed_out_error(db: &TestDb) -> String {
    let entries = db.dump("job_runs", doc! { "windowStart": 1 }).await;
    let entry = entries.iter().find(|d| d.get_str("status").ok() == Some("timed_out")).expect("a timed_out entry");
    entry.get_str("error").unwrap_or("").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_generation_past_its_timeout_records_timed_out_exits_5_and_leaves_no_partial_object_or_open_upload() {
    let s = Scenario { dataset: Dataset::HalfDay, ..scenario::file_generation() };
    let (db, s3) = (TestDb::new().await, S3::start().await);
    s.seed(&[&db]);
    let out = Output::s3(&s3, "out");

    // A run of this day takes about 0.3 s of work after taking the lease on a quiet machine, twice
    // a 150 ms deadline.
    let t = Instant::now();
    let run = s.cli(&db, &out).env("LEASE_TTL", "30s").args(["--timeout", "150ms"]).run();
    let took = t.elapsed();
    eprintln!("crash-stats deadline FileGeneration: --timeout 150ms, exited {:?} after {took:?}", run.code);
    run.expect_code(5);

    assert_eq!(statuses(&db).await, vec!["timed_out"]);
    assert!(timed_out_error(&db).await.contains("deadline of 150ms passed"), "{}", timed_out_error(&db).await);
    assert!(out.objects().await.is_empty(), "no object is visible");
    assert_eq!(out.unfinished().await, Vec::<String>::new(), "no multipart upload is left open");
    assert_eq!(count_docs(&db, "generated_files").await, 0);
    assert_eq!(count_docs(&db, "leases").await, 0, "the lease was released");

    // With the lease free, the next run starts at once and writes the day.
    s.cli(&db, &out).env("LEASE_TTL", "30s").run().success();
    assert_eq!(out.objects().await.len(), 2, "the CSV and its manifest");
    assert_eq!(statuses(&db).await, vec!["succeeded"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_past_run_timeout_stops_at_the_deadline_records_timed_out_and_exits_5() {
    // HalfHourlyDataChange over a whole day: 48 windows, about 3.5 s of work on this dataset.
    let s = Scenario {
        args: &["--from", "2026-01-15T00:00:00Z", "--to", "2026-01-16T00:00:00Z"],
        windows: 48,
        ..scenario::half_hourly()
    };
    let db = TestDb::new().await;
    s.seed(&[&db]);

    let t = Instant::now();
    let run = s.cli(&db, &Output::None).env("LEASE_TTL", "30s").env("RUN_TIMEOUT", "1").run();
    let took = t.elapsed();
    eprintln!("crash-stats deadline HalfHourlyDataChange: RUN_TIMEOUT=1, exited {:?} after {took:?}", run.code);
    run.expect_code(5);
    assert!(took < Duration::from_secs(5), "stopped promptly after the deadline: {took:?}");

    // Windows done stay succeeded; the one cut short is timed_out (or, when the deadline passed
    // between two windows, none is: the same race as a signal's); the rest were not started:
    // skipped. Each entry from the cut on says it was the deadline.
    let st = statuses(&db).await;
    assert_eq!(st.len(), s.windows, "{st:?}");
    let done = st.iter().take_while(|x| *x == "succeeded").count();
    let cut = usize::from(st.get(done).map(String::as_str) == Some("timed_out"));
    assert!(done < s.windows, "{st:?}");
    assert!(st[done + cut..].iter().all(|x| x == "skipped"), "{st:?}");
    if cut == 1 {
        assert!(timed_out_error(&db).await.contains("deadline of 1s passed"), "{}", timed_out_error(&db).await);
    }
    let entries = db.dump("job_runs", doc! { "windowStart": 1 }).await;
    for e in &entries[done..] {
        let why = e.get_str("error").unwrap_or("");
        assert!(
            why.contains("deadline of 1s passed") || why.contains("Deadline(1s)") || why.contains("ended timed_out"),
            "{e}"
        );
    }
    assert_eq!(count_docs(&db, "leases").await, 0, "the lease was released");
}
