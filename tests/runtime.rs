//! The runtime: dispatch, windows, backfills and catch-up, DST, idempotency, leases, the ledger
//! and history, and data prepared the way upstream teams prepare it.

mod backfill;
mod catalog;
mod catch_up;
mod dependencies;
mod dispatch;
mod dst;
mod emf;
mod estimate_history;
mod failed_windows;
mod files;
mod history;
mod idempotency;
mod jobs;
mod lease;
mod ledger_compat;
mod retention;
mod status;
mod times;
mod upstream_data;
mod upstream_indexes;
