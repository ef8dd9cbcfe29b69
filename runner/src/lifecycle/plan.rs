//! Which windows a run processes: the due window plus missed ones (scheduled runs), one window
//! (`--at`), or every window in a range (`--from/--to`).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use intervalprocessing_jobs::{Process, Window, Windowing};

use super::ledger::Ledger;
use crate::error::AppError;

/// Backfills beyond this many windows are refused (a typo in a year, not a real request).
pub const MAX_BACKFILL_WINDOWS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// A scheduled run (`SCHEDULED_TIME`, or now): the due window plus catch-up.
    Scheduled(DateTime<Utc>),
    /// `--at T`: exactly the window due at T.
    At(DateTime<Utc>),
    /// `--from A --to B`: every window inside `[A, B)`, oldest first.
    Backfill { from: DateTime<Utc>, to: DateTime<Utc> },
}

impl Selection {
    pub fn needs_ledger(self) -> bool {
        matches!(self, Selection::Scheduled(_))
    }
}

/// The windows to process for `selection`, oldest first.
pub async fn windows(
    selection: Selection,
    windowing: &Windowing,
    process: Process,
    catch_up_limit: u32,
    ledger: Option<&Ledger>,
) -> Result<Vec<Window>, AppError> {
    match selection {
        Selection::At(t) => Ok(vec![windowing.due(t)]),
        Selection::Backfill { from, to } => {
            // Counted before anything is allocated: a range of centuries is refused at once.
            let n = windowing.count_within(from, to);
            if n > MAX_BACKFILL_WINDOWS as u64 {
                return Err(AppError::Usage(format!(
                    "--from/--to covers {n} windows; at most {MAX_BACKFILL_WINDOWS} per run (split the range)"
                )));
            }
            Ok(windowing.within(from, to))
        }
        Selection::Scheduled(at) => {
            let due = windowing.due(at);
            let Some(ledger) = ledger.filter(|_| catch_up_limit > 0) else { return Ok(vec![due]) };
            let lookback = (0..catch_up_limit).fold(due, |w, _| windowing.previous(&w)).start;
            let first = ledger.first_window(process).await.map_err(AppError::mongo("reading the ledger"))?;
            let succeeded = match first {
                Some(first) => ledger
                    .succeeded_between(process, lookback.max(first), due.start)
                    .await
                    .map_err(AppError::mongo("reading the ledger"))?,
                None => HashSet::new(),
            };
            Ok(catch_up(windowing, due, lookback, first, &succeeded))
        }
    }
}

/// The windows between `lookback` and `due` that never succeeded, then `due` itself. Nothing
/// before the first window the ledger ever saw: a new deployment does not backfill history.
pub fn catch_up(
    windowing: &Windowing,
    due: Window,
    lookback: DateTime<Utc>,
    first: Option<DateTime<Utc>>,
    succeeded: &HashSet<DateTime<Utc>>,
) -> Vec<Window> {
    let mut out: Vec<Window> = match first {
        Some(first) => windowing
            .within(lookback.max(first), due.start)
            .into_iter()
            .filter(|w| !succeeded.contains(&w.start))
            .collect(),
        None => Vec::new(),
    };
    out.push(due);
    out
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

    #[test]
    fn a_first_run_processes_only_the_due_window() {
        let due = q().due(t(10, 0));
        assert_eq!(catch_up(&q(), due, t(9, 0), None, &HashSet::new()), vec![due]);
    }

    #[test]
    fn missed_and_failed_windows_are_caught_up_oldest_first() {
        let due = q().due(t(10, 0)); // 09:45-10:00
        let succeeded: HashSet<_> = [t(9, 0), t(9, 30)].into();
        let ws = catch_up(&q(), due, t(8, 45), Some(t(8, 0)), &succeeded);
        let starts: Vec<_> = ws.iter().map(|w| w.start).collect();
        assert_eq!(starts, vec![t(8, 45), t(9, 15), t(9, 45)]);
    }

    #[test]
    fn catch_up_never_reaches_before_the_first_recorded_window() {
        let due = q().due(t(10, 0));
        let ws = catch_up(&q(), due, t(8, 45), Some(t(9, 30)), &HashSet::new());
        assert_eq!(ws.iter().map(|w| w.start).collect::<Vec<_>>(), vec![t(9, 30), t(9, 45)]);
    }

    #[tokio::test]
    async fn a_backfill_of_millennia_is_counted_and_refused_without_listing_its_windows() {
        let from = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let to = Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).single().unwrap_or_default();
        let started = std::time::Instant::now();
        let refused = windows(Selection::Backfill { from, to }, &q(), Process::QuarterHourlyDataChange, 4, None).await;
        // 3 652 058 days of 96 quarter-hours.
        match refused {
            Err(AppError::Usage(m)) => assert!(m.contains("covers 350597568 windows"), "{m}"),
            other => panic!("not refused: {other:?}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
        let at_limit = windows(
            Selection::Backfill { from: t(0, 0), to: t(0, 0) + chrono::TimeDelta::minutes(15 * 100_000) },
            &q(),
            Process::QuarterHourlyDataChange,
            4,
            None,
        )
        .await;
        assert_eq!(at_limit.map(|ws| ws.len()).ok(), Some(MAX_BACKFILL_WINDOWS));
    }
}
