//! Ledger entries already in a deployment's `job_runs` (written by the version before failed
//! windows were retried a bounded number of times, or edited by hand with mongosh) are read
//! correctly by `history` and by catch-up.

use chrono::{DateTime, TimeDelta, Utc};
use mongodb::bson::{Bson, Document, doc};

use crate::support::TestDb;
use crate::support::fixtures::{history, ledger_origin, utc};

const P: &str = "QuarterHourlyDataChange";

/// An entry exactly as the runtime has written it since the ledger exists: no field this
/// change reads that older versions did not write.
fn entry(start: &str, status: &str, attempts: Option<Bson>) -> Document {
    let start = utc(start);
    let mut d = doc! {
        "process": P, "windowStart": start, "windowEnd": start + TimeDelta::minutes(15), "status": status,
        "runId": "old-run", "host": "ip-10-0-0-1", "taskArn": Bson::Null,
        "startedAt": start + TimeDelta::minutes(16), "endedAt": start + TimeDelta::minutes(17), "durationMs": 1000_i64,
    };
    match status {
        "succeeded" => d.extend(doc! { "read": 4_i64, "written": 0_i64, "deleted": 0_i64, "malformed": 0_i64 }),
        "running" => {
            d.remove("endedAt");
            d.remove("durationMs");
        }
        _ => {
            d.insert("error", format!("{status} in an older version"));
        }
    }
    if let Some(a) = attempts {
        d.insert("attempts", a);
    }
    d
}

fn at(hm: &str) -> String {
    format!("2026-01-01T{hm}:00Z")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_entries_written_before_this_change_are_read_by_history_and_catch_up() {
    let db = TestDb::new().await;
    let (i32_, i64_, f64_) = (|n| Some(Bson::Int32(n)), |n| Some(Bson::Int64(n)), |x| Some(Bson::Double(x)));
    let entries = [
        entry(&at("00:00"), "succeeded", i32_(1)), // the first window the ledger saw
        // Older than the look-back of the 10:00 tick (08:45-09:45).
        entry(&at("01:00"), "failed", i32_(1)),
        entry(&at("01:15"), "failed", i32_(3)),      // given up
        entry(&at("01:30"), "interrupted", i64_(2)), // $inc on an Int64 stays Int64
        entry(&at("01:45"), "running", i32_(1)),     // its run died: abandoned
        entry(&at("02:00"), "timed_out", f64_(3.0)), // edited with mongosh: a double; given up
        entry(&at("02:15"), "skipped", i32_(0)),     // never started: a missed window, not retried this late
        entry(&at("02:30"), "failed", None),         // no attempts field at all
        entry(&at("02:45"), "failed", i32_(1)),      // beyond the bound of 4 older windows per run
        // The look-back.
        entry(&at("08:45"), "succeeded", i32_(1)),
        entry(&at("09:00"), "failed", i32_(3)), // given up
        entry(&at("09:15"), "skipped", i32_(0)),
    ];
    db.db.collection::<Document>("job_runs").insert_many(entries).await.expect("insert ledger entries");

    let before = history(&db, Some(P));
    let given_up: Vec<_> = before.iter().filter(|e| e.given_up).map(|e| e.window_start.clone()).collect();
    assert_eq!(given_up, [at("01:15"), at("02:00"), at("09:00")], "{before:?}");
    let old = |hm: &str| before.iter().find(|e| e.window_start == at(hm)).cloned().expect("entry");
    assert_eq!((old("02:00").attempts, old("02:30").attempts, old("01:30").attempts), (3, 0, 2));
    assert!(old("01:45").abandoned && !old("01:45").given_up);
    let table = db.cli().args(["history", "--process", P]).run().success();
    let line = table.stdout.lines().find(|l| l.contains(&at("09:00"))).unwrap_or_default();
    assert!(line.contains("failed") && line.contains("given up after 3 attempts"), "{}", table.stdout);

    let out = db.cli().env("processToRun", P).env("SCHEDULED_TIME", at("10:00")).run().success();
    let warning = out.stderr.lines().find(|l| l.contains("gave up")).unwrap_or_default();
    for hm in ["01:15", "02:00", "09:00"] {
        assert!(warning.contains(&at(hm)), "the run warns about {hm}: {}", out.stderr);
    }

    let after = history(&db, Some(P));
    let new_run = after.iter().find(|e| e.window_start == at("09:45")).and_then(|e| e.run_id.clone());
    let ran: Vec<_> =
        after.iter().filter(|e| e.run_id == new_run).map(|e| (e.window_start.clone(), e.attempts)).collect();
    let want = [("01:00", 2), ("01:30", 3), ("01:45", 2), ("02:30", 1), ("09:15", 1), ("09:30", 1), ("09:45", 1)];
    assert_eq!(ran, want.map(|(hm, n)| (at(hm), n)), "{after:?}");
    assert!(after.iter().filter(|e| e.run_id == new_run).all(|e| e.status == "succeeded"), "{after:?}");
    let ran_first: Vec<DateTime<Utc>> = after
        .iter()
        .filter(|e| e.run_id == new_run)
        .map(|e| e.started_at.as_deref().map_or_else(Utc::now, utc))
        .collect();
    assert!(ran_first.is_sorted(), "oldest first: {after:?}");
    for hm in ["01:15", "02:00", "02:15", "02:45", "09:00"] {
        let e = after.iter().find(|e| e.window_start == at(hm)).expect("entry");
        assert_eq!(e.run_id.as_deref(), Some("old-run"), "{hm} was not run: {e:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_by_hand_right_after_an_upgrade_keeps_the_first_window_the_older_ledger_saw() {
    let db = TestDb::new().await;
    // The ledger of an older version, which kept no `ledger_origins`.
    let entries = [entry(&at("00:00"), "succeeded", Some(Bson::Int32(1)))];
    db.db.collection::<Document>("job_runs").insert_many(entries).await.expect("insert ledger entries");
    // The first run after the upgrade is by hand: 09:30-09:45.
    db.cli().args(["run", "--process", P, "--at", &at("09:45")]).run().success();
    let first = ledger_origin(&db, P).await;
    assert_eq!(first, Some(utc(&at("00:00"))), "the run by hand is not the first window the ledger saw");

    // So the next tick catches up its whole look-back (08:45-09:45), not only what follows 09:30.
    db.cli().env("processToRun", P).env("SCHEDULED_TIME", at("10:00")).run().success();
    let ran: Vec<String> = history(&db, Some(P)).into_iter().map(|e| e.window_start).collect();
    let want = ["00:00", "08:45", "09:00", "09:15", "09:30", "09:45"].map(at);
    assert_eq!(ran, want);
}
