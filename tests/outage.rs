//! Outages and hostile input: the real `intervalprocessing` binary against a real MongoDB-wire
//! server and moto, with a fault-injecting proxy in front of them (`support::proxy`), documents
//! and settings no upstream system should send, and checks of what the binary wrote and said.
//! Run through `scripts/test`, or with `IP_TEST_MONGODB_URI` and `IP_TEST_MOTO_SERVER` set.

// A test crate: an `expect` that fails is a test failure that says what it expected.
#![allow(clippy::expect_used)]

mod support;

/// The runtime suite's model dataset and expectations, shared rather than copied.
#[path = "runtime/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;

mod outage {
    mod bounds;
    mod common;
    mod documents;
    mod mongo;
    mod s3;
    mod secrets;
    mod server_errors;
    mod settings;
}
