//! End-to-end tests of the runtime: the real `intervalprocessing` binary against a real
//! MongoDB-wire server (secantusd-rs) and moto, checking the data the binary wrote.
//! Run through `scripts/test`, or with `IP_TEST_MONGODB_URI` (and `IP_TEST_MOTO_SERVER`) set.

mod support;

mod runtime {
    mod backfill;
    mod catch_up;
    mod dispatch;
    mod dst;
    mod files;
    mod fixtures;
    mod idempotency;
    mod jobs;
    mod lease;
}
