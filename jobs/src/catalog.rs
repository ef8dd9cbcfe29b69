//! Which job each process runs. Adding a process: a variant in [`crate::Process`] and a line here.

use crate::collections::{HALFHOURLY_USAGE, HOURLY_USAGE};
use crate::context::JobContext;
use crate::error::JobError;
use crate::job::{Job, JobReport};
use crate::jobs::{EstimateMissingReadings, FileGeneration, NightlyRollupAndRetention, UsageRollup};
use crate::process::Process;
use crate::window::Window;

/// Runs `process`'s job for one window. A process that reads raw readings first checks that the
/// window's readings are still there (see [`crate::retention::guard`]).
pub async fn run_job(process: Process, ctx: &JobContext, window: &Window) -> Result<JobReport, JobError> {
    if reads_raw_readings(process) {
        crate::retention::guard(ctx, window).await?;
    }
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

/// Whether `process` aggregates raw `readings` (and so cannot run a window whose readings
/// retention removed). Every reference process does.
pub fn reads_raw_readings(process: Process) -> bool {
    match process {
        Process::FileGeneration
        | Process::NightlyDataChange
        | Process::HourlyDataChange
        | Process::HalfHourlyDataChange
        | Process::QuarterHourlyDataChange => true,
    }
}
