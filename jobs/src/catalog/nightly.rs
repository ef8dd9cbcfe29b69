//! NightlyDataChange: roll the previous local day up per meter into `daily_usage` (keyed on
//! `(meterId, date)`), then apply retention to raw readings: the readings of the local days
//! before the last `RETENTION_DAYS` local days ending with the window are removed, whole local
//! days only, after the cutoff has been recorded (see [`crate::retention`]). Retention is measured
//! from the window, never the wall clock, so a backfill of an old day removes exactly what the run
//! on that day did.

use std::time::Duration;

use mongodb::bson::{Bson, Document, doc};

use super::usage_rollup::merge_usage;
use crate::collections::{DAILY_USAGE, READINGS};
use crate::context::JobContext;
use crate::error::JobError;
use crate::job::{Job, JobReport};
use crate::retention;
use crate::spec::ProcessSpec;
use crate::window::{Cadence, Window};

pub struct NightlyRollupAndRetention;

pub const SPEC: ProcessSpec = ProcessSpec {
    name: "NightlyDataChange",
    legacy_key: Some("NightlyDataChangeProcesses"),
    cadence: Cadence::Daily,
    default_cron: "cron(0 2 * * ? *)",
    default_timeout: Duration::from_secs(2 * 3600),
    writes_files: false,
    reads: &[READINGS],
    writes: &[DAILY_USAGE, READINGS, retention::RETENTION],
    depends_on: &[],
    job: &NightlyRollupAndRetention,
};

impl Job for NightlyRollupAndRetention {
    async fn run(&self, ctx: &JobContext, window: &Window) -> Result<JobReport, JobError> {
        let date = window.local_date(ctx.tz).format("%Y-%m-%d").to_string();
        let mut report = merge_usage(ctx, window, DAILY_USAGE, "date", Bson::String(date)).await?;
        ctx.checkpoint()?;

        let cutoff = retention::cutoff_for(window, ctx.tz, ctx.settings.retention_days);
        // Recorded first: a run cut short mid-delete still guards the days it started removing.
        retention::record_cutoff(ctx, cutoff, window).await?;
        let readings = ctx.db.collection::<Document>(READINGS);
        let deleted = ctx
            .mongo_retry("removing readings past retention", || {
                readings.delete_many(doc! { "intervalStart": { "$lt": cutoff } })
            })
            .await?
            .deleted_count;
        tracing::info!(deleted, cutoff = %crate::window::rfc3339(cutoff), "applied retention to raw readings");
        report.deleted += deleted;
        Ok(report)
    }
}
