//! How `status` judges one fire time from the ledger entry of the window it processes.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::lifecycle::ledger::{Recorded, Status};

/// A window that succeeded but started more than this after its fire time is `late` (caught up
/// by a later tick, retried, or started slowly). Above the default `DEPENDENCY_WAIT` (2 min) plus
/// a slow task start, below every cadence.
pub const LATE_AFTER: Duration = Duration::from_secs(10 * 60);

/// A fire time this young with no ledger entry is `pending`, not `missed`: its task may still be
/// starting (image pull, capacity) or waiting for upstream windows.
pub const PENDING_FOR: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Ok,
    Running,
    Late,
    Failed,
    Skipped,
    Pending,
    Missed,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Ok => "ok",
            Label::Running => "running",
            Label::Late => "late",
            Label::Failed => "failed",
            Label::Skipped => "skipped",
            Label::Pending => "pending",
            Label::Missed => "missed",
        }
    }

    /// Worth a line in the details.
    pub fn is_problem(self) -> bool {
        matches!(self, Label::Late | Label::Failed | Label::Skipped | Label::Missed)
    }

    /// Makes `status` exit non-zero.
    pub fn is_alarming(self) -> bool {
        matches!(self, Label::Failed | Label::Missed)
    }

    /// Every label, in the order the summary counts them.
    pub const ALL: [Label; 7] =
        [Label::Missed, Label::Failed, Label::Skipped, Label::Late, Label::Running, Label::Pending, Label::Ok];
}

/// A fire time's label and what explains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub label: Label,
    pub detail: String,
}

/// Judges the fire time `fire` at `now`; `entry` is the ledger's entry of its window, `live` the
/// runs that hold a process lease (a `running` entry of any other run is abandoned).
pub fn judge(fire: DateTime<Utc>, entry: Option<&Recorded>, live: &HashSet<String>, now: DateTime<Utc>) -> Verdict {
    let v = |label, detail: String| Verdict { label, detail };
    let Some(e) = entry else {
        return match now - fire < delta(PENDING_FOR) {
            true => v(Label::Pending, format!("fired {} ago; no run recorded yet", ago(now - fire))),
            false => v(Label::Missed, "no trace in the ledger: the run never started".into()),
        };
    };
    let reason = || first_line(e.error.as_deref());
    let started = e.started_at.map(|s| s - fire);
    match e.status.as_str() {
        s if s == Status::Succeeded.as_str() => match started {
            Some(d) if d > delta(LATE_AFTER) => {
                v(Label::Late, format!("succeeded, but started {} after its fire time", ago(d)))
            }
            _ => v(Label::Ok, "succeeded".into()),
        },
        s if s == Status::Running.as_str() && !e.abandoned(live) => {
            let since = e.started_at.map_or_else(String::new, |t| format!(" for {}", ago(now - t)));
            v(Label::Running, format!("running{since}"))
        }
        s if s == Status::Running.as_str() => {
            v(Label::Failed, "abandoned: its run died before recording an outcome".into())
        }
        s if s == Status::Skipped.as_str() => v(Label::Skipped, reason()),
        s => v(Label::Failed, format!("{s} after {} attempt(s): {}", e.attempts, reason())),
    }
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// A duration in whole seconds, like `2h 15m 3s`.
fn ago(d: TimeDelta) -> String {
    humantime::format_duration(Duration::from_secs(d.num_seconds().max(0).unsigned_abs())).to_string()
}

fn first_line(text: Option<&str>) -> String {
    text.and_then(|t| t.lines().next()).unwrap_or("no reason recorded").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 15, h, m, 0).single().unwrap_or_default()
    }

    fn entry(status: Status, started: Option<DateTime<Utc>>, error: Option<&str>) -> Recorded {
        Recorded {
            start: t(9, 45),
            status: status.as_str().into(),
            attempts: 2,
            run_id: Some("r1".into()),
            started_at: started,
            error: error.map(Into::into),
        }
    }

    fn label(e: Option<&Recorded>, now: DateTime<Utc>) -> Label {
        judge(t(10, 0), e, &HashSet::new(), now).label
    }

    #[test]
    fn no_entry_is_pending_while_young_and_missed_after() {
        assert_eq!(label(None, t(10, 9)), Label::Pending);
        assert_eq!(label(None, t(10, 10)), Label::Missed);
    }

    #[test]
    fn a_success_started_after_the_threshold_is_late() {
        assert_eq!(label(Some(&entry(Status::Succeeded, Some(t(10, 1)), None)), t(12, 0)), Label::Ok);
        assert_eq!(label(Some(&entry(Status::Succeeded, Some(t(10, 10)), None)), t(12, 0)), Label::Ok);
        let caught_up =
            judge(t(10, 0), Some(&entry(Status::Succeeded, Some(t(10, 15)), None)), &HashSet::new(), t(12, 0));
        assert_eq!(
            (caught_up.label, caught_up.detail.as_str()),
            (Label::Late, "succeeded, but started 15m after its fire time")
        );
        assert_eq!(
            label(Some(&entry(Status::Succeeded, None, None)), t(12, 0)),
            Label::Ok,
            "an old entry without startedAt"
        );
    }

    #[test]
    fn failures_carry_the_first_line_of_their_error_and_an_abandoned_run_is_failed() {
        let failed = entry(Status::TimedOut, Some(t(10, 0)), Some("deadline of 10m passed\nmore"));
        let v = judge(t(10, 0), Some(&failed), &HashSet::new(), t(12, 0));
        assert_eq!(
            (v.label, v.detail.as_str()),
            (Label::Failed, "timed_out after 2 attempt(s): deadline of 10m passed")
        );
        let running = entry(Status::Running, Some(t(10, 0)), None);
        assert_eq!(label(Some(&running), t(12, 0)), Label::Failed);
        let live: HashSet<String> = ["r1".to_owned()].into();
        assert_eq!(judge(t(10, 0), Some(&running), &live, t(10, 5)).label, Label::Running);
        assert_eq!(label(Some(&entry(Status::Skipped, None, Some("waiting for X"))), t(12, 0)), Label::Skipped);
    }

    #[test]
    fn only_missed_and_failed_make_status_exit_non_zero() {
        let alarming: Vec<Label> = Label::ALL.into_iter().filter(|l| l.is_alarming()).collect();
        assert_eq!(alarming, vec![Label::Missed, Label::Failed]);
    }
}
