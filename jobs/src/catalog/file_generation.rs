//! FileGeneration: for the previous local day D, read the day's readings once
//! ([`super::usage_scan`]), write `daily-usage/D.csv` (one row per meter with usable readings that
//! day, sorted by meter id) through a CSV writer into a multipart upload, part by part; then write
//! `daily-usage/D.manifest.json` describing it; then record it in `generated_files`. Memory is one
//! small entry per meter and one upload part, whatever the number of readings.
//!
//! It reads raw readings, so it does not depend on NightlyDataChange having run.

use std::time::Duration;

use chrono::Utc;
use mongodb::bson::{Document, doc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::usage_scan::{self, WindowUsage};
use crate::collections::{GENERATED_FILES, READINGS};
use crate::context::JobContext;
use crate::csv_safe::{kwh_3dp, neutralise};
use crate::error::JobError;
use crate::job::{Job, JobReport};
use crate::spec::ProcessSpec;
use crate::store::{ObjectKey, ObjectStore, Upload};
use crate::window::{Cadence, Window, rfc3339};

pub struct FileGeneration;

pub const SPEC: ProcessSpec = ProcessSpec {
    name: "FileGeneration",
    legacy_key: Some("FileGenerationProcesses"),
    cadence: Cadence::Daily,
    default_cron: "cron(30 2 * * ? *)",
    default_timeout: Duration::from_secs(2 * 3600),
    writes_files: true,
    reads: &[READINGS],
    writes: &[GENERATED_FILES],
    depends_on: &[],
    job: &FileGeneration,
};

pub const HEADER: [&str; 5] = ["meter_id", "date", "kwh", "interval_count", "estimated_count"];
/// CSV bytes are handed to the upload in chunks of about this size.
const FLUSH_AT: usize = 64 * 1024;

/// The manifest written after the CSV; deterministic, so a re-run writes the same bytes.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub file: String,
    pub date: String,
    pub timezone: String,
    pub window_start: String,
    pub window_end: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

impl Job for FileGeneration {
    async fn run(&self, ctx: &JobContext, window: &Window) -> Result<JobReport, JobError> {
        let store =
            ctx.store.as_ref().ok_or_else(|| JobError::InvalidInput("FileGeneration needs OUTPUT_URL".into()))?;
        let date = window.local_date(ctx.tz).format("%Y-%m-%d").to_string();
        let csv_key = key(&format!("{date}.csv"))?;
        let manifest_key = key(&format!("{date}.manifest.json"))?;

        // A run killed while writing either file leaves its unfinished upload behind: cleared
        // while the day is read.
        let (usage, cleared) =
            tokio::join!(usage_scan::scan(ctx, window), abort_stale(store, [&csv_key, &manifest_key]));
        let usage = usage?;
        cleared?;
        let (written, bytes) = write_object(ctx, store, &csv_key, &usage, &date).await?;
        let csv_url = store.url_of(&csv_key);
        let manifest = Manifest {
            file: csv_key.to_string(),
            date: date.clone(),
            timezone: ctx.tz.name().to_owned(),
            window_start: rfc3339(window.start),
            window_end: rfc3339(window.end),
            rows: written.rows,
            bytes,
            sha256: written.sha256.clone(),
        };
        write_manifest(store, &manifest_key, &manifest).await?;
        record(ctx, &csv_url, &store.url_of(&manifest_key), &manifest).await?;
        tracing::info!(rows = written.rows, bytes, sha256 = %written.sha256, url = %csv_url, "generated file");
        Ok(JobReport {
            read: usage.readings(),
            written: written.rows,
            malformed: usage.malformed,
            output: Some(csv_url),
            ..JobReport::default()
        })
    }
}

/// The CSV as a new multipart upload, completed only when every row is in it and aborted on any
/// error. S3 calls are retried by the store itself. Returns what was written and the object's size.
async fn write_object(
    ctx: &JobContext,
    store: &ObjectStore,
    key: &ObjectKey,
    usage: &WindowUsage,
    date: &str,
) -> Result<(Written, u64), JobError> {
    let mut upload = store.start(key, "text/csv; charset=utf-8").await?;
    let sent = ctx.cancellable(async {
        let written = write_csv(ctx, usage, date, &mut upload).await?;
        upload.flush().await?;
        Ok::<_, JobError>(written)
    });
    match sent.await.and_then(|r| r) {
        Ok(w) => Ok((w, upload.finish().await?)),
        Err(e) => {
            if let Err(abort_err) = upload.abort().await {
                tracing::warn!(error = %abort_err, "could not abort the upload; the next run aborts it");
            }
            Err(e)
        }
    }
}

async fn abort_stale(store: &ObjectStore, keys: [&ObjectKey; 2]) -> Result<(), JobError> {
    for k in keys {
        let stale = store.abort_stale(k).await?;
        if stale > 0 {
            tracing::warn!(stale, key = %k, "aborted unfinished uploads left by an earlier run");
        }
    }
    Ok(())
}

fn key(name: &str) -> Result<ObjectKey, JobError> {
    ObjectKey::from_parts(&["daily-usage", name]).map_err(|e| JobError::InvalidInput(e.to_string()))
}

struct Written {
    rows: u64,
    sha256: String,
}

/// Writes the per-meter usage of the window into `upload` as CSV, in meter id order.
async fn write_csv(
    ctx: &JobContext,
    usage: &WindowUsage,
    date: &str,
    upload: &mut Upload,
) -> Result<Written, JobError> {
    let mut csv = csv_writer();
    let mut hash = Sha256::new();
    let mut rows = 0u64;
    csv.write_record(HEADER).map_err(csv_err)?;
    for (meter, u) in &usage.meters {
        csv.write_record([
            &*neutralise(meter),
            date,
            &kwh_3dp(u.kwh.total()),
            &u.intervals.to_string(),
            &u.estimated.to_string(),
        ])
        .map_err(csv_err)?;
        rows += 1;
        if csv.get_ref().len() >= FLUSH_AT {
            ctx.checkpoint()?;
            flush(&mut csv, &mut hash, upload).await?;
        }
    }
    flush(&mut csv, &mut hash, upload).await?;
    Ok(Written { rows, sha256: hex::encode(hash.finalize()) })
}

/// RFC 4180: fields quoted when needed, CRLF line ends.
fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::with_capacity(FLUSH_AT * 2))
}

/// Moves the CSV bytes written so far into the hash and the upload.
async fn flush(csv: &mut csv::Writer<Vec<u8>>, hash: &mut Sha256, upload: &mut Upload) -> Result<(), JobError> {
    let buf = std::mem::replace(csv, csv_writer())
        .into_inner()
        .map_err(|e| JobError::InvalidInput(format!("CSV: {}", e.error())))?;
    hash.update(&buf);
    upload.write(&buf).await?;
    Ok(())
}

fn csv_err(e: csv::Error) -> JobError {
    JobError::InvalidInput(format!("CSV: {e}"))
}

async fn write_manifest(store: &ObjectStore, key: &ObjectKey, m: &Manifest) -> Result<(), JobError> {
    let mut body = serde_json::to_vec_pretty(m).map_err(|e| JobError::InvalidInput(format!("manifest: {e}")))?;
    body.push(b'\n');
    store.put(key, body, "application/json").await?;
    Ok(())
}

/// Upserts the `generated_files` record of this file (keyed by its URL).
async fn record(ctx: &JobContext, csv_url: &str, manifest_url: &str, m: &Manifest) -> Result<(), JobError> {
    let coll = ctx.db.collection::<Document>(GENERATED_FILES);
    let update = doc! { "$set": {
        "date": &m.date,
        "manifest": manifest_url,
        "rows": m.rows as i64,
        "bytes": m.bytes as i64,
        "sha256": &m.sha256,
        "runId": &ctx.run_id,
        "generatedAt": Utc::now(),
    } };
    ctx.mongo_retry("recording the generated file", || {
        coll.update_one(doc! { "_id": csv_url }, update.clone()).upsert(true)
    })
    .await?;
    Ok(())
}
