//! HalfHourlyDataChange and HourlyDataChange: roll the window's readings up per meter into
//! `halfhourly_usage` / `hourly_usage`, merged on the natural key `(meterId, periodStart)`.
//!
//! After a window's rollup its rows are exactly the aggregation of the window's current readings:
//! every row the run merges carries its run id, and the period's rows that do not (meters whose
//! readings went away or moved to another meter) are removed.

use std::time::Duration;

use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};

use super::estimate;
use super::usage::{as_u64, count_malformed, per_meter};
use crate::collections::{HALFHOURLY_USAGE, HOURLY_USAGE, READINGS};
use crate::context::JobContext;
use crate::error::JobError;
use crate::job::{Job, JobReport};
use crate::spec::ProcessSpec;
use crate::window::{Cadence, Window};

pub struct UsageRollup {
    /// The collection rolled into.
    pub target: &'static str,
}

/// Its windows include the estimates QuarterHourlyDataChange writes for the same quarter-hours
/// at the same tick, so it waits for them.
pub const HOURLY: ProcessSpec = ProcessSpec {
    name: "HourlyDataChange",
    legacy_key: Some("HourlyDataChangeProcesses"),
    cadence: Cadence::Minutes(60),
    default_cron: "cron(0 * * * ? *)",
    default_timeout: Duration::from_secs(50 * 60),
    writes_files: false,
    reads: &[READINGS],
    writes: &[HOURLY_USAGE],
    depends_on: &[&estimate::SPEC],
    job: &UsageRollup { target: HOURLY_USAGE },
};

/// Like [`HOURLY`], per half hour.
pub const HALF_HOURLY: ProcessSpec = ProcessSpec {
    name: "HalfHourlyDataChange",
    legacy_key: Some("HalfHourlyDataChangeProcesses"),
    cadence: Cadence::Minutes(30),
    default_cron: "cron(0/30 * * * ? *)",
    default_timeout: Duration::from_secs(25 * 60),
    writes_files: false,
    reads: &[READINGS],
    writes: &[HALFHOURLY_USAGE],
    depends_on: &[&estimate::SPEC],
    job: &UsageRollup { target: HALFHOURLY_USAGE },
};

/// Runs `per_meter` for `w`, stamps each row with `key_field: key_value`, the run id and when the
/// run took the lease, `$merge`s it into `target` on `(meterId, key_field)` (re-running replaces
/// rows, never duplicates them), then removes the period's rows earlier runs wrote. Rows of a later
/// run are never replaced or removed (see [`JobContext::lease_taken_at`]). The report counts what this run read
/// (usable readings summed, malformed ones skipped), wrote (rows) and removed (stale rows).
pub async fn merge_usage(
    ctx: &JobContext,
    w: &Window,
    target: &str,
    key_field: &str,
    key_value: Bson,
) -> Result<JobReport, JobError> {
    let malformed = count_malformed(ctx, w).await?;
    let mut pipeline = per_meter(w);
    pipeline.push(doc! { "$project": {
        "_id": 0,
        "meterId": "$_id",
        key_field: { "$literal": key_value.clone() },
        "kwh": 1,
        "intervalCount": 1,
        "estimatedCount": 1,
        "runId": { "$literal": &ctx.run_id },
        "leaseTakenAt": { "$literal": ctx.lease_taken_at },
    } });
    pipeline.push(doc! { "$merge": {
        "into": target,
        "on": ["meterId", key_field],
        // Replace the row unless a later run wrote it: a dead run's merge, executed late by the
        // server, never overwrites what the run that took over wrote.
        "whenMatched": [ { "$replaceWith": { "$cond": [
            { "$gt": ["$leaseTakenAt", "$$new.leaseTakenAt"] },
            "$$ROOT",
            { "$mergeObjects": ["$$new", { "_id": "$_id" }] },
        ] } } ],
        "whenNotMatched": "insert",
    } });
    let readings = ctx.db.collection::<Document>(crate::collections::READINGS);
    let action = format!("rolling readings up into {target}");
    ctx.mongo_retry(&action, || async {
        // $merge writes as the cursor is drained; an empty result is the success signal.
        let mut cursor = readings.aggregate(pipeline.clone()).allow_disk_use(true).await?;
        while cursor.advance().await? {}
        Ok(())
    })
    .await?;

    let rolled_up = ctx.db.collection::<Document>(target);
    // Rows of earlier runs only (stamped before this run took the lease, or not stamped): the late
    // arrival of a dead run's delete must not remove the rows of the run that took over.
    let stale = doc! {
        key_field: key_value.clone(),
        "runId": { "$ne": &ctx.run_id },
        "leaseTakenAt": { "$not": { "$gte": ctx.lease_taken_at } },
    };
    let deleted = ctx
        .mongo_retry(&format!("removing stale rows from {target}"), || rolled_up.delete_many(stale.clone()))
        .await?
        .deleted_count;
    if deleted > 0 {
        tracing::info!(deleted, target, "removed rollup rows of meters without readings in the period any more");
    }
    // What this run merged: its rows for this period, and the readings they sum up.
    let totals = vec![
        doc! { "$match": { key_field: key_value.clone(), "runId": &ctx.run_id } },
        doc! { "$group": { "_id": Bson::Null, "rows": { "$sum": 1 }, "read": { "$sum": "$intervalCount" } } },
    ];
    let sums: Vec<Document> = ctx
        .mongo_retry("counting rolled-up rows", || async {
            rolled_up.aggregate(totals.clone()).await?.try_collect().await
        })
        .await?;
    let sum = |k: &str| sums.first().and_then(|d| as_u64(d.get(k))).unwrap_or(0);
    Ok(JobReport { read: sum("read"), written: sum("rows"), deleted, malformed, ..JobReport::default() })
}

impl Job for UsageRollup {
    async fn run(&self, ctx: &JobContext, window: &Window) -> Result<JobReport, JobError> {
        merge_usage(ctx, window, self.target, "periodStart", Bson::DateTime(window.start.into())).await
    }
}
