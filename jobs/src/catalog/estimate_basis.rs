//! The kwh an estimate carries: its meter's latest usable real reading before the interval, found
//! at a cost bounded by the look-back and the meters, never by the days of readings kept.
//!
//! 1. One aggregation per batch of meters reads their usable real readings of the last
//!    [`LOOK_BACK`] before `t` through the `(meterId, intervalStart)` index, newest first, and takes
//!    each meter's first: exactly the latest real reading, late arrivals included.
//! 2. A meter with no real reading in the look-back (silent for a day) takes the value of its
//!    latest usable reading before the look-back, real or estimated, by one indexed lookup that
//!    reads a single entry. An estimate carries its own basis, so this is the latest real reading
//!    before it, unless a real reading arrived more than [`LOOK_BACK`] late: then the older
//!    value is carried on. A meter with no usable reading at all gets 0.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use futures::{StreamExt, TryStreamExt, stream};
use mongodb::bson::{Document, doc};

use crate::collections::{READINGS, kwh_as_double, valid_and};
use crate::context::JobContext;
use crate::error::JobError;
use crate::reading::number_as_f64;

/// How far back the exact search for a meter's latest real reading goes.
pub const LOOK_BACK: TimeDelta = TimeDelta::days(1);
/// Lookups of silent meters in flight at once.
const CONCURRENT_LOOKUPS: usize = 8;

/// The estimate basis of each of `meters` (all of them: 0 for a meter with no usable reading).
pub async fn latest_kwh(
    ctx: &JobContext,
    meters: &[&String],
    t: DateTime<Utc>,
) -> Result<HashMap<String, f64>, JobError> {
    let mut found = recent_real(ctx, meters, t).await?;
    let silent: Vec<String> = meters.iter().filter(|m| !found.contains_key(m.as_str())).map(|m| (*m).clone()).collect();
    let before = t - LOOK_BACK;
    let older: Vec<(String, f64)> = stream::iter(silent)
        .map(|m: String| async move {
            let kwh = latest_before(ctx, &m, before).await?.unwrap_or(0.0);
            Ok::<_, JobError>((m, kwh))
        })
        .buffer_unordered(CONCURRENT_LOOKUPS)
        .try_collect()
        .await?;
    found.extend(older);
    Ok(found)
}

/// Step 1: the latest usable real reading in `[t - LOOK_BACK, t)` of each meter that has one.
async fn recent_real(ctx: &JobContext, meters: &[&String], t: DateTime<Utc>) -> Result<HashMap<String, f64>, JobError> {
    let ids: Vec<&str> = meters.iter().map(|m| m.as_str()).collect();
    let pipeline = vec![
        doc! { "$match": valid_and(doc! {
            "meterId": { "$in": ids },
            "intervalStart": { "$gte": t - LOOK_BACK, "$lt": t },
            "estimated": { "$ne": true },
        }) },
        // The order a backward scan of the (meterId, intervalStart) index gives: no sort stage.
        doc! { "$sort": { "meterId": -1, "intervalStart": -1 } },
        doc! { "$group": { "_id": "$meterId", "kwh": { "$first": kwh_as_double() } } },
    ];
    let coll = ctx.db.collection::<Document>(READINGS);
    let docs: Vec<Document> = ctx
        .mongo_retry("finding the latest real readings", || async {
            coll.aggregate(pipeline.clone()).allow_disk_use(true).await?.try_collect().await
        })
        .await?;
    Ok(docs
        .into_iter()
        .filter_map(|d| Some((d.get_str("_id").ok()?.to_owned(), number_as_f64(d.get("kwh")?)?)))
        .collect())
}

/// Step 2: the kwh of `meter`'s latest usable reading (real or estimated) before `before`.
async fn latest_before(ctx: &JobContext, meter: &str, before: DateTime<Utc>) -> Result<Option<f64>, JobError> {
    let coll = ctx.db.collection::<Document>(READINGS);
    let filter = valid_and(doc! { "meterId": meter, "intervalStart": { "$lt": before } });
    let latest = ctx
        .mongo_retry("finding a silent meter's latest reading", || {
            coll.find_one(filter.clone())
                .sort(doc! { "meterId": -1, "intervalStart": -1 })
                .projection(doc! { "kwh": 1 })
        })
        .await?;
    Ok(latest.and_then(|d| number_as_f64(d.get("kwh")?)))
}
