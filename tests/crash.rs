//! Fault injection, first half: crashes (kill -9 at random points), signals (SIGTERM, SIGINT),
//! overlapping starts and the run deadline. The real binary against a real MongoDB-wire server
//! (secantusd-rs) and moto; what it wrote is compared with a clean run of the same input.
//! Run through `scripts/test`, or with `IP_TEST_MONGODB_URI` and `IP_TEST_MOTO_SERVER` set.
//! `IP_FAULT_SEED` replays the random choices of a run (each test prints its seed);
//! `IP_FAULT_TRIALS` sets the number of kill -9 trials (default 30, spread over the five processes).

// A test crate: an `expect` that fails is a test failure that says what it expected.
#![allow(clippy::expect_used)]

mod support;

// The runtime suite's fixtures (S3 on moto, history, canonical documents), shared, not copied.
#[allow(dead_code)]
#[path = "runtime/fixtures.rs"]
mod fixtures;

mod crash {
    mod deadline;
    mod kill9;
    mod output;
    mod overlap;
    mod scenario;
    mod signals;
}
