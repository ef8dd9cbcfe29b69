//! The Job trait: a small piece of code that does one window's work, idempotently.
//!
//! Everything around it (leases, ledger, retries of the whole window, deadlines, signals, logs,
//! exit codes) belongs to the runner; a new job is one file plus one line in [`crate::catalog`].

use std::future::Future;

use crate::context::JobContext;
use crate::error::JobError;
use crate::window::Window;

pub trait Job {
    /// Processes `window`. Running it again for the same window must leave the same data.
    /// Long jobs check `ctx.cancel` between units of work and return [`JobError::Cancelled`].
    fn run(&self, ctx: &JobContext, window: &Window) -> impl Future<Output = Result<JobReport, JobError>> + Send;
}

/// What one window's run did, for the ledger and the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    /// Input documents read.
    pub read: u64,
    /// Documents or rows written (inserted, merged, or rows in a file).
    pub written: u64,
    /// Documents removed (retention).
    pub deleted: u64,
    /// Input documents skipped because they are malformed (wrong types, missing fields, NaN).
    pub malformed: u64,
    /// Where a generated file went, if any.
    pub output: Option<String>,
}
