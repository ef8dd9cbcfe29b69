//! SIGTERM (what ECS sends on stop) and SIGINT (Ctrl-C): the run stops at a safe point within
//! `SHUTDOWN_GRACE`, exits 128+N, records `interrupted`, aborts its multipart upload and releases
//! the lease, so the next run starts at once (no exit 4) and completes the work.

use std::time::{Duration, Instant};

use mongodb::bson::{Document, doc};

use super::output::Output;
use super::scenario::{self, Dataset, Scenario};
use crate::support::fixtures::{S3, count_docs, history};
use crate::support::slow_uploads::SlowUploads;
use crate::support::{Signal, Spawned, TestDb, poll};

/// The grace the tests give a stopping run: well below ECS's stopTimeout (30 s by default, 120 s
/// at most on Fargate), and short enough that a run that ignores it fails the test quickly.
const GRACE: Duration = Duration::from_secs(5);

/// The binary with the default lease TTL (30 s): were the lease not released, the next run
/// would exit 4 instead of starting at once.
fn cli(s: &Scenario, db: &TestDb, out: &Output) -> crate::support::Cli {
    s.cli(db, out).env("LEASE_TTL", "30s").env("SHUTDOWN_GRACE", format!("{}s", GRACE.as_secs()))
}

/// Signals `run` and returns its exit code and how long it took to exit.
fn stop(mut run: Spawned, sig: Signal) -> (crate::support::Output, Duration) {
    assert!(!run.has_exited(), "the run ended before it was signalled; the test proves nothing");
    run.signal(sig);
    let t = Instant::now();
    let (out, _) = run.wait_within(GRACE * 3);
    (out, t.elapsed())
}

async fn ledger(db: &TestDb) -> Vec<Document> {
    db.dump("job_runs", doc! { "windowStart": 1 }).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_upload_exits_143_within_the_grace_period_aborts_the_upload_and_releases_the_lease() {
    let s = Scenario { dataset: Dataset::HalfDay, ..scenario::file_generation() };
    let (db, s3) = (TestDb::new().await, S3::start().await);
    s.seed(&[&db]);
    // The day is read before the CSV is written, and a small CSV uploads in a blink: the relay
    // holds its parts so that the upload is still open when the signal comes.
    let slow = SlowUploads::start(s3.moto.port, Duration::from_secs(20));
    let out = Output::s3_through(&s3, "out", slow.endpoint());

    let run = cli(&s, &db, &out).spawn();
    // Mid-upload: the CSV's multipart upload has been started and not completed.
    poll("the CSV's multipart upload to start", Duration::from_secs(30), || async {
        (!out.unfinished().await.is_empty()).then_some(())
    })
    .await;
    let (stopped, took) = stop(run, Signal::Term);
    eprintln!("crash-stats sigterm FileGeneration: exited {:?} {took:?} after SIGTERM (grace {GRACE:?})", stopped.code);
    let stopped = stopped.expect_code(143);
    assert!(took < GRACE, "exited {took:?} after SIGTERM; the grace is {GRACE:?}");

    assert_eq!(out.unfinished().await, Vec::<String>::new(), "the multipart upload was aborted");
    assert!(out.objects().await.is_empty(), "nothing is visible under the output prefix");
    let runs = history(&db, Some(s.process));
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].status, "interrupted", "{runs:?}\n{}", stopped.stdout);
    let entry = &ledger(&db).await[0];
    assert!(entry.get_str("error").unwrap_or("").contains("signal 15"), "the ledger says why: {entry}");
    assert_eq!(count_docs(&db, "leases").await, 0, "the lease was released");
    assert_eq!(count_docs(&db, "generated_files").await, 0, "no file recorded");

    // The next run starts at once (the lease is free) and completes the day.
    let out = Output::s3(&s3, "out");
    let t = Instant::now();
    cli(&s, &db, &out).run().success();
    eprintln!("crash-stats sigterm FileGeneration: the next run completed in {:?}", t.elapsed());
    let keys: Vec<String> = out.objects().await.into_keys().collect();
    assert_eq!(
        keys,
        vec![format!("daily-usage/{}.csv", scenario::DAY), format!("daily-usage/{}.manifest.json", scenario::DAY)]
    );
    assert_eq!(history(&db, Some(s.process))[0].status, "succeeded");
    assert_eq!(s3.open_uploads().await, 0);
}

/// Stops a backfill of `s` with `sig` once a few windows are done; checks the ledger, the lease
/// and that the next run completes the backfill with the data of a clean run.
async fn interrupt_a_backfill(s: Scenario, sig: Signal, code: i32) {
    let (clean, db) = (TestDb::new().await, TestDb::new().await);
    s.seed(&[&clean, &db]);
    cli(&s, &clean, &Output::None).run().success();
    let want = s.snapshot(&clean, &Output::None).await;

    let run = cli(&s, &db, &Output::None).spawn();
    let succeeded = doc! { "status": "succeeded" };
    poll("a few windows to succeed", Duration::from_secs(30), || async {
        let n = db.db.collection::<Document>("job_runs").count_documents(succeeded.clone()).await.expect("count");
        (n >= 3).then_some(())
    })
    .await;
    let (stopped, took) = stop(run, sig);
    eprintln!(
        "crash-stats {sig:?} {}: exited {:?} {took:?} after the signal (grace {GRACE:?})",
        s.process, stopped.code
    );
    stopped.expect_code(code);
    assert!(took < GRACE, "exited {took:?} after the signal; the grace is {GRACE:?}");

    // Windows done stay succeeded; the one cut short is interrupted (or, when the signal came
    // between two windows, none is); the rest were not started: skipped. Each says why.
    let entries = ledger(&db).await;
    let statuses: Vec<&str> = entries.iter().map(|d| d.get_str("status").unwrap_or("?")).collect();
    assert_eq!(statuses.len(), s.windows, "every window of the backfill is in the ledger: {statuses:?}");
    let done = statuses.iter().take_while(|st| **st == "succeeded").count();
    let cut = usize::from(statuses.get(done) == Some(&"interrupted"));
    assert!(done >= 3 && done < s.windows, "{statuses:?}");
    assert!(statuses[done + cut..].iter().all(|st| *st == "skipped"), "{statuses:?}");
    let n = sig.number();
    for e in &entries[done..] {
        let why = e.get_str("error").unwrap_or("");
        assert!(
            why.contains(&format!("signal {n}"))
                || why.contains(&format!("Signal({n})"))
                || why.contains("ended interrupted"),
            "{e}"
        );
    }
    assert_eq!(count_docs(&db, "leases").await, 0, "the lease was released");

    let t = Instant::now();
    cli(&s, &db, &Output::None).run().success();
    eprintln!("crash-stats {sig:?} {}: the next run completed in {:?}", s.process, t.elapsed());
    s.assert_same(&s.snapshot(&db, &Output::None).await, &want, "after the interrupted run and the next one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_backfill_exits_143_records_interrupted_and_the_next_run_starts_at_once() {
    interrupt_a_backfill(scenario::hourly(), Signal::Term, 143).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_a_backfill_exits_130_records_interrupted_and_the_next_run_starts_at_once() {
    interrupt_a_backfill(scenario::quarter_hourly(), Signal::Int, 130).await;
}
