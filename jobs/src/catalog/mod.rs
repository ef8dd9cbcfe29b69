//! The process catalog: every process this binary runs, one file each with its job and its
//! [`ProcessSpec`], and the one list that names them all ([`ALL`]).
//!
//! Adding a process: write `catalog/<job>.rs` with a `Job` and a `pub const SPEC: ProcessSpec`,
//! then add its `mod` line and its entry in [`ALL`] below. Nothing else changes: the CLI, `list`,
//! the runner, `infra` (task definition, schedule, log group, IAM) and the tests iterate [`ALL`].

use crate::collections::READINGS;
use crate::context::JobContext;
use crate::error::JobError;
use crate::job::JobReport;
use crate::process::{Process, ProcessSpec};
use crate::window::Window;

#[cfg(feature = "demo-job")]
pub mod demo;
pub mod estimate;
pub mod file_generation;
pub mod nightly;
pub mod usage;
pub mod usage_rollup;

/// Every process, in the order `list` and `infra` show them (the reference guide's order first).
pub static ALL: &[&ProcessSpec] = &[
    &file_generation::SPEC,
    &nightly::SPEC,
    &usage_rollup::HOURLY,
    &usage_rollup::HALF_HOURLY,
    &estimate::SPEC,
    #[cfg(feature = "demo-job")]
    &demo::SPEC,
];

/// Runs `process`'s job for one window. A process that reads raw readings first checks that the
/// window's readings are still there (see [`crate::retention::guard`]).
pub async fn run_job(process: Process, ctx: &JobContext, window: &Window) -> Result<JobReport, JobError> {
    if reads_raw_readings(process) {
        crate::retention::guard(ctx, window).await?;
    }
    process.spec().job.run_boxed(ctx, window).await
}

/// Whether `process` aggregates raw `readings` (and so cannot run a window whose readings
/// retention removed).
pub fn reads_raw_readings(process: Process) -> bool {
    process.spec().reads.contains(&READINGS)
}
