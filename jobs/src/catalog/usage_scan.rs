//! A window's per-meter usage in one pass: the window's readings are streamed once as raw BSON
//! (through the `intervalStart` index), judged on the client ([`crate::reading::usable`]) and
//! summed per meter. Usable and malformed readings are counted in the same pass, so the day is
//! read once, at the rate the store can send it.
//!
//! Chosen over one server-side `$group` that also counts the malformed readings by measurement
//! (README "Performance"): on the local MongoDB-wire server the scan runs at the raw read rate
//! and the `$group` does not. Two details keep it there:
//! - no projection: the documents are small, and building projected copies cost the server more
//!   than sending the whole documents (1.14M readings: 5.7-6.7 s projected, 3.2-4.2 s whole);
//! - reading and summing overlap: the cursor task only copies each batch into chunks and asks for
//!   the next one, while a blocking thread judges and sums the chunks it was handed. The server
//!   prepares batch n+1 while batch n is summed, instead of waiting for it.
//!
//! Memory grows with the meters of the day (one small entry each, about 1 MB per 10,000 meters)
//! and [`CHUNKS_IN_FLIGHT`] chunks, never with the readings.

use std::collections::{BTreeMap, HashMap};

use mongodb::Collection;
use mongodb::bson::{RawDocument, RawDocumentBuf};
use tokio::sync::mpsc;

use super::usage::in_window;
use crate::collections::READINGS;
use crate::context::JobContext;
use crate::error::JobError;
use crate::reading::{KwhSum, usable};
use crate::window::Window;

/// Documents per server batch: large batches keep the stream at the store's rate.
const BATCH: u32 = 10_000;
/// Raw documents are handed to the summing thread in chunks of about this many bytes.
const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks the cursor may run ahead of the summing: more than one batch (about 1 MB), so the
/// cursor asks for the next batch without waiting for the last one to be summed.
const CHUNKS_IN_FLIGHT: usize = 8;

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
    let readings = ctx.db.collection::<RawDocumentBuf>(READINGS);
    let usage = ctx.mongo_retry("reading the window's readings", || scan_once(&readings, w)).await?;
    crate::reading::warn_malformed(usage.malformed);
    Ok(usage)
}

/// One attempt: this task drives the cursor, a blocking thread sums what it reads. Dropped (a stop
/// request), the cursor is killed and the thread, finding the channel closed, ends.
async fn scan_once(readings: &Collection<RawDocumentBuf>, w: &Window) -> Result<WindowUsage, mongodb::error::Error> {
    let (chunks, mut received) = mpsc::channel::<Vec<u8>>(CHUNKS_IN_FLIGHT);
    let summing = tokio::task::spawn_blocking(move || {
        let mut sums = Sums::default();
        while let Some(chunk) = received.blocking_recv() {
            sums.add_chunk(&chunk);
        }
        sums
    });
    let mut cursor = readings.find(in_window(w)).batch_size(BATCH).await?;
    let mut chunk = Vec::with_capacity(CHUNK_BYTES * 2);
    while cursor.advance().await? {
        chunk.extend_from_slice(cursor.current().as_bytes());
        if chunk.len() >= CHUNK_BYTES {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_BYTES * 2));
            if chunks.send(full).await.is_err() {
                break; // the thread is gone: its panic is raised below
            }
        }
    }
    if !chunk.is_empty() {
        // An error means the thread is gone: its panic is raised below.
        let _ = chunks.send(chunk).await;
    }
    drop(chunks);
    match summing.await {
        Ok(sums) => Ok(sums.into_usage()),
        // A bug in the summing is a panic of this run, as it would have been on this task.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(mongodb::error::Error::custom(format!("summing the window's readings did not finish: {e}"))),
    }
}

/// The running per-meter sums; a hash map while summing (a lookup per reading), sorted once at the
/// end.
#[derive(Default)]
struct Sums {
    meters: HashMap<String, MeterUsage>,
    malformed: u64,
}

impl Sums {
    /// Judges and sums the raw documents laid end to end in `chunk`, as the cursor copied them.
    fn add_chunk(&mut self, mut chunk: &[u8]) {
        while let Some(len) = chunk.first_chunk::<4>().map(|l| i32::from_le_bytes(*l)) {
            // The smallest document is 5 bytes (its length and the closing zero).
            let Some(doc) = usize::try_from(len).ok().filter(|&len| len >= 5).and_then(|len| chunk.get(..len)) else {
                // Not what the cursor wrote; cannot happen, but must not loop or panic.
                self.malformed += 1;
                return;
            };
            chunk = &chunk[doc.len()..];
            self.add(RawDocument::from_bytes(doc).ok());
        }
    }

    fn add(&mut self, doc: Option<&RawDocument>) {
        let Some(r) = doc.and_then(usable) else {
            self.malformed += 1;
            return;
        };
        let meter = match self.meters.get_mut(r.meter_id) {
            Some(m) => m,
            None => self.meters.entry(r.meter_id.to_owned()).or_default(),
        };
        meter.kwh.add(r.kwh);
        meter.intervals += 1;
        meter.estimated += u64::from(r.estimated);
    }

    fn into_usage(self) -> WindowUsage {
        WindowUsage { meters: self.meters.into_iter().collect(), malformed: self.malformed }
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::{DateTime, doc};

    use super::*;

    fn raw(meter: &str, kwh: f64) -> Vec<u8> {
        let d = doc! { "meterId": meter, "intervalStart": DateTime::from_millis(0), "kwh": kwh };
        RawDocumentBuf::from_document(&d).expect("encode").into_bytes()
    }

    #[test]
    fn a_chunk_is_summed_document_by_document_and_sorted_by_meter() {
        let mut chunk = raw("B", 1.5);
        chunk.extend(raw("A", 2.0));
        chunk.extend(raw("B", 0.5));
        let mut sums = Sums::default();
        sums.add_chunk(&chunk);
        let usage = sums.into_usage();
        let got: Vec<(&str, f64, u64)> =
            usage.meters.iter().map(|(m, u)| (m.as_str(), u.kwh.total(), u.intervals)).collect();
        assert_eq!(got, vec![("A", 2.0, 1), ("B", 2.0, 2)]);
        assert_eq!((usage.malformed, usage.readings()), (0, 3));
    }

    #[test]
    fn bytes_that_are_not_whole_documents_count_as_malformed_and_end_the_chunk() {
        for tail in [vec![0, 0, 0, 0], vec![255, 255, 255, 255], vec![100, 0, 0, 0, 1]] {
            let mut chunk = raw("A", 1.0);
            chunk.extend(&tail);
            chunk.extend(raw("A", 1.0));
            let mut sums = Sums::default();
            sums.add_chunk(&chunk);
            assert_eq!((sums.meters["A"].intervals, sums.malformed), (1, 1), "{tail:?}");
        }
    }
}
