//! Declared dependencies between processes ([`intervalprocessing_jobs::ProcessSpec::depends_on`]):
//! a window runs once the upstream windows that tile it have succeeded. HourlyDataChange, for
//! example, waits for the four QuarterHourlyDataChange windows of its hour, so its totals include
//! the estimates written at the same tick.
//!
//! A scheduled run polls the ledger for at most `DEPENDENCY_WAIT` in all (never more than half its
//! own deadline). Upstream windows before the upstream process's first ledger entry do not count
//! (the rule catch-up follows), and neither do windows catch-up has given up on: the dependant runs
//! without them, and its ledger entry lists them (`upstreamMissing`). A manual run (`--at`,
//! `--from/--to`) runs what it is asked without waiting, like it ignores the attempt bound, and
//! its ledger entry lists the upstream windows that had not succeeded.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono_tz::Tz;
use intervalprocessing_jobs::{Process, Window, Windowing};
use tokio::time::Instant;

use super::ledger::{Ledger, Status};
use crate::error::AppError;
use crate::stop::Stop;

/// How often the ledger is read while waiting.
const POLL: Duration = Duration::from_secs(1);

/// What the upstream windows of one window allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Run it. `without`: the upstream windows it runs without (given up for good, or, in a
    /// manual run, not succeeded), labelled with why.
    Ready { without: Vec<String> },
    /// The wait ran out (or the run is stopping) while these had not succeeded.
    Waiting { missing: Vec<String> },
}

/// The dependency wait of one run.
pub struct Upstream<'a> {
    process: Process,
    ledger: &'a Ledger,
    tz: Tz,
    /// `MAX_WINDOW_ATTEMPTS`: an upstream window that failed this often is given up.
    max_attempts: u32,
    /// What is left of the run's waiting budget, in milliseconds.
    budget_ms: AtomicU64,
    /// A scheduled run waits; a manual one runs what it is asked at once.
    waits: bool,
}

impl<'a> Upstream<'a> {
    /// The dependency wait of a run of `process` that may wait `budget` in all (see [`budget`]);
    /// `waits` is false for a manual run.
    pub fn new(process: Process, ledger: &'a Ledger, tz: Tz, max_attempts: u32, budget: Duration, waits: bool) -> Self {
        let budget_ms = AtomicU64::new(u64::try_from(budget.as_millis()).unwrap_or(u64::MAX));
        Upstream { process, ledger, tz, max_attempts, budget_ms, waits }
    }

    /// Waits until `w`'s upstream windows allow it to run, the budget runs out, or the run stops.
    pub async fn wait(&self, w: &Window, stop: &Stop) -> Result<Readiness, AppError> {
        if self.process.depends_on().next().is_none() {
            return Ok(Readiness::Ready { without: Vec::new() });
        }
        let started = Instant::now();
        let mut announced = false;
        loop {
            let (missing, given_up) =
                self.check(w).await.map_err(AppError::mongo("reading the ledger for upstream windows"))?;
            let given_up = given_up.into_iter().map(|w| format!("{w} (given up)"));
            if !self.waits {
                let not_yet = missing.into_iter().map(|w| format!("{w} (not succeeded)"));
                return Ok(Readiness::Ready { without: given_up.chain(not_yet).collect() });
            }
            let given_up: Vec<String> = given_up.collect();
            let left = Duration::from_millis(self.budget_ms.load(Ordering::Relaxed)).saturating_sub(started.elapsed());
            if missing.is_empty() || left.is_zero() || stop.reason().is_some() {
                self.budget_ms.store(u64::try_from(left.as_millis()).unwrap_or(u64::MAX), Ordering::Relaxed);
                return Ok(match missing.is_empty() {
                    true => Readiness::Ready { without: given_up },
                    false => Readiness::Waiting { missing },
                });
            }
            if !announced {
                announced = true;
                tracing::info!(waiting_for = %missing.join(", "), budget_s = left.as_secs(), "waiting for upstream windows");
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL.min(left)) => {}
                _ = stop.fired() => {}
            }
        }
    }

    /// The upstream windows of `w` that have not succeeded: (still awaited, given up).
    async fn check(&self, w: &Window) -> mongodb::error::Result<(Vec<String>, Vec<String>)> {
        let (mut missing, mut given_up) = (Vec::new(), Vec::new());
        for up in self.process.depends_on() {
            let Some(first) = self.ledger.first_window(up).await? else { continue };
            let recorded: HashMap<_, _> =
                self.ledger.between(up, w.start, w.end).await?.into_iter().map(|r| (r.start, r)).collect();
            let live = self.ledger.live_runs(recorded.values()).await?;
            for uw in Windowing::new(up.cadence(), self.tz).within(w.start, w.end) {
                if uw.start < first {
                    continue;
                }
                let label = format!("{up} {}", uw.start.with_timezone(&self.tz).format("%Y-%m-%d %H:%M"));
                match recorded.get(&uw.start) {
                    Some(r) if r.status == Status::Succeeded.as_str() => {}
                    Some(r) if r.given_up(&live, self.max_attempts) => given_up.push(label),
                    _ => missing.push(label),
                }
            }
        }
        Ok((missing, given_up))
    }
}

/// The reason a window that waited in vain is recorded `skipped` with.
pub fn waiting_reason(missing: &[String], tz: Tz) -> String {
    format!("waiting for {} ({tz}); the next scheduled run's catch-up runs it", missing.join(", "))
}

/// The part of `DEPENDENCY_WAIT` a run may spend: at most half its deadline, so the job still has
/// the other half and a wait never ends in a timeout.
pub fn budget(dependency_wait: Duration, run_timeout: Duration) -> Duration {
    dependency_wait.min(run_timeout / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_never_takes_more_than_half_the_deadline() {
        assert_eq!(budget(Duration::from_secs(120), Duration::from_secs(12 * 60)), Duration::from_secs(120));
        assert_eq!(budget(Duration::from_secs(120), Duration::from_secs(60)), Duration::from_secs(30));
    }

    #[test]
    fn the_skip_reason_names_each_awaited_window() {
        let why = waiting_reason(&["QuarterHourlyDataChange 2026-01-15 09:45".into()], Tz::UTC);
        assert!(why.starts_with("waiting for QuarterHourlyDataChange 2026-01-15 09:45 (UTC)"), "{why}");
    }
}
