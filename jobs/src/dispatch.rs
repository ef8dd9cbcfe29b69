//! Running a process's job for one window: the retention guard first for the processes that read
//! raw readings, then the job the catalog names.

use crate::collections::READINGS;
use crate::context::JobContext;
use crate::error::JobError;
use crate::job::JobReport;
use crate::process::Process;
use crate::window::Window;

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
