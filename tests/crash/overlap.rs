//! No overlap: of N concurrent starts of one process exactly one does the work, the others exit 4
//! with one clear `error:` line; a holder killed with SIGKILL keeps the lease until it expires,
//! and the first run after the expiry takes it over.

use std::time::{Duration, Instant};

use chrono::Utc;
use mongodb::bson::{Document, doc};

use super::output::Output;
use super::scenario::{self, LEASE_TTL};
use crate::support::fixtures::error_lines;
use crate::support::{Signal, TestDb, poll};

const STARTS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_five_concurrent_starts_exactly_one_does_the_work_and_the_others_exit_4_with_one_error_line() {
    let s = scenario::hourly();
    let (clean, db) = (TestDb::new().await, TestDb::new().await);
    s.seed(&[&clean, &db]);
    s.cli(&clean, &Output::None).run().success();
    let want = s.snapshot(&clean, &Output::None).await;

    let runs: Vec<_> = (0..STARTS).map(|_| s.cli(&db, &Output::None).spawn()).collect();
    let outs: Vec<_> = runs.into_iter().map(|r| r.wait_within(Duration::from_secs(60)).0).collect();
    let codes: Vec<Option<i32>> = outs.iter().map(|o| o.code).collect();
    assert_eq!(codes.iter().filter(|c| **c == Some(0)).count(), 1, "exactly one run succeeds: {codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == Some(4)).count(), STARTS - 1, "the others exit 4: {codes:?}");

    // Every ledger entry is the winner's, each window attempted once.
    let ledger = db.dump("job_runs", doc! { "windowStart": 1 }).await;
    let winner = ledger.first().and_then(|d| d.get_str("runId").ok()).expect("a ledger entry").to_owned();
    for entry in &ledger {
        assert_eq!(entry.get_str("runId").ok(), Some(winner.as_str()), "{entry}");
        assert_eq!(crate::support::fixtures::count(entry, "attempts"), 1, "{entry}");
    }
    for out in outs.iter().filter(|o| o.code == Some(4)) {
        let errors = error_lines(&out.stderr);
        assert_eq!(errors.len(), 1, "one error line:\n{}", out.stderr);
        assert!(errors[0].contains("HourlyDataChange is already running"), "{}", errors[0]);
        assert!(errors[0].contains(&winner), "names the run holding the lease ({winner}): {}", errors[0]);
        assert!(errors[0].contains("this run did nothing"), "{}", errors[0]);
    }
    s.assert_same(&s.snapshot(&db, &Output::None).await, &want, "after five concurrent starts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_holders_lease_is_taken_over_after_its_expiry_and_not_before() {
    let s = scenario::quarter_hourly();
    let db = TestDb::new().await;
    s.seed(&[&db]);
    let leases = db.db.collection::<Document>("leases");

    let mut holder = s.cli(&db, &Output::None).spawn();
    let lease = poll("the first run to take its lease", Duration::from_secs(30), || async {
        leases.find_one(doc! { "_id": s.process }).await.expect("read the lease")
    })
    .await;
    holder.signal(Signal::Kill);
    let killed_at = Instant::now();
    let (_, status) = holder.wait_within(Duration::from_secs(10));
    assert!(!status.success(), "the holder finished before it was killed; the test proves nothing");
    // The holder may have renewed it between the read and the kill: the lease as it was left.
    let lease = leases.find_one(doc! { "_id": s.process }).await.expect("read the lease").unwrap_or(lease);
    let until = lease.get_datetime("expiresAt").expect("lease expiry").to_chrono();

    // Every run tried before the expiry is turned away; the first one after it takes over.
    let mut blocked = 0;
    let after_kill = loop {
        assert!(blocked < 100, "no run took the lease over");
        let (started, started_at) = (Utc::now(), killed_at.elapsed());
        let out = s.cli(&db, &Output::None).run();
        if out.code == Some(0) {
            break started_at;
        }
        let out = out.expect_code(4);
        assert_eq!(error_lines(&out.stderr).len(), 1, "one error line:\n{}", out.stderr);
        assert!(
            started < until + chrono::TimeDelta::seconds(1),
            "a run started at {started}, after the expiry ({until}), was turned away"
        );
        blocked += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!(
        "crash-stats takeover: {blocked} runs turned away; the one started {after_kill:?} after the kill took over (TTL {LEASE_TTL:?})"
    );
    assert!(blocked >= 1, "no run was tried while the dead holder's lease was live");
    assert!(after_kill < LEASE_TTL + Duration::from_secs(1), "the dead holder blocked the next run for {after_kill:?}");
    // The run that took over wrote every window's entry, each after it held the lease.
    let ledger = db.dump("job_runs", doc! { "windowStart": 1 }).await;
    for entry in &ledger {
        let began = entry.get_datetime("startedAt").expect("startedAt").to_chrono();
        assert!(began > until, "window begun at {began}, before the dead holder's lease expired at {until}: {entry}");
    }
    let statuses: Vec<String> = ledger.iter().map(|d| d.get_str("status").unwrap_or("?").to_owned()).collect();
    assert_eq!(statuses, vec!["succeeded".to_owned(); s.windows], "the run that took over completed the backfill");
}
