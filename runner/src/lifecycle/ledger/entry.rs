//! What the ledger holds about one window: its status, who ran it, how an attempt ended, and
//! the judgements catch-up, `history` and `status` make from it.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Utc};
use intervalprocessing_jobs::JobReport;
use mongodb::bson::{Bson, Document};
use serde::Serialize;

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
    pub fn from_doc(d: &Document) -> Option<Recorded> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;

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
