//! End-to-end tests: the real `intervalprocessing` binary against a real MongoDB-wire server
//! (secantusd-rs) and moto, checking the data the binary wrote. One test crate, so the dependency
//! tree is linked once. Run through `scripts/test`, or with `IP_TEST_MONGODB_URI` (and
//! `IP_TEST_MOTO_SERVER`) set.

// A test crate: an `expect` that fails is a test failure that says what it expected
// (clippy.toml allows it in #[test] functions; this extends that to the shared helpers).
#![allow(clippy::expect_used)]

mod support;

mod crash;
mod infra;
mod outage;
mod runtime;
