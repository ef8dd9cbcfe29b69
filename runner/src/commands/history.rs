//! `history`: the ledger, newest window first, as a table or JSON.

use intervalprocessing_infra::Console;
use intervalprocessing_jobs::Process;
use intervalprocessing_jobs::window::rfc3339;
use mongodb::bson::Document;
use serde::Serialize;

use crate::cli::HistoryArgs;
use crate::config::Config;
use crate::connect;
use crate::error::AppError;
use crate::lifecycle::lease::Lease;
use crate::lifecycle::ledger::{self, Ledger, int};
use crate::outcome::Outcome;

/// One ledger entry as printed (`--json` prints an array of these).
#[derive(Debug, Serialize)]
pub struct Entry {
    pub process: String,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub duration_ms: Option<i64>,
    pub read: Option<i64>,
    pub written: Option<i64>,
    pub deleted: Option<i64>,
    pub malformed: Option<i64>,
    pub output: Option<String>,
    pub error: Option<String>,
    pub run_id: Option<String>,
    pub task_arn: Option<String>,
    pub host: Option<String>,
    /// `running`, but its run no longer holds the process lease: it died (or lost MongoDB) before
    /// it could record an outcome. The next run of the window overwrites the entry.
    pub abandoned: bool,
    /// It did not succeed in `attempts` tries, the most `MAX_WINDOW_ATTEMPTS` allows: scheduled
    /// runs no longer retry it (a person can, with `run --at`).
    pub given_up: bool,
}

fn time(d: &Document, k: &str) -> Option<String> {
    d.get_datetime(k).ok().map(|t| rfc3339(t.to_chrono()))
}

fn text(d: &Document, k: &str) -> Option<String> {
    d.get_str(k).ok().map(str::to_owned)
}

impl Entry {
    pub fn from_doc(d: &Document) -> Entry {
        Entry {
            process: text(d, "process").unwrap_or_default(),
            window_start: time(d, "windowStart"),
            window_end: time(d, "windowEnd"),
            status: text(d, "status").unwrap_or_default(),
            attempts: int(d, "attempts").unwrap_or(0),
            started_at: time(d, "startedAt"),
            ended_at: time(d, "endedAt"),
            duration_ms: int(d, "durationMs"),
            read: int(d, "read"),
            written: int(d, "written"),
            deleted: int(d, "deleted"),
            malformed: int(d, "malformed"),
            output: text(d, "output"),
            error: text(d, "error"),
            run_id: text(d, "runId"),
            task_arn: text(d, "taskArn"),
            host: text(d, "host"),
            abandoned: false,
            given_up: false,
        }
    }
}

pub async fn run(args: HistoryArgs, cfg: &Config, out: &Console) -> Result<Outcome, AppError> {
    let process = args.process.as_deref().map(str::parse::<Process>).transpose()?;
    let db = connect::mongo(cfg).await?;
    let docs = Ledger::new(&db).recent(process, args.limit).await.map_err(AppError::mongo("reading the ledger"))?;
    let mut entries: Vec<Entry> = docs.iter().map(Entry::from_doc).collect();
    if entries.iter().any(|e| e.status == "running") {
        let live = Lease::live_holders(&db).await.map_err(AppError::mongo("reading the process leases"))?;
        for e in entries.iter_mut().filter(|e| e.status == "running") {
            e.abandoned = ledger::abandoned(&e.status, e.run_id.as_deref(), &live);
        }
    }
    for e in &mut entries {
        e.given_up = ledger::given_up(&e.status, e.attempts, e.abandoned, cfg.max_window_attempts);
    }
    if args.json {
        let json = serde_json::to_string_pretty(&entries).map_err(|e| AppError::Startup(format!("JSON: {e}")))?;
        out.line(&json);
        return Ok(Outcome::Success);
    }
    if entries.is_empty() {
        out.line("no runs recorded yet");
        return Ok(Outcome::Success);
    }
    out.line(format_args!(
        "{:<24} {:<21} {:<11} {:>3} {:>9} {:>9}  DETAIL",
        "PROCESS", "WINDOW START", "STATUS", "TRY", "SECONDS", "WRITTEN"
    ));
    for e in &entries {
        let secs = e.duration_ms.map_or("-".to_owned(), |ms| format!("{:.1}", ms as f64 / 1000.0));
        let written = e.written.map_or("-".to_owned(), |w| w.to_string());
        let detail = match (e.given_up, e.abandoned) {
            (true, abandoned) => format!(
                "given up after {} attempts (run it with --at to retry): {}",
                e.attempts,
                if abandoned { "its run died before recording an outcome" } else { e.error.as_deref().unwrap_or("") }
            ),
            (false, true) => {
                "abandoned: its run died before recording an outcome; the next run redoes the window".to_owned()
            }
            (false, false) => e.error.clone().or_else(|| e.output.clone()).unwrap_or_default(),
        };
        out.line(format_args!(
            "{:<24} {:<21} {:<11} {:>3} {:>9} {:>9}  {}",
            e.process,
            e.window_start.as_deref().unwrap_or("-"),
            if e.abandoned { "abandoned" } else { &e.status },
            e.attempts,
            secs,
            written,
            detail
        ));
    }
    Ok(Outcome::Success)
}

/// The newest entry of `process`, for `infra status`.
pub async fn latest(db: &mongodb::Database, process: Process) -> Result<Option<Entry>, AppError> {
    let docs = Ledger::new(db).recent(Some(process), 1).await.map_err(AppError::mongo("reading the ledger"))?;
    Ok(docs.first().map(Entry::from_doc))
}
