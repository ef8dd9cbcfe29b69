//! End-to-end tests of the runtime: the real `intervalprocessing` binary against a real
//! MongoDB-wire server (secantusd-rs) and moto, checking the data the binary wrote.
//! Run through `scripts/test`, or with `IP_TEST_MONGODB_URI` (and `IP_TEST_MOTO_SERVER`) set.

// A test crate: an `expect` that fails is a test failure that says what it expected
// (clippy.toml allows it in #[test] functions; this extends that to the shared helpers).
#![allow(clippy::expect_used)]

mod support;

mod runtime {
    mod backfill;
    mod catch_up;
    mod dispatch;
    mod dst;
    mod failed_windows;
    mod files;
    mod fixtures;
    mod history;
    mod idempotency;
    mod jobs;
    mod lease;
    mod ledger_compat;
    mod times;
    mod upstream_data;
    mod upstream_indexes;
}
