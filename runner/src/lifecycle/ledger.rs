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

use crate::error::AppError;

pub const JOB_RUNS: &str = "job_runs";

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
pub struct Outcome<'a> {
    pub status: Status,
    pub started: DateTime<Utc>,
    pub report: Option<&'a JobReport>,
    pub error: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct Ledger {
    coll: Collection<Document>,
}

impl Ledger {
    pub fn new(db: &Database) -> Ledger {
        Ledger { coll: db.collection(JOB_RUNS) }
    }

    /// The unique index on (process, windowStart), or an equivalent one under any name.
    pub async fn ensure_indexes(&self) -> Result<(), AppError> {
        let unique = IndexSpec::unique(
            JOB_RUNS,
            doc! { "process": 1, "windowStart": 1 },
            "process_window_unique",
            "the ledger relies on a unique index on these keys (one entry per process and window)",
        );
        Ok(intervalprocessing_jobs::indexes::ensure_on(&self.coll, &unique).await?)
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
                                "deleted": "", "malformed": "", "output": "" },
                    "$inc": { "attempts": 1 },
                },
            )
            .upsert(true)
            .await
            .map(|_| ())
    }

    /// Records how the attempt ended.
    pub async fn finish(
        &self,
        process: Process,
        w: &Window,
        who: &Runner,
        o: &Outcome<'_>,
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
        self.coll
            .update_one(
                doc! { "process": process.name(), "windowStart": w.start, "runId": &who.run_id },
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
            .await
            .map(|_| ())
    }

    /// Starts of the windows of `process` in `[from, to)` that succeeded.
    pub async fn succeeded_between(
        &self,
        process: Process,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> mongodb::error::Result<HashSet<DateTime<Utc>>> {
        let docs: Vec<Document> = self
            .coll
            .find(doc! {
                "process": process.name(),
                "windowStart": { "$gte": from, "$lt": to },
                "status": Status::Succeeded.as_str(),
            })
            .projection(doc! { "windowStart": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(docs.iter().filter_map(|d| d.get_datetime("windowStart").ok()).map(|t| t.to_chrono()).collect())
    }

    /// The start of the oldest window ever recorded for `process`: catch-up never reaches before it.
    pub async fn first_window(&self, process: Process) -> mongodb::error::Result<Option<DateTime<Utc>>> {
        let d = self.coll.find_one(doc! { "process": process.name() }).sort(doc! { "windowStart": 1 }).await?;
        Ok(d.and_then(|d| d.get_datetime("windowStart").ok().map(|t| t.to_chrono())))
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
