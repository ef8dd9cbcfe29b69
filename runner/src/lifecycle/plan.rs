//! Which windows a run processes: the due window plus missed ones (scheduled runs), one window
//! (`--at`), or every window in a range (`--from/--to`).

use chrono::{DateTime, Utc};
use intervalprocessing_jobs::{Process, Window, Windowing};

use super::catch_up::{self, CatchUp};
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
    catch_up: CatchUp,
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
        Selection::Scheduled(at) => catch_up::windows(windowing, at, process, catch_up, ledger).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Tz;
    use intervalprocessing_jobs::Cadence;

    const RULE: CatchUp = CatchUp { limit: 4, max_attempts: 3 };

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, h, m, 0).single().unwrap_or_default()
    }

    fn q() -> Windowing {
        Windowing::new(Cadence::Minutes(15), Tz::UTC)
    }

    #[tokio::test]
    async fn a_backfill_of_millennia_is_counted_and_refused_without_listing_its_windows() {
        let from = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let to = Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0).single().unwrap_or_default();
        let started = std::time::Instant::now();
        let refused = windows(
            Selection::Backfill { from, to },
            &q(),
            "QuarterHourlyDataChange".parse::<Process>().unwrap(),
            RULE,
            None,
        )
        .await;
        // 3 652 058 days of 96 quarter-hours.
        match refused {
            Err(AppError::Usage(m)) => assert!(m.contains("covers 350597568 windows"), "{m}"),
            other => panic!("not refused: {other:?}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
        let at_limit = windows(
            Selection::Backfill { from: t(0, 0), to: t(0, 0) + chrono::TimeDelta::minutes(15 * 100_000) },
            &q(),
            "QuarterHourlyDataChange".parse::<Process>().unwrap(),
            RULE,
            None,
        )
        .await;
        assert_eq!(at_limit.map(|ws| ws.len()).ok(), Some(MAX_BACKFILL_WINDOWS));
    }
}
