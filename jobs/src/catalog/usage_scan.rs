//! A window's per-meter usage in one pass: the window's readings are streamed once as raw BSON
//! (through the `intervalStart` index), judged on the client ([`crate::reading::usable`]) and
//! summed per meter. Usable and malformed readings are counted in the same pass, so the day is
//! read once, at the rate the store can send it.
//!
//! Chosen over one server-side `$group` that also counts the malformed readings by measurement
//! (README "Performance"): on the local MongoDB-wire server the scan runs at the raw read rate
//! and the `$group` does not. Memory grows with the meters of the day (one small entry each,
//! about 1 MB per 10,000 meters), never with the readings.

use std::collections::BTreeMap;

use mongodb::bson::{Document, doc};

use super::usage::in_window;
use crate::collections::READINGS;
use crate::context::JobContext;
use crate::error::JobError;
use crate::reading::{KwhSum, usable};
use crate::window::Window;

/// Documents per server batch: large batches keep the stream at the store's rate.
const BATCH: u32 = 10_000;

/// One meter's usable readings of the window.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeterUsage {
    pub kwh: KwhSum,
    pub intervals: u64,
    pub estimated: u64,
}

/// The window's usage per meter, in meter id order (the byte order MongoDB sorts strings in).
#[derive(Debug, Default)]
pub struct WindowUsage {
    pub meters: BTreeMap<String, MeterUsage>,
    pub malformed: u64,
}

impl WindowUsage {
    /// Usable readings summed.
    pub fn readings(&self) -> u64 {
        self.meters.values().map(|m| m.intervals).sum()
    }
}

/// Reads the window's readings once. A transient error mid-stream (a dropped connection) cannot
/// resume a cursor, so the scan starts again from nothing. A stop request (signal, deadline, lost
/// lease) ends the scan at once with [`JobError::Cancelled`]: nothing of a partial scan is written.
pub async fn scan(ctx: &JobContext, w: &Window) -> Result<WindowUsage, JobError> {
    let readings = ctx.db.collection::<Document>(READINGS);
    let usage = ctx
        .mongo_retry("reading the window's readings", || async {
            let mut cursor = readings
                .find(in_window(w))
                .projection(doc! { "_id": 0, "meterId": 1, "intervalStart": 1, "kwh": 1, "estimated": 1 })
                .batch_size(BATCH)
                .await?;
            let mut usage = WindowUsage::default();
            while cursor.advance().await? {
                let Some(r) = usable(cursor.current()) else {
                    usage.malformed += 1;
                    continue;
                };
                let meter = match usage.meters.get_mut(r.meter_id) {
                    Some(m) => m,
                    None => usage.meters.entry(r.meter_id.to_owned()).or_default(),
                };
                meter.kwh.add(r.kwh);
                meter.intervals += 1;
                meter.estimated += u64::from(r.estimated);
            }
            Ok(usage)
        })
        .await?;
    if usage.malformed > 0 {
        tracing::warn!(
            malformed = usage.malformed,
            "skipped malformed readings (wrong types, missing fields, NaN or infinite kwh, off the 15-minute grid)"
        );
    }
    Ok(usage)
}
