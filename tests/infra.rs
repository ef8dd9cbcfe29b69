//! `intervalprocessing infra` against a private moto server per test. Each test writes its own
//! deployment file (see `harness.rs`) and runs the real binary.

mod account;
mod alarms;
mod apply;
pub mod harness;
mod image;
mod operate;
mod parliament;
mod policies;
mod redrive;
mod secrets;
mod shared_account;
mod validate;
mod verify;
