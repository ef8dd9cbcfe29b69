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
            let ws = windowing.within(from, to);
            if ws.len() > MAX_BACKFILL_WINDOWS {
                return Err(AppError::Usage(format!(
                    "--from/--to covers {} windows; at most {MAX_BACKFILL_WINDOWS} per run",
                    ws.len()
                )));
            }
            Ok(ws)
        }
        Selection::Scheduled(at) => catch_up::windows(windowing, at, process, catch_up, ledger).await,
    }
}
