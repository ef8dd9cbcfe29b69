//! No overlap: a run of a process while another holds its lease exits 4 and touches nothing; an
//! expired lease is taken over.

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use mongodb::bson::{Document, doc};

use crate::support::TestDb;
use crate::support::fixtures::{Seed, count_docs, date, error_lines, history, readings};

const AT: &str = "2026-01-15T17:00:00Z";

/// A lease of HourlyDataChange held by another run until `expires_in` from now.
async fn insert_lease(db: &TestDb, expires_in: TimeDelta) -> Document {
    let now = Utc::now();
    let lease = doc! {
        "_id": "HourlyDataChange",
        "holder": "other-run-7f3a",
        "host": "other-host",
        "acquiredAt": now - TimeDelta::minutes(1),
        "expiresAt": now + expires_in,
    };
    db.db.collection::<Document>("leases").insert_one(lease.clone()).await.expect("insert lease");
    lease
}

async fn leases(db: &TestDb) -> Vec<Document> {
    let found = db.db.collection::<Document>("leases").find(doc! {}).await.expect("find leases");
    futures::TryStreamExt::try_collect(found).await.expect("read leases")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_while_another_holds_the_lease_exits_4_and_writes_nothing() {
    let db = TestDb::new().await;
    Seed::standard(date("2026-01-15")).insert(&db).await;
    let lease = insert_lease(&db, TimeDelta::minutes(10)).await;
    let before = readings(&db).await;

    let out = db.cli().args(["run", "--process", "HourlyDataChange", "--at", AT]).run().expect_code(4);
    let errors = error_lines(&out.stderr);
    assert_eq!(errors.len(), 1, "one error line:\n{}", out.stderr);
    assert!(errors[0].contains("HourlyDataChange") && errors[0].contains("already running"), "{}", errors[0]);
    assert!(errors[0].contains("other-run-7f3a"), "names the holder: {}", errors[0]);

    assert_eq!(count_docs(&db, "job_runs").await, 0, "no ledger entry");
    assert_eq!(count_docs(&db, "hourly_usage").await, 0, "no output data");
    assert_eq!(readings(&db).await, before, "readings untouched");
    assert_eq!(leases(&db).await, vec![lease], "the other run's lease is left as it was");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_lease_is_taken_over() {
    let db = TestDb::new().await;
    Seed::standard(date("2026-01-15")).insert(&db).await;
    insert_lease(&db, TimeDelta::seconds(-30)).await;

    db.cli().args(["run", "--process", "HourlyDataChange", "--at", AT]).run().success();
    let runs = history(&db, None);
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].process.as_str(), runs[0].status.as_str()), ("HourlyDataChange", "succeeded"));
    assert!(count_docs(&db, "hourly_usage").await > 0, "the run did its work");
    assert!(leases(&db).await.is_empty(), "the lease is released at the end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_started_while_the_first_holds_the_lease_exits_4() {
    let db = TestDb::new().await;
    // A long backfill (years of quarter-hours) keeps the first run busy; it is killed below.
    let mut first = db
        .cli()
        .args(["run", "--process", "QuarterHourlyDataChange", "--from", "2024-01-01", "--to", "2026-01-01"])
        .command()
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the first run");

    let deadline = Instant::now() + Duration::from_secs(30);
    let holder = loop {
        if let Some(l) = leases(&db).await.first() {
            break l.get_str("holder").expect("lease holder").to_owned();
        }
        if let Ok(Some(status)) = first.try_wait() {
            panic!("the first run ended before taking its lease: {status}");
        }
        assert!(Instant::now() < deadline, "the first run never took its lease");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let out = db.cli().args(["run", "--process", "QuarterHourlyDataChange", "--at", "2026-01-15T10:00:00Z"]).run();
    let still_running = first.try_wait().expect("poll the first run").is_none();
    let _ = first.kill();
    let _ = first.wait();
    assert!(still_running, "the first run ended before the second was checked; the test proves nothing");
    let out = out.expect_code(4);
    let errors = error_lines(&out.stderr);
    assert_eq!(errors.len(), 1, "one error line:\n{}", out.stderr);
    assert!(errors[0].contains(&holder), "names the first run ({holder}): {}", errors[0]);

    let second_window = db
        .db
        .collection::<Document>("job_runs")
        .count_documents(doc! { "windowStart": chrono::DateTime::parse_from_rfc3339("2026-01-15T09:45:00Z").expect("time").to_utc() })
        .await
        .expect("count ledger entries");
    assert_eq!(second_window, 0, "the second run recorded nothing");
    let foreign = db
        .db
        .collection::<Document>("job_runs")
        .count_documents(doc! { "runId": { "$ne": &holder } })
        .await
        .expect("count ledger entries");
    assert_eq!(foreign, 0, "every ledger entry is the first run's");
}
