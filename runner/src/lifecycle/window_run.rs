//! Running the job once per window: ledger entry first, then the job under the stop token with a
//! grace period, then the ledger entry's outcome. A window that fails permanently does not block
//! the others; a transient failure, the deadline, a signal or a lost lease stop the run there, and
//! the next scheduled run catches the rest up.

use std::time::Duration;

use chrono::Utc;
use intervalprocessing_infra::Console;
use intervalprocessing_jobs::error_text::describe;
use intervalprocessing_jobs::retry::mongo_retried as retried;
use intervalprocessing_jobs::{JobContext, JobError, JobReport, Process, Window, run_job};
use tokio::time::Instant;

use super::ledger::{Ledger, Runner, Status, WindowOutcome};
use super::stop_outcome;
use super::upstream::{Readiness, Upstream, waiting_reason};
use crate::emf::{Attempt, WindowMetrics};
use crate::error::{AppError, FailedWindows};
use crate::outcome::Outcome;
use crate::progress::{self, WindowProgress};
use crate::stop::{Stop, StopReason};

/// The ledger's final write of a window and the `skipped` marks of the windows after it get this
/// long together, even when the run is stopping (part of
/// [`intervalprocessing_jobs::spec::SHUTDOWN_BOOKKEEPING`]).
pub const RECORD_LIMIT: Duration = Duration::from_secs(10);

/// What every window of one run shares: the job's context, the process, the ledger and who
/// writes to it, the stop signal with the grace a stopping job gets, the run's log span, and where
/// the line of each finished window goes.
pub struct WindowRun<'a> {
    pub ctx: &'a JobContext,
    pub process: Process,
    pub ledger: &'a Ledger,
    pub who: &'a Runner,
    pub stop: &'a Stop,
    /// `SHUTDOWN_GRACE`.
    pub grace: Duration,
    pub span: &'a tracing::Span,
    /// The wait for upstream windows (declared dependencies).
    pub upstream: &'a Upstream<'a>,
    pub out: &'a Console,
    /// Logs are JSON: each window also gets an EMF metrics line on stdout.
    pub emf: bool,
}

/// How one window ended.
struct Ended {
    verdict: Verdict,
    /// The outcome is in the ledger (it says `running` otherwise).
    recorded: bool,
    /// The ledger's final write and the skipped marks after it must be done by then.
    record_by: Instant,
}

impl WindowRun<'_> {
    /// Runs `windows` in order. A window that fails permanently is recorded and the run goes on;
    /// a transient failure, the deadline, a signal or a lost lease stop the run there, and the
    /// windows it then never starts are recorded `skipped`. Exit 1 (an error naming every failed
    /// window) when any window failed, unless a deadline or signal code says more.
    pub async fn run(&self, windows: &[Window]) -> Result<Outcome, AppError> {
        let p = self.process;
        let bar = WindowProgress::new(windows.len());
        let mut failed = FailedWindows::new(p);
        for (i, w) in windows.iter().enumerate() {
            if let Some(code) = self.stopping(&windows[i..]).await {
                return Ok(code);
            }
            let without = match self.upstream.wait(w, self.stop).await? {
                Readiness::Ready { without } => without,
                Readiness::Waiting { missing } => match self.stopping(&windows[i..]).await {
                    Some(code) => return Ok(code),
                    None => {
                        // Exit 0: the next scheduled run's catch-up runs these windows.
                        self.waited_in_vain(&windows[i..], &missing).await;
                        failed.not_started = windows.len() - i;
                        return match failed.windows.is_empty() {
                            true => Ok(Outcome::Success),
                            false => Err(AppError::WindowsFailed(failed)),
                        };
                    }
                },
            };
            let ended = self.one(w, &without, &bar).await?;
            let v = &ended.verdict;
            if v.status == Status::Failed {
                failed.windows.push((w.to_string(), v.error.clone().unwrap_or_default()));
                failed.recorded &= ended.recorded;
            }
            if v.status == Status::Succeeded || (v.goes_on && ended.recorded) {
                continue;
            }
            // The run stops here. The windows it will not start are marked, unless the ledger is
            // unreachable (catch-up does not need the marks, only the missing successes).
            let rest = &windows[i + 1..];
            let why = match v.status {
                Status::Failed => "not started: the window before it failed on an error that stops the run".into(),
                status => format!("not started: the window before it ended {status}"),
            };
            self.skip(rest, &why, ended.record_by, ended.recorded).await;
            failed.not_started = rest.len();
            return match v.status {
                Status::Failed => Err(AppError::WindowsFailed(failed)),
                _ => Ok(v.exit),
            };
        }
        match failed.windows.is_empty() {
            true => Ok(Outcome::Success),
            false => Err(AppError::WindowsFailed(failed)),
        }
    }

    /// When the run has been told to stop: marks `rest` skipped and gives the exit code.
    async fn stopping(&self, rest: &[Window]) -> Option<Outcome> {
        let reason = self.stop.reason()?;
        let why = format!("not started: the run stopped first ({reason:?})");
        self.skip(rest, &why, Instant::now() + RECORD_LIMIT, true).await;
        Some(stop_outcome(reason))
    }

    /// `rest[0]` waited for upstream windows that did not succeed in time: it and the windows
    /// after it are recorded `skipped`, saying what they wait for.
    async fn waited_in_vain(&self, rest: &[Window], missing: &[String]) {
        let (p, tz) = (self.process, self.ctx.tz);
        let why = waiting_reason(missing, tz);
        tracing::warn!(reason = %why, windows = rest.len(), "upstream windows did not succeed in time; skipping");
        self.out.line(format_args!("{p} {} skipped: {why}", progress::label(p, &rest[0], tz)));
        let by = Instant::now() + RECORD_LIMIT;
        self.skip(&rest[..1], &why, by, true).await;
        let after = format!("not started: the window before it is {why}");
        self.skip(&rest[1..], &after, by, true).await;
    }

    /// Windows this run will not start: one metrics line each, and (when `record`, i.e. the
    /// ledger is reachable) a `skipped` entry by `by`.
    async fn skip(&self, rest: &[Window], why: &str, by: Instant, record: bool) {
        for w in rest {
            let m = WindowMetrics {
                process: self.process,
                window: *w,
                status: Status::Skipped,
                attempt: None,
                ended: Utc::now(),
                run_id: self.who.run_id.clone(),
            };
            m.emit(self.emf, self.out);
        }
        if record {
            record_skipped(self.ledger, self.process, rest, self.who, why, by).await;
        }
    }

    /// One window: ledger entry, the job, its outcome recorded, logged and printed. `without`:
    /// the upstream windows it runs without (see [`Readiness::Ready`]).
    async fn one(&self, w: &Window, without: &[String], bar: &WindowProgress) -> Result<Ended, AppError> {
        let (p, ledger, who) = (self.process, self.ledger, self.who);
        self.span.record("window", w.to_string());
        let started = Utc::now();
        retried("ledger begin", || ledger.begin(p, w, who))
            .await
            .map_err(AppError::mongo("recording the window in the ledger"))?;
        tracing::info!("window started");

        let outcome = run_one(self.ctx, p, w, self.stop, self.grace).await;
        let verdict = classify(&outcome, self.stop.reason());
        let report = outcome.as_ref().ok();
        let error = verdict.error.as_deref();
        if !without.is_empty() {
            tracing::warn!(upstream = %without.join(", "), "running without upstream windows that did not succeed");
        }
        let o = WindowOutcome { status: verdict.status, started, report, error, upstream_missing: without };
        let status = o.status;
        let record = retried("ledger finish", || ledger.finish(p, w, who, &o));
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
            Err(e) => tracing::error!(
                %status,
                error = %e,
                transient = e.is_transient(),
                elapsed_ms = elapsed.as_millis() as u64,
                "window did not succeed"
            ),
        }
        bar.finished_window(|| self.out.line(progress::outcome_line(p, w, self.ctx.tz, &o, elapsed)));
        let attempt = Attempt { seconds: elapsed.as_secs_f64(), report: report.cloned() };
        let metrics = WindowMetrics {
            process: p,
            window: *w,
            status,
            attempt: Some(attempt),
            ended: Utc::now(),
            run_id: who.run_id.clone(),
        };
        metrics.emit(self.emf, self.out);
        Ok(Ended { verdict, recorded, record_by })
    }
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

/// What a window's outcome means for the ledger, the exit code and the rest of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verdict {
    status: Status,
    exit: Outcome,
    error: Option<String>,
    /// The run goes on with the next window: it succeeded, or it failed permanently (bad data,
    /// an unwritable target), so trying the next windows is worth it. A transient failure
    /// (MongoDB or S3 unreachable after the in-run retries) would fail them the same way.
    goes_on: bool,
}

/// The verdict on a window's outcome, given why the run is stopping (if it is).
fn classify(outcome: &Result<JobReport, JobError>, stop: Option<StopReason>) -> Verdict {
    let stopped =
        |status, reason, error| Verdict { status, exit: stop_outcome(reason), error: Some(error), goes_on: false };
    match (outcome, stop) {
        (Ok(_), _) => Verdict { status: Status::Succeeded, exit: Outcome::Success, error: None, goes_on: true },
        (Err(e), Some(reason @ StopReason::Signal(n))) => {
            stopped(Status::Interrupted, reason, format!("interrupted by signal {n}: {e}"))
        }
        (Err(e), Some(reason @ StopReason::Deadline(limit))) => {
            stopped(Status::TimedOut, reason, format!("deadline of {} passed: {e}", humantime::format_duration(limit)))
        }
        (Err(e), Some(reason @ StopReason::LeaseLost(loss))) => stopped(Status::Failed, reason, format!("{loss}: {e}")),
        (Err(e), None) => Verdict {
            status: Status::Failed,
            exit: Outcome::Failed,
            error: Some(e.to_string()),
            goes_on: !e.is_transient() && !matches!(e, JobError::Cancelled),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use intervalprocessing_jobs::store::StoreError;

    #[test]
    fn outcomes_map_to_documented_codes() {
        let ok: Result<JobReport, JobError> = Ok(JobReport::default());
        let cancelled: Result<JobReport, JobError> = Err(JobError::Cancelled);
        assert_eq!(classify(&ok, Some(StopReason::Signal(15))).exit.exit_code(), 0);
        assert_eq!(classify(&cancelled, Some(StopReason::Signal(15))).status, Status::Interrupted);
        assert_eq!(classify(&cancelled, Some(StopReason::Signal(15))).exit.exit_code(), 143);
        assert_eq!(classify(&cancelled, Some(StopReason::Signal(2))).exit.exit_code(), 130);
        let deadline = classify(&cancelled, Some(StopReason::Deadline(Duration::from_secs(1))));
        assert_eq!((deadline.status, deadline.exit.exit_code(), deadline.goes_on), (Status::TimedOut, 5, false));
        let unrenewed = classify(&cancelled, Some(StopReason::LeaseLost(crate::stop::LeaseLoss::NotRenewed)));
        assert_eq!((unrenewed.status, unrenewed.exit.exit_code(), unrenewed.goes_on), (Status::Failed, 1, false));
        assert!(unrenewed.error.is_some_and(|e| e.contains("could not renew") && !e.contains("another run")));
    }

    #[test]
    fn a_permanent_failure_goes_on_and_a_transient_one_stops_the_run() {
        let failed: Result<JobReport, JobError> = Err(JobError::InvalidInput("x".into()));
        let want = Verdict { status: Status::Failed, exit: Outcome::Failed, error: Some("x".into()), goes_on: true };
        assert_eq!(classify(&failed, None), want);
        let io = std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory");
        let unwritable = Err(JobError::Store(StoreError::Io { action: "renaming", path: "/x".into(), source: io }));
        assert!(classify(&unwritable, None).goes_on);
        let unreachable =
            StoreError::S3 { action: "put", url: "s3://b/k".into(), message: "dispatch".into(), transient: true };
        let v = classify(&Err(JobError::Store(unreachable)), None);
        assert_eq!((v.status, v.exit.exit_code(), v.goes_on), (Status::Failed, 1, false));
        assert!(!classify(&Err(JobError::Cancelled), None).goes_on, "a cancelled job never counts as permanent");
    }
}
