//! QuarterHourlyDataChange: for every active meter without a reading for a 15-minute interval of
//! the window, insert an estimated reading (`estimated: true`) whose kwh is that meter's latest
//! earlier non-estimated reading (0 if none; how it is found at a cost flat in history:
//! [`super::estimate_basis`]). Inserts never overwrite: a real reading that is
//! already there, or arrives first, wins; a run repeated for the same window inserts nothing.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};

use super::estimate_basis;
use super::usage::count_malformed;
use crate::collections::{METERS, READINGS, insert_new};
use crate::context::JobContext;
use crate::error::JobError;
use crate::job::{Job, JobReport};
use crate::spec::ProcessSpec;
use crate::window::{Cadence, Window};

pub struct EstimateMissingReadings;

pub const SPEC: ProcessSpec = ProcessSpec {
    name: "QuarterHourlyDataChange",
    legacy_key: Some("QuarterHourlyDataChangeProcesses"),
    cadence: Cadence::Minutes(15),
    default_cron: "cron(0/15 * * * ? *)",
    default_timeout: Duration::from_secs(12 * 60),
    writes_files: false,
    reads: &[METERS, READINGS],
    writes: &[READINGS],
    depends_on: &[],
    job: &EstimateMissingReadings,
};

/// Readings are aligned to 15 minutes in UTC.
const INTERVAL: TimeDelta = TimeDelta::minutes(15);
/// Meters per `$in` query and documents per insert batch.
const BATCH: usize = 1000;

impl Job for EstimateMissingReadings {
    async fn run(&self, ctx: &JobContext, window: &Window) -> Result<JobReport, JobError> {
        let (meters, malformed_meters) = active_meters(ctx).await?;
        // A malformed reading still takes its meter's interval (no estimate can replace it), so
        // it is skipped and counted like in every other job.
        let malformed_readings = count_malformed(ctx, window).await?;
        let mut report = JobReport { malformed: malformed_meters + malformed_readings, ..JobReport::default() };
        let mut t = window.start;
        while t < window.end {
            ctx.checkpoint()?;
            let present = meters_with_reading(ctx, t).await?;
            report.read += present.len() as u64;
            let missing: Vec<&String> = meters.iter().filter(|m| !present.contains(*m)).collect();
            for chunk in missing.chunks(BATCH) {
                ctx.checkpoint()?;
                let last = estimate_basis::latest_kwh(ctx, chunk, t).await?;
                let docs: Vec<Document> = chunk
                    .iter()
                    .map(|m| {
                        let kwh = last.get(*m).copied().unwrap_or(0.0);
                        doc! { "meterId": m.as_str(), "intervalStart": t, "kwh": kwh, "estimated": true }
                    })
                    .collect();
                report.written += insert_missing_only(ctx, docs).await?;
            }
            t += INTERVAL;
        }
        Ok(report)
    }
}

/// Ids of active meters, and how many active meter documents had an unusable `_id`.
async fn active_meters(ctx: &JobContext) -> Result<(Vec<String>, u64), JobError> {
    let coll = ctx.db.collection::<Document>(METERS);
    let docs: Vec<Document> = ctx
        .mongo_retry("listing active meters", || async {
            coll.find(doc! { "active": true }).projection(doc! { "_id": 1 }).await?.try_collect().await
        })
        .await?;
    let mut ids = Vec::with_capacity(docs.len());
    let mut malformed = 0;
    for d in docs {
        match d.get("_id") {
            Some(Bson::String(s)) if !s.is_empty() => ids.push(s.clone()),
            _ => malformed += 1,
        }
    }
    if malformed > 0 {
        tracing::warn!(malformed, "skipped active meters whose _id is not a non-empty string");
    }
    ids.sort();
    Ok((ids, malformed))
}

/// Meters that already have a reading (real or estimated, usable or not) for interval `t`.
async fn meters_with_reading(ctx: &JobContext, t: DateTime<Utc>) -> Result<HashSet<String>, JobError> {
    let coll = ctx.db.collection::<Document>(READINGS);
    let docs: Vec<Document> = ctx
        .mongo_retry("finding the interval's readings", || async {
            coll.find(doc! { "intervalStart": t })
                .projection(doc! { "_id": 0, "meterId": 1 })
                .await?
                .try_collect()
                .await
        })
        .await?;
    Ok(docs.into_iter().filter_map(|d| d.get_str("meterId").ok().map(str::to_owned)).collect())
}

/// Inserts `docs`, skipping any whose `(meterId, intervalStart)` exists by now. Returns how many were inserted.
async fn insert_missing_only(ctx: &JobContext, docs: Vec<Document>) -> Result<u64, JobError> {
    let coll = ctx.db.collection::<Document>(READINGS);
    ctx.mongo_retry("inserting estimated readings", || insert_new(&coll, docs.clone())).await
}
