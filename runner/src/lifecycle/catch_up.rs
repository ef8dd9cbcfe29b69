//! Catch-up: what a scheduled run processes besides its due window. The windows of the look-back
//! (`CATCH_UP_LIMIT` windows before the due one) that never succeeded, plus up to
//! `CATCH_UP_LIMIT` unfinished windows older than the look-back, so a failed window never falls
//! out of sight. A window that did not succeed in `MAX_WINDOW_ATTEMPTS` attempts is given up:
//! reported by every scheduled run and by `history`, never run again by catch-up.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use intervalprocessing_jobs::{Process, Window, Windowing};

use super::ledger::{Ledger, Recorded, Status};
use crate::error::AppError;

/// How far catch-up reaches and how often it retries a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatchUp {
    /// `CATCH_UP_LIMIT`: windows before the due one looked at; also the most unfinished windows
    /// older than that retried per run. 0 disables catch-up.
    pub limit: u32,
    /// `MAX_WINDOW_ATTEMPTS`: attempts at a window after which catch-up gives up on it.
    pub max_attempts: u32,
}

/// Given-up windows listed by name in the warning (the rest are counted).
const LISTED: usize = 10;

/// The windows a scheduled run at `at` processes, oldest first; warns about given-up windows.
pub async fn windows(
    windowing: &Windowing,
    at: DateTime<Utc>,
    process: Process,
    rule: CatchUp,
    ledger: Option<&Ledger>,
) -> Result<Vec<Window>, AppError> {
    let due = windowing.due(at);
    let Some(ledger) = ledger.filter(|_| rule.limit > 0) else { return Ok(vec![due]) };
    let read = || AppError::mongo("reading the ledger");
    let Some(first) = ledger.first_window(process).await.map_err(read())? else { return Ok(vec![due]) };
    let lookback = (0..rule.limit).fold(due, |w, _| windowing.previous(&w)).start.max(first);
    let recent = ledger.between(process, lookback, due.end).await.map_err(read())?;
    let unfinished = ledger.unfinished_before(process, due.end).await.map_err(read())?;
    let live = ledger.live_runs(&unfinished).await.map_err(AppError::mongo("reading the process leases"))?;
    let seen = Seen { recent: recent.into_iter().map(|r| (r.start, r)).collect(), unfinished, live };
    let plan = plan(windowing, due, lookback, first, &seen, rule);
    if !plan.given_up.is_empty() {
        warn_given_up(&plan.given_up, rule.max_attempts);
    }
    Ok(plan.windows)
}

fn warn_given_up(given_up: &[DateTime<Utc>], max_attempts: u32) {
    let mut listed: Vec<String> =
        given_up.iter().take(LISTED).map(|t| intervalprocessing_jobs::window::rfc3339(*t)).collect();
    if given_up.len() > LISTED {
        listed.push(format!("and {} more", given_up.len() - LISTED));
    }
    tracing::warn!(
        windows = given_up.len(),
        starts = %listed.join(", "),
        max_attempts,
        "catch-up gave up on windows that did not succeed in MAX_WINDOW_ATTEMPTS attempts; \
         `history` shows why, `run --at` retries one"
    );
}

/// What the ledger said, as catch-up reads it.
#[derive(Debug, Default)]
pub struct Seen {
    /// Every entry from the start of the look-back to the due window, by window start.
    pub recent: HashMap<DateTime<Utc>, Recorded>,
    /// Every unfinished-looking entry up to the due window (running ones whatever their run),
    /// oldest first.
    pub unfinished: Vec<Recorded>,
    /// Runs that hold a process lease now.
    pub live: HashSet<String>,
}

/// Windows to run and windows given up (their starts), both oldest first.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    pub windows: Vec<Window>,
    pub given_up: Vec<DateTime<Utc>>,
}

/// Pure catch-up: `lookback` is the start of the look-back, already no earlier than `first`,
/// the first window the ledger ever saw (a new deployment does not backfill history).
pub fn plan(
    windowing: &Windowing,
    due: Window,
    lookback: DateTime<Utc>,
    first: DateTime<Utc>,
    seen: &Seen,
    rule: CatchUp,
) -> Plan {
    let given_up = |r: &Recorded| r.given_up(&seen.live, rule.max_attempts);
    let older = seen
        .unfinished
        .iter()
        .filter(|r| first <= r.start && r.start < lookback)
        .filter(|r| r.unfinished(&seen.live) && !given_up(r))
        // An entry of another time zone or cadence (the settings changed) is not one of ours.
        .filter_map(|r| Some(windowing.containing(r.start)).filter(|w| w.start == r.start))
        .take(rule.limit as usize);
    let due_and_missed = windowing.within(lookback, due.start).into_iter().chain([due]).filter(|w| {
        match seen.recent.get(&w.start) {
            None => true,
            Some(r) if given_up(r) => false,
            // The due window runs even when it succeeded before (the schedule asked for it).
            Some(r) => w.start == due.start || r.status != Status::Succeeded.as_str(),
        }
    });
    Plan {
        windows: older.chain(due_and_missed).collect(),
        given_up: seen.unfinished.iter().filter(|r| given_up(r)).map(|r| r.start).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Tz;
    use intervalprocessing_jobs::Cadence;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, h, m, 0).single().unwrap_or_default()
    }

    fn q() -> Windowing {
        Windowing::new(Cadence::Minutes(15), Tz::UTC)
    }

    const RULE: CatchUp = CatchUp { limit: 4, max_attempts: 3 };

    fn entry(start: DateTime<Utc>, status: Status, attempts: i64) -> Recorded {
        Recorded {
            start,
            status: status.as_str().to_owned(),
            attempts,
            run_id: Some("old-run".into()),
            started_at: None,
            error: None,
        }
    }

    /// What the ledger holds: `entries`, split the way [`windows`] reads them (oldest first).
    fn seen(lookback: DateTime<Utc>, entries: &[Recorded]) -> Seen {
        let mut entries = entries.to_vec();
        entries.sort_by_key(|r| r.start);
        let unfinished = [Status::Failed, Status::TimedOut, Status::Interrupted, Status::Running];
        Seen {
            recent: entries.iter().filter(|r| r.start >= lookback).map(|r| (r.start, r.clone())).collect(),
            unfinished: entries.iter().filter(|r| unfinished.iter().any(|s| s.as_str() == r.status)).cloned().collect(),
            live: HashSet::new(),
        }
    }

    fn starts(p: &Plan) -> Vec<DateTime<Utc>> {
        p.windows.iter().map(|w| w.start).collect()
    }

    #[test]
    fn missed_and_failed_windows_are_caught_up_oldest_first() {
        let due = q().due(t(10, 0)); // 09:45-10:00
        let s = seen(t(8, 45), &[entry(t(9, 0), Status::Succeeded, 1), entry(t(9, 30), Status::Succeeded, 1)]);
        let p = plan(&q(), due, t(8, 45), t(8, 0), &s, RULE);
        assert_eq!(starts(&p), vec![t(8, 45), t(9, 15), t(9, 45)]);
        assert!(p.given_up.is_empty());
    }

    #[test]
    fn catch_up_never_reaches_before_the_first_recorded_window() {
        let due = q().due(t(10, 0));
        let p = plan(&q(), due, t(9, 30), t(9, 30), &Seen::default(), RULE);
        assert_eq!(starts(&p), vec![t(9, 30), t(9, 45)]);
    }

    #[test]
    fn a_window_that_failed_max_attempts_times_is_given_up_and_not_run() {
        let due = q().due(t(10, 0));
        let entries = [entry(t(9, 0), Status::Failed, 3), entry(t(9, 15), Status::Failed, 2)];
        let p = plan(&q(), due, t(8, 45), t(8, 45), &seen(t(8, 45), &entries), RULE);
        assert_eq!(starts(&p), vec![t(8, 45), t(9, 15), t(9, 30), t(9, 45)]);
        assert_eq!(p.given_up, vec![t(9, 0)]);
    }

    #[test]
    fn unfinished_windows_older_than_the_look_back_are_retried_first_and_bounded() {
        let due = q().due(t(10, 0));
        let mut entries: Vec<Recorded> = (0..4).map(|i| entry(t(3, 15 * i), Status::Failed, 1)).collect();
        entries.push(entry(t(2, 0), Status::Failed, 3)); // given up
        entries.push(entry(t(2, 15), Status::Skipped, 0)); // never started: not a failure
        entries.push(entry(t(2, 30), Status::TimedOut, 2));
        entries.push(entry(t(2, 45), Status::Running, 1)); // its run holds no lease
        let p = plan(&q(), due, t(8, 45), t(1, 0), &seen(t(8, 45), &entries), CatchUp { limit: 4, max_attempts: 3 });
        let older: Vec<_> = starts(&p).into_iter().filter(|s| *s < t(8, 45)).collect();
        assert_eq!(older, vec![t(2, 30), t(2, 45), t(3, 0), t(3, 15)], "oldest first, at most CATCH_UP_LIMIT");
        assert_eq!(p.given_up, vec![t(2, 0)]);
    }

    #[test]
    fn a_running_window_of_a_live_run_is_neither_retried_nor_given_up() {
        let due = q().due(t(10, 0));
        let mut s = seen(t(8, 45), &[entry(t(2, 0), Status::Running, 5)]);
        assert_eq!(plan(&q(), due, t(8, 45), t(1, 0), &s, RULE).given_up, vec![t(2, 0)]);
        s.live.insert("old-run".into());
        let p = plan(&q(), due, t(8, 45), t(1, 0), &s, RULE);
        assert!(p.given_up.is_empty());
        assert!(!starts(&p).contains(&t(2, 0)));
    }

    #[test]
    fn the_due_window_runs_again_unless_given_up() {
        let due = q().due(t(10, 0));
        let again = seen(t(9, 45), &[entry(t(9, 45), Status::Succeeded, 4)]);
        assert_eq!(starts(&plan(&q(), due, t(9, 45), t(9, 45), &again, RULE)), vec![t(9, 45)]);
        let hopeless = seen(t(9, 45), &[entry(t(9, 45), Status::Failed, 3)]);
        assert_eq!(starts(&plan(&q(), due, t(9, 45), t(9, 45), &hopeless, RULE)), Vec::<DateTime<Utc>>::new());
    }
}
