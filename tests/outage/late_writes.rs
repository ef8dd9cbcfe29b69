//! A run killed while one of its commands is on the way: the server may execute that command after
//! the run is dead and a later run took the lease over (a busy server, a slow network). Such a late
//! write never overwrites or removes what the later run wrote: rollup rows carry when their run
//! took the lease, and only rows of earlier runs are replaced or removed.

use std::time::Duration;

use mongodb::bson::doc;

use super::common::{Behind, run_once_the_lease_expires};
use crate::support::fixtures::{Seed, date};
use crate::support::{Signal, poll};

const RUN: [&str; 5] = ["run", "--process", "HourlyDataChange", "--at", "2026-01-15T17:00:00Z"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_runs_rollup_or_stale_row_removal_arriving_late_leaves_the_later_runs_rows_as_they_were() {
    // The rollup's `$merge`, then its removal of stale rows (the run's first `delete` command).
    for (what, pattern) in [("the $merge", &b"$merge"[..]), ("the stale-row delete", &b"\x02delete\x00"[..])] {
        let b = Behind::new().await;
        Seed::standard(date("2026-01-15")).insert(&b.db).await;

        b.proxy.hold_on(pattern, 1);
        let mut dead = b.cli().env("LEASE_TTL", "3s").args(RUN).spawn();
        poll(&format!("{what} to be held"), Duration::from_secs(30), || async { b.proxy.tripped().then_some(()) })
            .await;
        dead.signal(Signal::Kill);
        let (_, status) = dead.wait_within(Duration::from_secs(10));
        assert!(!status.success(), "{what}: the run was killed");

        // The next run takes the expired lease over and rolls the window up again.
        let later = b.db.cli().env("LEASE_TTL", "3s").args(RUN);
        run_once_the_lease_expires(&later, Duration::from_secs(20)).success();
        let rows = b.db.dump("hourly_usage", doc! { "meterId": 1 }).await;
        assert!(!rows.is_empty(), "{what}: the later run wrote its rows");

        // Only now does the dead run's command reach the server.
        b.proxy.release();
        poll(&format!("the server to answer {what}"), Duration::from_secs(30), || async {
            b.proxy.answered_after_release().then_some(())
        })
        .await;
        let after = b.db.dump("hourly_usage", doc! { "meterId": 1 }).await;
        assert_eq!(after, rows, "{what} of the dead run, executed late, changed the later run's rows");
    }
}
