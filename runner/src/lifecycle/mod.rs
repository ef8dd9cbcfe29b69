//! The run lifecycle: connect -> take the process lease -> decide the windows -> run the job once
//! per window under the deadline and signals -> record each window in the ledger -> release the
//! lease -> exit with a documented code.

pub mod catch_up;
pub mod lease;
pub mod ledger;
pub mod plan;
mod upstream;
mod window_run;

use std::time::Duration;

use intervalprocessing_infra::Console;

use intervalprocessing_jobs::error_text::describe;
use intervalprocessing_jobs::{JobContext, JobSettings, Process, RetryPolicy, Windowing};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use self::catch_up::CatchUp;
use self::lease::Lease;
use self::ledger::{Ledger, Runner};
use self::plan::Selection;
use self::upstream::Upstream;
use self::window_run::WindowRun;
use crate::config::Config;
use crate::error::AppError;
use crate::outcome::Outcome;
use crate::stop::{Stop, StopReason};
use crate::{connect, progress};

/// Releasing the lease gets this long; with [`window_run::RECORD_LIMIT`] it makes up
/// [`intervalprocessing_jobs::spec::SHUTDOWN_BOOKKEEPING`], the time the runner may need after `SHUTDOWN_GRACE`.
const RELEASE_LIMIT: Duration = Duration::from_secs(5);

/// What a person or the schedule asked for.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub process: Process,
    pub selection: Selection,
    pub dry_run: bool,
    /// `--timeout`, else `RUN_TIMEOUT`, else the process default.
    pub timeout: Option<Duration>,
    /// `--ignore-retention`: run windows that start before the recorded retention cutoff.
    pub ignore_retention: bool,
    /// Print an EMF metrics line per window (logs are JSON).
    pub emf: bool,
}

/// What a stop reason means for the exit code.
pub fn stop_outcome(reason: StopReason) -> Outcome {
    match reason {
        StopReason::Signal(n) => Outcome::Signal(n),
        StopReason::Deadline(_) => Outcome::Deadline,
        StopReason::LeaseLost(_) => Outcome::Failed,
    }
}

/// Runs the request; the dry-run plan and one line per window go to `out`.
pub async fn run(cfg: &Config, req: RunRequest, stop: Stop, out: &Console) -> Result<Outcome, AppError> {
    let run_id = uuid::Uuid::new_v4().to_string();
    let span = tracing::info_span!("run", process = %req.process, run_id = %run_id, window = tracing::field::Empty);
    // Boxed: the run's state machine nests deep enough to exceed the compiler's query depth
    // when laid out inline in every caller's.
    Box::pin(run_in_span(cfg, req, stop, run_id, span.clone(), out).instrument(span)).await
}

async fn run_in_span(
    cfg: &Config,
    req: RunRequest,
    stop: Stop,
    run_id: String,
    span: tracing::Span,
    out: &Console,
) -> Result<Outcome, AppError> {
    let p = req.process;
    if let Some(needed) =
        intervalprocessing_jobs::retention::shorter_than_catch_up(cfg.retention_days, cfg.catch_up_limit)
    {
        tracing::warn!(
            retention_days = cfg.retention_days,
            catch_up_limit = cfg.catch_up_limit,
            needed_days = needed,
            "RETENTION_DAYS is shorter than the catch-up horizon: a daily window caught up late may find its readings \
             removed and be refused; keep at least {needed} days"
        );
    }
    let windowing = Windowing::new(p.cadence(), cfg.tz);
    let catch_up = CatchUp { limit: cfg.catch_up_limit, max_attempts: cfg.max_window_attempts };
    // Windows that do not depend on the ledger (--at, --from/--to) are decided before anything is
    // touched, so a range too large to run is refused without connecting or taking the lease.
    let planned = match req.selection.needs_ledger() {
        true => None,
        false => Some(plan::windows(req.selection, &windowing, p, catch_up, None).await?),
    };
    if let (true, Some(ws)) = (req.dry_run, &planned) {
        progress::print_plan(out, p, ws, cfg.tz);
        return Ok(Outcome::Success);
    }

    let db = tokio::select! {
        db = connect::mongo(cfg) => db?,
        _ = stop.fired() => return Ok(stop.reason().map_or(Outcome::Failed, stop_outcome)),
    };
    let ledger = Ledger::new(&db);
    if req.dry_run {
        let ws = plan::windows(req.selection, &windowing, p, catch_up, Some(&ledger)).await?;
        progress::print_plan(out, p, &ws, cfg.tz);
        return Ok(Outcome::Success);
    }

    ledger.ensure_indexes().await?;
    intervalprocessing_jobs::collections::ensure_indexes(&db).await?;

    let who = Runner { run_id: run_id.clone(), host: hostname(), task_arn: crate::ecs::task_arn().await };
    let lease = Lease::new(&db, p, &run_id, cfg.lease_ttl);
    let lease_taken_at = match lease.acquire(&who.host).await? {
        Ok(at) => at,
        Err(held) => {
            return Err(AppError::LeaseHeld {
                process: p.to_string(),
                holder: held.holder,
                until: held.until.to_rfc3339(),
            });
        }
    };
    tracing::info!(ttl_s = cfg.lease_ttl.as_secs(), "took the process lease");
    let done = CancellationToken::new();
    let heartbeat = lease.keep_alive(stop.clone(), done.clone());
    let timeout = req.timeout.or(cfg.run_timeout).unwrap_or_else(|| p.default_timeout());
    stop.fire_after(timeout);

    let result = async {
        let ws = match planned {
            Some(ws) => ws,
            None => plan::windows(req.selection, &windowing, p, catch_up, Some(&ledger)).await?,
        };
        if ws.is_empty() {
            out.line(format_args!("{p}: no whole window to process in the given range"));
            return Ok(Outcome::Success);
        }
        let store = match p.spec().writes_files {
            true => Some(connect::store(cfg, stop.token()).await),
            false => None,
        };
        let ctx = JobContext {
            db: db.clone(),
            store,
            tz: cfg.tz,
            run_id: run_id.clone(),
            lease_taken_at,
            cancel: stop.token(),
            retry: RetryPolicy::default(),
            settings: JobSettings { retention_days: cfg.retention_days, ignore_retention: req.ignore_retention },
        };
        let budget = upstream::budget(cfg.dependency_wait, timeout);
        let waits = req.selection.needs_ledger();
        let upstream = Upstream::new(p, &ledger, cfg.tz, cfg.max_window_attempts, budget, waits);
        let run = WindowRun {
            ctx: &ctx,
            process: p,
            ledger: &ledger,
            who: &who,
            stop: &stop,
            grace: cfg.shutdown_grace,
            span: &span,
            upstream: &upstream,
            out,
            emf: req.emf,
        };
        run.run(&ws).await
    }
    .await;

    done.cancel();
    let _ = heartbeat.await;
    match tokio::time::timeout(RELEASE_LIMIT, lease.release()).await {
        Ok(Ok(())) => tracing::info!("released the process lease"),
        Ok(Err(e)) => tracing::warn!(error = %describe(&e), "could not release the lease; it expires on its own"),
        Err(_) => tracing::warn!("releasing the lease timed out; it expires on its own"),
    }
    result
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_owned()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use intervalprocessing_jobs::spec::SHUTDOWN_BOOKKEEPING;

    #[test]
    fn bookkeeping_after_the_grace_fits_the_documented_budget() {
        assert!(window_run::RECORD_LIMIT + RELEASE_LIMIT <= SHUTDOWN_BOOKKEEPING);
    }
}
