//! End-to-end tests of `intervalprocessing infra` against a private moto server per test.
//! Each test writes its own deployment file (see `infra/harness.rs`) and runs the real binary.

#[allow(unused_imports)] // support re-exports helpers (TestDb) that these tests do not need
mod support;

#[path = "infra/account.rs"]
mod account;
#[path = "infra/apply.rs"]
mod apply;
#[path = "infra/harness.rs"]
mod harness;
#[path = "infra/image.rs"]
mod image;
#[path = "infra/operate.rs"]
mod operate;
#[path = "infra/parliament.rs"]
mod parliament;
#[path = "infra/policies.rs"]
mod policies;
#[path = "infra/shared_account.rs"]
mod shared_account;
#[path = "infra/validate.rs"]
mod validate;
