//! What a process is: a [`ProcessSpec`], declared next to its job (in `catalog/<job>.rs`) and
//! listed in the catalog ([`crate::catalog::ALL`]).

use std::time::Duration;

use futures::future::BoxFuture;

use crate::context::JobContext;
use crate::error::JobError;
use crate::job::{Job, JobReport};
use crate::window::{Cadence, Window};

/// How long the runner may still need after `SHUTDOWN_GRACE` has run out: to record the stopped
/// window (and the windows it will not start) in the ledger, then release the lease. A deployment
/// must leave at least this much between `SHUTDOWN_GRACE` and the container's `stopTimeout`, or the
/// task can be SIGKILLed mid-bookkeeping (the ledger then says running, the lease expires on its own).
pub const SHUTDOWN_BOOKKEEPING: Duration = Duration::from_secs(15);

/// Everything the runtime and `infra` know about one process.
pub struct ProcessSpec {
    /// The canonical name: the `processToRun` value, `run --process`, and the suffix of the task
    /// definition, schedule and log group.
    pub name: &'static str,
    /// The key the original (C#) deployment put in `processToRun`, still accepted; new processes
    /// have none.
    pub legacy_key: Option<&'static str>,
    /// How often it runs, which is also the length of the window it processes.
    pub cadence: Cadence,
    /// The EventBridge Scheduler expression used when the deployment file sets none.
    pub default_cron: &'static str,
    /// The run deadline: shorter than the cadence, so a stuck run never overlaps the next tick.
    pub default_timeout: Duration,
    /// Whether it writes files (and so needs `OUTPUT_URL` and S3 permissions).
    pub writes_files: bool,
    /// The MongoDB collections it reads. A process that reads `readings` refuses windows whose
    /// readings retention removed ([`crate::retention::guard`]).
    pub reads: &'static [&'static str],
    /// The MongoDB collections it writes.
    pub writes: &'static [&'static str],
    /// The processes whose windows covering this window must have succeeded before it runs
    /// (see the runner's dependency wait). A reference, so a misspelt or cyclic dependency does
    /// not compile.
    pub depends_on: &'static [&'static ProcessSpec],
    /// The job that does one window's work.
    pub job: &'static dyn AnyJob,
}

/// A [`Job`] behind a pointer: what the catalog stores. Every `Job + Sync` is one.
pub trait AnyJob: Sync {
    fn run_boxed<'a>(&'a self, ctx: &'a JobContext, window: &'a Window) -> BoxFuture<'a, Result<JobReport, JobError>>;
}

impl<J: Job + Sync> AnyJob for J {
    fn run_boxed<'a>(&'a self, ctx: &'a JobContext, window: &'a Window) -> BoxFuture<'a, Result<JobReport, JobError>> {
        Box::pin(self.run(ctx, window))
    }
}
