//! Which job each process runs. Adding a process: a variant in [`crate::Process`] and a line here.

use crate::collections::{HALFHOURLY_USAGE, HOURLY_USAGE};
use crate::context::JobContext;
use crate::error::JobError;
use crate::job::{Job, JobReport};
use crate::jobs::{EstimateMissingReadings, FileGeneration, NightlyRollupAndRetention, UsageRollup};
use crate::process::Process;
use crate::window::Window;

/// Runs `process`'s job for one window.
pub async fn run_job(process: Process, ctx: &JobContext, window: &Window) -> Result<JobReport, JobError> {
    match process {
        Process::FileGeneration => FileGeneration.run(ctx, window).await,
        Process::NightlyDataChange => NightlyRollupAndRetention.run(ctx, window).await,
        Process::HourlyDataChange => UsageRollup { target: HOURLY_USAGE }.run(ctx, window).await,
        Process::HalfHourlyDataChange => UsageRollup { target: HALFHOURLY_USAGE }.run(ctx, window).await,
        Process::QuarterHourlyDataChange => EstimateMissingReadings.run(ctx, window).await,
    }
}

/// Whether `process` writes files (and so needs `OUTPUT_URL`).
pub fn writes_files(process: Process) -> bool {
    process == Process::FileGeneration
}
