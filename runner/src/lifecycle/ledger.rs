//! The ledger: one document per (process, window) in MongoDB, answering "did the 02:00 run
//! happen, and what did it do?". Unique on (process, windowStart).

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use intervalprocessing_jobs::indexes::IndexSpec;
use intervalprocessing_jobs::{JobReport, Process, Window};
use mongodb::bson::{Bson, Document, doc};
use mongodb::{Collection, Database};
use serde::Serialize;

use super::lease::Lease;
use crate::error::AppError;

pub const JOB_RUNS: &str = "job_runs";
/// One document per process: the start of the oldest window its ledger has (`firstWindow`), so
/// that finding it reads one document however many years of entries there are.
pub const LEDGER_ORIGINS: &str = "ledger_origins";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Interrupted,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::TimedOut => "timed_out",
            Status::Interrupted => "interrupted",
            Status::Skipped => "skipped",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is running: the run id, and the ECS task ARN and host when known.
#[derive(Debug, Clone)]
pub struct Runner {
    pub run_id: String,
    pub host: String,
    pub task_arn: Option<String>,
}

/// How one attempt at a window ended.
#[derive(Debug, Clone, Copy)]
pub struct WindowOutcome<'a> {
    pub status: Status,
    pub started: DateTime<Utc>,
    pub report: Option<&'a JobReport>,
    pub error: Option<&'a str>,
    /// Upstream windows the window ran without (given up for good, or not succeeded in a manual run).
    pub upstream_missing: &'a [String],
}

/// What catch-up and `history` need to know about one recorded window. Read leniently: any
/// numeric type for `attempts` (an operator may have edited it with mongosh), missing means 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub start: DateTime<Utc>,
    pub status: String,
    pub attempts: i64,
    pub run_id: Option<String>,
    /// When its latest attempt started (none for a window never started).
    pub started_at: Option<DateTime<Utc>>,
    /// Why it failed or was skipped.
    pub error: Option<String>,
}

impl Recorded {
    fn from_doc(d: &Document) -> Option<Recorded> {
        Some(Recorded {
            start: d.get_datetime("windowStart").ok()?.to_chrono(),
            status: d.get_str("status").ok()?.to_owned(),
            attempts: int(d, "attempts").unwrap_or(0),
            run_id: d.get_str("runId").ok().map(str::to_owned),
            started_at: d.get_datetime("startedAt").ok().map(|t| t.to_chrono()),
            error: d.get_str("error").ok().map(str::to_owned),
        })
    }

    /// `running`, but its run holds no process lease any more (it died, or lost MongoDB, before
    /// it could record an outcome).
    pub fn abandoned(&self, live_runs: &HashSet<String>) -> bool {
        abandoned(&self.status, self.run_id.as_deref(), live_runs)
    }

    /// Started and did not succeed: failed, timed out, interrupted, or abandoned.
    pub fn unfinished(&self, live_runs: &HashSet<String>) -> bool {
        unfinished(&self.status, self.abandoned(live_runs))
    }

    /// Catch-up no longer retries it (see [`given_up`]).
    pub fn given_up(&self, live_runs: &HashSet<String>, max_attempts: u32) -> bool {
        given_up(&self.status, self.attempts, self.abandoned(live_runs), max_attempts)
    }
}

/// `running`, but its run (`run_id`) is not among the holders of a live process lease.
pub fn abandoned(status: &str, run_id: Option<&str>, live_runs: &HashSet<String>) -> bool {
    status == Status::Running.as_str() && run_id.is_none_or(|id| !live_runs.contains(id))
}

/// A window that was started and did not succeed: `failed`, `timed_out`, `interrupted`, or
/// `running` under a run that no longer holds the lease (`abandoned`).
pub fn unfinished(status: &str, abandoned: bool) -> bool {
    [Status::Failed, Status::TimedOut, Status::Interrupted].iter().any(|s| s.as_str() == status)
        || (abandoned && status == Status::Running.as_str())
}

/// An unfinished window that has had `max_attempts` attempts (`MAX_WINDOW_ATTEMPTS`): catch-up
/// gives up on it. It is reported (by `history` and by every scheduled run), never run again
/// unless a person asks for it (`--at`, `--from/--to`).
pub fn given_up(status: &str, attempts: i64, abandoned: bool, max_attempts: u32) -> bool {
    unfinished(status, abandoned) && attempts >= i64::from(max_attempts)
}

/// A count field, whatever numeric type stored it (whole doubles included).
pub fn int(d: &Document, k: &str) -> Option<i64> {
    match d.get(k)? {
        Bson::Int32(i) => Some(i64::from(*i)),
        Bson::Int64(i) => Some(*i),
        Bson::Double(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Some(*x as i64),
        _ => None,
    }
}

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
        self.recorded(doc! { "process": process.name(), "windowStart": { "$gte": from, "$lt": to } }).await
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
        let unfinished =
            self.recorded(doc! { "process": process.name(), "status": { "$in": statuses.to_vec() } }).await?;
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
        self.coll
            .find(filter)
            .sort(doc! { "windowStart": -1, "process": 1 })
            .limit(i64::from(limit))
            .await?
            .try_collect()
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_of_any_numeric_type_count_and_a_missing_field_is_zero() {
        let at = |a: Bson| Recorded::from_doc(&doc! { "windowStart": Utc::now(), "status": "failed", "attempts": a });
        assert_eq!(at(Bson::Int32(3)).map(|r| r.attempts), Some(3));
        assert_eq!(at(Bson::Int64(3)).map(|r| r.attempts), Some(3));
        assert_eq!(at(Bson::Double(3.0)).map(|r| r.attempts), Some(3));
        let bare = Recorded::from_doc(&doc! { "windowStart": Utc::now(), "status": "failed" });
        assert_eq!(bare.map(|r| r.attempts), Some(0));
    }

    #[test]
    fn only_unfinished_windows_are_given_up_once_they_reach_the_bound() {
        for status in ["failed", "timed_out", "interrupted"] {
            assert!(given_up(status, 3, false, 3), "{status}");
            assert!(!given_up(status, 2, false, 3), "{status}");
        }
        assert!(given_up("running", 3, true, 3), "an abandoned attempt counts");
        assert!(!given_up("running", 3, false, 3), "a live run is not judged");
        assert!(!given_up("succeeded", 9, false, 3));
        assert!(!given_up("skipped", 9, false, 3), "never started");
    }
}
