//! The runtime's own MongoDB reads (catch-up planning, the dependency wait, the lease) go through
//! the same bounded retry as the jobs': a dropped connection while a scheduled run plans its
//! windows does not fail the run.

use super::common::{Behind, retry_waits};
use crate::support::fixtures::{Seed, date, history};

/// The operation named in the retry log of a ledger origin read.
const FIRST_WINDOW: &str = "reading the ledger's first window";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_while_a_scheduled_run_plans_its_catch_up_or_waits_for_upstream_is_retried() {
    let b = Behind::new().await;
    Seed::standard(date("2026-01-15")).insert(&b.db).await;
    let scheduled =
        |process: &str, at: &str| b.cli_without_driver_retries().env("processToRun", process).env("SCHEDULED_TIME", at);
    scheduled("QuarterHourlyDataChange", "2026-01-15T10:00:00Z").run().success();

    // Catch-up reads the ledger's origin first: the connection drops on that read.
    b.proxy.drop_connections_on(b"ledger_origins", 1);
    let out = scheduled("QuarterHourlyDataChange", "2026-01-15T10:15:00Z").run().success();
    assert!(b.proxy.tripped(), "the connection was dropped");
    assert_eq!(retry_waits(&out.stderr, FIRST_WINDOW).len(), 1, "catch-up's read was retried once:\n{}", out.stderr);

    // The rollup's second origin read is the dependency wait's, of QuarterHourlyDataChange.
    b.proxy.drop_connections_on(b"ledger_origins", 2);
    let out = scheduled("HourlyDataChange", "2026-01-15T10:05:00Z").run().success();
    assert!(b.proxy.tripped(), "the connection was dropped");
    assert_eq!(retry_waits(&out.stderr, FIRST_WINDOW).len(), 1, "the wait's read was retried once:\n{}", out.stderr);

    let runs = history(&b.db, None);
    let got: Vec<_> = runs.iter().map(|e| (e.process.as_str(), e.window_start.as_str(), e.status.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("HourlyDataChange", "2026-01-15T09:00:00Z", "succeeded"),
            ("QuarterHourlyDataChange", "2026-01-15T09:45:00Z", "succeeded"),
            ("QuarterHourlyDataChange", "2026-01-15T10:00:00Z", "succeeded"),
        ],
        "every window ran once and succeeded"
    );
}
