//! Per-meter usage of a window: the aggregation every rollup and the daily CSV are built on.

use mongodb::bson::{Bson, Document, doc};

use crate::collections::{kwh_as_double, malformed_and, valid_and};
use crate::context::JobContext;
use crate::error::JobError;
use crate::window::Window;

/// Readings whose interval starts inside the window.
pub fn in_window(w: &Window) -> Document {
    doc! { "intervalStart": { "$gte": w.start, "$lt": w.end } }
}

/// `$match` the window's usable readings and `$group` them per meter into
/// `{ _id: meterId, kwh, intervalCount, estimatedCount }`.
pub fn per_meter(w: &Window) -> Vec<Document> {
    vec![
        doc! { "$match": valid_and(in_window(w)) },
        doc! { "$group": {
            "_id": "$meterId",
            "kwh": { "$sum": kwh_as_double() },
            "intervalCount": { "$sum": 1 },
            "estimatedCount": { "$sum": { "$cond": [{ "$eq": ["$estimated", true] }, 1, 0] } },
        } },
    ]
}

/// Counts the window's malformed readings (skipped by every job) and warns when there are any.
/// Usable readings are counted by the aggregations themselves, not by a second scan.
pub async fn count_malformed(ctx: &JobContext, w: &Window) -> Result<u64, JobError> {
    let readings = ctx.db.collection::<Document>(crate::collections::READINGS);
    let malformed = ctx
        .mongo_retry("counting malformed readings", || readings.count_documents(malformed_and(in_window(w))))
        .await?;
    crate::reading::warn_malformed(malformed);
    Ok(malformed)
}

/// A count as `u64`, whether BSON stored it as int32, int64 or double.
pub fn as_u64(v: Option<&Bson>) -> Option<u64> {
    match v? {
        Bson::Int32(i) => u64::try_from(*i).ok(),
        Bson::Int64(i) => u64::try_from(*i).ok(),
        Bson::Double(d) if d.fract() == 0.0 && *d >= 0.0 => Some(*d as u64),
        _ => None,
    }
}
