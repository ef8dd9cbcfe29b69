//! `history` tells a dead run's `running` entry from a live one.

use chrono::{TimeDelta, Utc};
use mongodb::bson::{Document, doc};

use crate::support::TestDb;
use crate::support::fixtures::{history, utc};

/// A `running` ledger entry of `run_id` for the hour starting at `start`, as the runtime writes it.
fn running(start: &str, run_id: &str) -> Document {
    let start = utc(start);
    doc! {
        "process": "HourlyDataChange", "windowStart": start, "windowEnd": start + TimeDelta::hours(1),
        "status": "running", "attempts": 1, "runId": run_id, "host": "test", "startedAt": Utc::now(),
    }
}

#[tokio::test]
async fn history_marks_running_entries_whose_run_no_longer_holds_the_lease_as_abandoned() {
    let db = TestDb::new().await;
    let runs = db.db.collection::<Document>("job_runs");
    runs.insert_many([running("2026-01-01T00:00:00Z", "dead-run"), running("2026-01-01T01:00:00Z", "live-run")])
        .await
        .expect("insert ledger entries");
    let lease =
        doc! { "_id": "HourlyDataChange", "holder": "live-run", "expiresAt": Utc::now() + TimeDelta::minutes(5) };
    db.db.collection::<Document>("leases").insert_one(lease).await.expect("insert lease");

    let entries = history(&db, Some("HourlyDataChange"));
    let by_run = |id: &str| entries.iter().find(|e| e.run_id.as_deref() == Some(id)).expect("entry of run");
    assert!(by_run("dead-run").abandoned, "{entries:?}");
    assert!(!by_run("live-run").abandoned, "{entries:?}");
    assert!(entries.iter().all(|e| e.status == "running"), "the stored status is unchanged: {entries:?}");

    let table = db.cli().args(["history", "--process", "HourlyDataChange"]).run().success();
    let line = |id: &str| table.stdout.lines().find(|l| l.contains(id)).map(str::to_owned);
    assert!(line("2026-01-01T00:00:00Z").is_some_and(|l| l.contains("abandoned")), "{}", table.stdout);
    assert!(
        line("2026-01-01T01:00:00Z").is_some_and(|l| l.contains("running") && !l.contains("abandoned")),
        "{}",
        table.stdout
    );

    // Once the live run's lease expires, its entry is abandoned too.
    db.db
        .collection::<Document>("leases")
        .update_one(
            doc! { "_id": "HourlyDataChange" },
            doc! { "$set": { "expiresAt": Utc::now() - TimeDelta::seconds(1) } },
        )
        .await
        .expect("expire lease");
    assert!(history(&db, Some("HourlyDataChange")).iter().all(|e| e.abandoned));
}
