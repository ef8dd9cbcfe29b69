//! Running the job once per window: ledger entry first, then the job under the stop token with a
//! grace period, then the ledger entry's outcome. Stops at the first window that does not succeed;
//! the next scheduled run catches the rest up.

use std::time::Duration;

use chrono::Utc;
use intervalprocessing_jobs::error_text::describe;
use intervalprocessing_jobs::retry::{mongo_is_transient, retry};
use intervalprocessing_jobs::{JobContext, JobError, JobReport, Process, RetryPolicy, Window, run_job};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ledger::{Ledger, Outcome, Runner, Status};
use super::stop_code;
use crate::error::{AppError, code};
use crate::progress::{self, WindowProgress};
use crate::stop::{Stop, StopReason};

/// The ledger's final write of a window and the `skipped` marks of the windows after it get this
/// long together, even when the run is stopping (part of
/// [`intervalprocessing_jobs::process::SHUTDOWN_BOOKKEEPING`]).
pub const RECORD_LIMIT: Duration = Duration::from_secs(10);

#[allow(clippy::too_many_arguments)]
pub async fn run_windows(
    ctx: &JobContext,
    p: Process,
    windows: &[Window],
    ledger: &Ledger,
    who: &Runner,
    stop: &Stop,
    grace: Duration,
    span: &tracing::Span,
) -> Result<i32, AppError> {
    let bar = WindowProgress::new(windows.len());
    for (i, w) in windows.iter().enumerate() {
        if let Some(reason) = stop.reason() {
            let why = format!("not started: the run stopped first ({reason:?})");
            record_skipped(ledger, p, &windows[i..], who, &why, Instant::now() + RECORD_LIMIT).await;
            return Ok(stop_code(reason));
        }
        span.record("window", w.to_string());
        let started = Utc::now();
        let never = CancellationToken::new();
        retry(RetryPolicy::default(), "ledger begin", &never, mongo_is_transient, || ledger.begin(p, w, who))
            .await
            .map_err(AppError::mongo("recording the window in the ledger"))?;
        tracing::info!("window started");

        let outcome = run_one(ctx, p, w, stop, grace).await;
        let (status, exit, error) = classify(&outcome, stop.reason());
        let report = outcome.as_ref().ok();
        let o = Outcome { status, started, report, error: error.as_deref() };
        let record =
            retry(RetryPolicy::default(), "ledger finish", &never, mongo_is_transient, || ledger.finish(p, w, who, &o));
        let record_by = Instant::now() + RECORD_LIMIT;
        let recorded = match tokio::time::timeout_at(record_by, record).await {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                tracing::error!(error = %describe(&e), %status, "could not record the window's outcome in the ledger");
                false
            }
            Err(_) => {
                tracing::error!(%status, "recording the window's outcome in the ledger timed out");
                false
            }
        };
        let elapsed = (Utc::now() - started).to_std().unwrap_or_default();
        match &outcome {
            Ok(r) => tracing::info!(
                read = r.read,
                written = r.written,
                deleted = r.deleted,
                malformed = r.malformed,
                output = r.output.as_deref().unwrap_or(""),
                elapsed_ms = elapsed.as_millis() as u64,
                "window succeeded"
            ),
            Err(e) => {
                tracing::error!(%status, error = %e, elapsed_ms = elapsed.as_millis() as u64, "window did not succeed")
            }
        }
        bar.finished_window(|| progress::print_outcome(p, w, ctx.tz, status, report, error.as_deref(), elapsed));
        if exit == code::SUCCESS {
            continue;
        }
        // The run stops here. The windows it will not start are marked, unless the ledger is
        // unreachable (catch-up does not need the marks, only the missing successes).
        if recorded {
            let why = format!("not started: the window before it ended {status}");
            record_skipped(ledger, p, &windows[i + 1..], who, &why, record_by).await;
        }
        return match status {
            Status::Failed => Err(AppError::WindowFailed {
                process: p.to_string(),
                window: w.to_string(),
                error: error.unwrap_or_default(),
                recorded,
            }),
            _ => Ok(exit),
        };
    }
    Ok(code::SUCCESS)
}

/// Marks the windows a stopping run will not start, so `history` shows them; gives up at `by`.
async fn record_skipped(ledger: &Ledger, p: Process, rest: &[Window], who: &Runner, why: &str, by: Instant) {
    if rest.is_empty() {
        return;
    }
    let all = async {
        for w in rest {
            ledger.skipped(p, w, who, why).await?;
        }
        Ok::<_, mongodb::error::Error>(())
    };
    match tokio::time::timeout_at(by, all).await {
        Ok(Ok(())) => tracing::warn!(windows = rest.len(), "recorded windows not started as skipped"),
        Ok(Err(e)) => tracing::error!(error = %describe(&e), "could not record the windows not started"),
        Err(_) => tracing::error!("recording the windows not started timed out"),
    }
}

/// The job for one window; once the run is told to stop, it gets `grace` to reach a safe point
/// (aborting its upload), after which it is dropped.
async fn run_one(
    ctx: &JobContext,
    p: Process,
    w: &Window,
    stop: &Stop,
    grace: Duration,
) -> Result<JobReport, JobError> {
    let job = run_job(p, ctx, w);
    tokio::pin!(job);
    tokio::select! {
        r = &mut job => r,
        _ = stop.fired() => match tokio::time::timeout(grace, &mut job).await {
            Ok(r) => r,
            Err(_) => {
                tracing::error!(grace_s = grace.as_secs(), "the job did not stop within the grace period; abandoning it");
                Err(JobError::Cancelled)
            }
        },
    }
}

/// The ledger status, exit code and error text of a window's outcome.
fn classify(outcome: &Result<JobReport, JobError>, stop: Option<StopReason>) -> (Status, i32, Option<String>) {
    match (outcome, stop) {
        (Ok(_), _) => (Status::Succeeded, code::SUCCESS, None),
        (Err(e), Some(reason @ StopReason::Signal(n))) => {
            (Status::Interrupted, stop_code(reason), Some(format!("interrupted by signal {n}: {e}")))
        }
        (Err(e), Some(reason @ StopReason::Deadline(limit))) => (
            Status::TimedOut,
            stop_code(reason),
            Some(format!("deadline of {} passed: {e}", humantime::format_duration(limit))),
        ),
        (Err(e), Some(reason @ StopReason::LeaseLost(loss))) => {
            (Status::Failed, stop_code(reason), Some(format!("{loss}: {e}")))
        }
        (Err(e), None) => (Status::Failed, code::FAILED, Some(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_documented_codes() {
        let ok: Result<JobReport, JobError> = Ok(JobReport::default());
        let cancelled: Result<JobReport, JobError> = Err(JobError::Cancelled);
        assert_eq!(classify(&ok, Some(StopReason::Signal(15))).1, 0);
        assert_eq!(classify(&cancelled, Some(StopReason::Signal(15))).0, Status::Interrupted);
        assert_eq!(classify(&cancelled, Some(StopReason::Signal(15))).1, 143);
        assert_eq!(classify(&cancelled, Some(StopReason::Signal(2))).1, 130);
        assert_eq!(classify(&cancelled, Some(StopReason::Deadline(Duration::from_secs(1)))).0, Status::TimedOut);
        assert_eq!(classify(&cancelled, Some(StopReason::Deadline(Duration::from_secs(1)))).1, 5);
        let unrenewed = classify(&cancelled, Some(StopReason::LeaseLost(crate::stop::LeaseLoss::NotRenewed)));
        assert_eq!((unrenewed.0, unrenewed.1), (Status::Failed, 1));
        assert!(unrenewed.2.is_some_and(|e| e.contains("could not renew") && !e.contains("another run")));
        let failed: Result<JobReport, JobError> = Err(JobError::InvalidInput("x".into()));
        assert_eq!(classify(&failed, None), (Status::Failed, 1, Some("x".into())));
    }
}
