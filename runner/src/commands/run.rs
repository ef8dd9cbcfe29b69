//! `run` (and the bare binary under ECS): resolve the process and windows, then hand over to the lifecycle.

use std::time::Duration;

use chrono::Utc;
use intervalprocessing_infra::Console;
use intervalprocessing_jobs::Process;

use crate::cli::RunArgs;
use crate::config::{Config, MAX_RUN_TIMEOUT, bounded_duration};
use crate::error::AppError;
use crate::lifecycle::plan::Selection;
use crate::lifecycle::{self, RunRequest};
use crate::outcome::Outcome;
use crate::stop::Stop;
use crate::telemetry::LogFormat;
use crate::timearg;

/// `format`: with JSON logs every window also prints an EMF metrics line.
pub async fn run(args: RunArgs, cfg: &Config, format: LogFormat, out: &Console) -> Result<Outcome, AppError> {
    let name = args.process.filter(|p| !p.trim().is_empty()).ok_or(AppError::NoProcess)?;
    let process: Process = name.parse()?;
    let selection = match (&args.at, &args.from, &args.to) {
        (Some(at), _, _) => Selection::At(timearg::parse("--at", at, cfg.tz)?),
        (None, Some(from), Some(to)) => {
            let (from, to) = (timearg::parse("--from", from, cfg.tz)?, timearg::parse("--to", to, cfg.tz)?);
            if from >= to {
                return Err(AppError::Usage("--from must be before --to".into()));
            }
            Selection::Backfill { from, to }
        }
        _ => Selection::Scheduled(cfg.scheduled_time.unwrap_or_else(Utc::now)),
    };
    let timeout = match &args.timeout {
        Some(t) => Some(
            bounded_duration(t, Duration::from_millis(1)..=MAX_RUN_TIMEOUT)
                .map_err(|e| AppError::Usage(format!("invalid --timeout {t:?}: {e}")))?,
        ),
        None => None,
    };
    let stop = Stop::new();
    stop.listen_for_signals().map_err(|e| AppError::Startup(format!("cannot listen for signals: {e}")))?;
    let req = RunRequest {
        process,
        selection,
        dry_run: args.dry_run,
        timeout,
        ignore_retention: args.ignore_retention,
        emf: format == LogFormat::Json,
    };
    lifecycle::run(cfg, req, stop, out).await
}
