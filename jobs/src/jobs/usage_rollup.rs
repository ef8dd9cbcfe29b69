//! HalfHourlyDataChange and HourlyDataChange: roll the window's readings up per meter into
//! `halfhourly_usage` / `hourly_usage`, merged on the natural key `(meterId, periodStart)`.

use mongodb::bson::{Bson, Document, doc};

use futures::TryStreamExt;

use super::usage::{as_u64, count_malformed, per_meter};
use crate::context::JobContext;
use crate::error::JobError;
use crate::job::{Job, JobReport};
use crate::window::Window;

pub struct UsageRollup {
    /// The collection rolled into.
    pub target: &'static str,
}

/// Runs `per_meter` for `w`, stamps each row with `key_field: key_value`, and `$merge`s it into
/// `target` on `(meterId, key_field)`: re-running replaces rows, never duplicates them.
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
    } });
    pipeline.push(doc! { "$merge": {
        "into": target,
        "on": ["meterId", key_field],
        "whenMatched": "replace",
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
    // What was merged: rows for this period, and the readings they sum up.
    let rolled_up = ctx.db.collection::<Document>(target);
    let totals = vec![
        doc! { "$match": { key_field: key_value.clone() } },
        doc! { "$group": { "_id": Bson::Null, "rows": { "$sum": 1 }, "read": { "$sum": "$intervalCount" } } },
    ];
    let sums: Vec<Document> = ctx
        .mongo_retry("counting rolled-up rows", || async {
            rolled_up.aggregate(totals.clone()).await?.try_collect().await
        })
        .await?;
    let sum = |k: &str| sums.first().and_then(|d| as_u64(d.get(k))).unwrap_or(0);
    let (written, read) = (sum("rows"), sum("read"));
    Ok(JobReport { read, written, malformed, ..JobReport::default() })
}

impl Job for UsageRollup {
    async fn run(&self, ctx: &JobContext, window: &Window) -> Result<JobReport, JobError> {
        merge_usage(ctx, window, self.target, "periodStart", Bson::DateTime(window.start.into())).await
    }
}
