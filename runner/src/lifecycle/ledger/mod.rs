//! The ledger: one document per (process, window) in MongoDB, answering "did the 02:00 run
//! happen, and what did it do?". Unique on (process, windowStart).
//!
//! Every read, and every write that may be repeated, is retried on transient errors with the
//! policy the jobs use: a blip while catch-up plans or a dependency is polled does not fail a run.

mod entry;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use intervalprocessing_jobs::indexes::IndexSpec;
use intervalprocessing_jobs::retry::mongo_retried as retried;
use intervalprocessing_jobs::{Process, Window};
use mongodb::bson::{Bson, Document, doc};
use mongodb::{Collection, Database};

pub use self::entry::{Recorded, Runner, Status, WindowOutcome, abandoned, given_up, int};
use super::lease::Lease;
use crate::error::AppError;

pub const JOB_RUNS: &str = "job_runs";
/// One document per process: the start of the oldest window its ledger has (`firstWindow`), so
/// that finding it reads one document however many years of entries there are.
pub const LEDGER_ORIGINS: &str = "ledger_origins";

#[derive(Debug, Clone)]
pub struct Ledger {
    db: Database,
    coll: Collection<Document>,
    origins: Collection<Document>,
}

impl Ledger {
    pub fn new(db: &Database) -> Ledger {
        Ledger { db: db.clone(), coll: db.collection(JOB_RUNS), origins: db.collection(LEDGER_ORIGINS) }
    }

    /// The unique index on (process, windowStart), and the one catch-up finds a process's
    /// unfinished windows by, so that a run reads a few entries whatever the years of history
    /// (equivalent indexes under any name are used as they are).
    pub async fn ensure_indexes(&self) -> Result<(), AppError> {
        let unique = IndexSpec::unique(
            JOB_RUNS,
            doc! { "process": 1, "windowStart": 1 },
            "process_window_unique",
            "the ledger relies on a unique index on these keys (one entry per process and window)",
        );
        let by_status = IndexSpec::plain(
            JOB_RUNS,
            doc! { "process": 1, "status": 1, "windowStart": 1 },
            "catch-up finds a process's unfinished windows by it",
        );
        for spec in [unique, by_status] {
            intervalprocessing_jobs::indexes::ensure_on(&self.coll, &spec).await?;
        }
        Ok(())
    }

    /// Records that `window` is being worked on (a new attempt of it).
    pub async fn begin(&self, process: Process, w: &Window, who: &Runner) -> mongodb::error::Result<()> {
        let task_arn = who.task_arn.clone().map_or(Bson::Null, Bson::String);
        self.coll
            .update_one(
                doc! { "process": process.name(), "windowStart": w.start },
                doc! {
                    "$set": {
                        "windowEnd": w.end,
                        "status": Status::Running.as_str(),
                        "runId": &who.run_id,
                        "host": &who.host,
                        "taskArn": task_arn,
                        "startedAt": Utc::now(),
                    },
                    "$unset": { "endedAt": "", "durationMs": "", "error": "", "read": "", "written": "",
                                "deleted": "", "malformed": "", "output": "", "upstreamMissing": "" },
                    "$inc": { "attempts": 1 },
                },
            )
            .upsert(true)
            .await?;
        self.note_origin(process, w.start).await
    }

    /// Records how the attempt ended.
    pub async fn finish(
        &self,
        process: Process,
        w: &Window,
        who: &Runner,
        o: &WindowOutcome<'_>,
    ) -> mongodb::error::Result<()> {
        let ended = Utc::now();
        let mut set = doc! {
            "status": o.status.as_str(),
            "endedAt": ended,
            "durationMs": (ended - o.started).num_milliseconds(),
        };
        if let Some(r) = o.report {
            set.insert("read", r.read as i64);
            set.insert("written", r.written as i64);
            set.insert("deleted", r.deleted as i64);
            set.insert("malformed", r.malformed as i64);
            if let Some(o) = &r.output {
                set.insert("output", o.as_str());
            }
        }
        if let Some(e) = o.error {
            set.insert("error", e);
        }
        if !o.upstream_missing.is_empty() {
            set.insert("upstreamMissing", o.upstream_missing.to_vec());
        }
        // The entry as a one-branch `$or`, and then this run's: MongoDB reads a one-branch `$or`
        // as its branch, and a server that serves only an index's first field when a filter has
        // more than the index's fields (the local MongoDB-wire server) reads one entry, not every
        // entry of the process.
        self.coll
            .update_one(
                doc! { "$or": [{ "process": process.name(), "windowStart": w.start }], "runId": &who.run_id },
                doc! { "$set": set },
            )
            .await
            .map(|_| ())
    }

    /// Records a planned window that was never started (the run stopped first), unless the
    /// window already has an entry. Catch-up still treats it as not done.
    pub async fn skipped(&self, process: Process, w: &Window, who: &Runner, why: &str) -> mongodb::error::Result<()> {
        retried("recording a skipped window", || self.skip_once(process, w, who, why)).await
    }

    async fn skip_once(&self, process: Process, w: &Window, who: &Runner, why: &str) -> mongodb::error::Result<()> {
        self.coll
            .update_one(
                doc! { "process": process.name(), "windowStart": w.start },
                doc! { "$setOnInsert": {
                    "windowEnd": w.end,
                    "status": Status::Skipped.as_str(),
                    "attempts": 0,
                    "runId": &who.run_id,
                    "host": &who.host,
                    "endedAt": Utc::now(),
                    "error": why,
                } },
            )
            .upsert(true)
            .await?;
        self.note_origin(process, w.start).await
    }

    /// Records that the ledger of `process` has an entry for the window starting at `start`; the
    /// oldest start is kept. The first entry since origins are kept searches the ledger once: it
    /// may hold older entries, written by an earlier version.
    async fn note_origin(&self, process: Process, start: DateTime<Utc>) -> mongodb::error::Result<()> {
        if self.lower_origin(process, start, false).await? {
            return Ok(());
        }
        let oldest = self.oldest_entry(process).await?.map_or(start, |t| t.min(start));
        self.lower_origin(process, oldest, true).await.map(|_| ())
    }

    /// Moves the noted origin of `process` back to `t` if `t` is older; whether a document was
    /// there (or, with `create`, made).
    async fn lower_origin(&self, process: Process, t: DateTime<Utc>, create: bool) -> mongodb::error::Result<bool> {
        let r = self
            .origins
            .update_one(doc! { "_id": process.name() }, doc! { "$min": { "firstWindow": t } })
            .upsert(create)
            .await?;
        Ok(r.matched_count > 0 || r.upserted_id.is_some())
    }

    /// The oldest window among the entries themselves: reads the process's entries on a server
    /// that does not stop a sorted read at its limit, so only when no origin is noted.
    async fn oldest_entry(&self, process: Process) -> mongodb::error::Result<Option<DateTime<Utc>>> {
        let d = self.coll.find_one(doc! { "process": process.name() }).sort(doc! { "windowStart": 1 }).await?;
        Ok(d.and_then(|d| d.get_datetime("windowStart").ok().map(|t| t.to_chrono())))
    }

    /// What the ledger says about the windows of `process` starting in `[from, to)`.
    pub async fn between(
        &self,
        process: Process,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> mongodb::error::Result<Vec<Recorded>> {
        let filter = doc! { "process": process.name(), "windowStart": { "$gte": from, "$lt": to } };
        retried("reading the ledger", || self.recorded(filter.clone())).await
    }

    /// The windows of `process` starting before `to` that were started and did not succeed
    /// (running ones included, whatever their run), oldest first.
    pub async fn unfinished_before(
        &self,
        process: Process,
        to: DateTime<Utc>,
    ) -> mongodb::error::Result<Vec<Recorded>> {
        let statuses = [Status::Failed, Status::TimedOut, Status::Interrupted, Status::Running].map(Status::as_str);
        // No bound on `windowStart` in the query: with one, a server may read the process's
        // entries by `(process, windowStart)` and test each status, all of history (the local
        // MongoDB-wire server does). Entries at or after `to` are few and left out here.
        let filter = doc! { "process": process.name(), "status": { "$in": statuses.to_vec() } };
        let unfinished = retried("reading the ledger", || self.recorded(filter.clone())).await?;
        Ok(unfinished.into_iter().filter(|r| r.start < to).collect())
    }

    async fn recorded(&self, filter: Document) -> mongodb::error::Result<Vec<Recorded>> {
        let docs: Vec<Document> = self
            .coll
            .find(filter)
            .projection(doc! { "windowStart": 1, "status": 1, "attempts": 1, "runId": 1, "startedAt": 1, "error": 1 })
            .sort(doc! { "windowStart": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs.iter().filter_map(Recorded::from_doc).collect())
    }

    /// Run ids that hold a process lease now: a `running` entry of any other run is abandoned.
    /// The leases are read only when one of `entries` says `running` (nothing else needs them).
    pub async fn live_runs<'r>(
        &self,
        entries: impl IntoIterator<Item = &'r Recorded>,
    ) -> mongodb::error::Result<HashSet<String>> {
        match entries.into_iter().any(|r| r.status == Status::Running.as_str()) {
            true => Lease::live_holders(&self.db).await,
            false => Ok(HashSet::new()),
        }
    }

    /// The start of the oldest window ever recorded for `process`: catch-up never reaches before it.
    /// One document read ([`LEDGER_ORIGINS`]); a ledger written before origins were noted is
    /// searched once, and its origin noted (best effort: `status` may run with read-only rights).
    pub async fn first_window(&self, process: Process) -> mongodb::error::Result<Option<DateTime<Utc>>> {
        retried("reading the ledger's first window", || self.first_window_once(process)).await
    }

    async fn first_window_once(&self, process: Process) -> mongodb::error::Result<Option<DateTime<Utc>>> {
        let noted = self.origins.find_one(doc! { "_id": process.name() }).await?;
        if let Some(t) = noted.as_ref().and_then(|d| d.get_datetime("firstWindow").ok()) {
            return Ok(Some(t.to_chrono()));
        }
        let first = self.oldest_entry(process).await?;
        if let Some(t) = first
            && let Err(e) = self.lower_origin(process, t, true).await
        {
            tracing::debug!(error = %e, "could not note the ledger's first window; it is searched again next time");
        }
        Ok(first)
    }

    /// Entries newest window first, optionally of one process.
    pub async fn recent(&self, process: Option<Process>, limit: u32) -> mongodb::error::Result<Vec<Document>> {
        let filter = process.map_or_else(Document::new, |p| doc! { "process": p.name() });
        retried("reading the ledger", || async {
            self.coll
                .find(filter.clone())
                .sort(doc! { "windowStart": -1, "process": 1 })
                .limit(i64::from(limit))
                .await?
                .try_collect()
                .await
        })
        .await
    }
}
