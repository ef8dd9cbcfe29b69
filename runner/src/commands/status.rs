//! `status`: did every run that should have happened, happen? Every fire time of each process's
//! schedule in the period, matched to the ledger entry of the window it processes. Two indexed
//! ledger queries per process (its first entry, and one range on (process, windowStart)), never
//! one per fire time. Exits 0 when nothing was missed or failed, else [`Outcome::Unaccounted`].

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use intervalprocessing_infra::Console;
use intervalprocessing_jobs::window::rfc3339;
use intervalprocessing_jobs::{Process, Windowing};

use crate::cli::StatusArgs;
use crate::config::{Config, bounded_duration};
use crate::connect;
use crate::error::AppError;
use crate::lifecycle::ledger::Ledger;
use crate::outcome::Outcome;
use crate::progress;
use crate::status::expected::{self, Expected};
use crate::status::report::{self, ProcessReport, Row};
use crate::status::verdict;

/// `--since` at most this far back.
pub const MAX_SINCE: Duration = Duration::from_secs(366 * 24 * 3600);

pub async fn run(args: StatusArgs, cfg: &Config, out: &Console) -> Result<Outcome, AppError> {
    let processes: Vec<Process> = match &args.process {
        Some(name) => vec![name.parse()?],
        None => Process::all().collect(),
    };
    let since = bounded_duration(&args.since, Duration::from_secs(60)..=MAX_SINCE)
        .map_err(|e| AppError::Usage(format!("invalid --since {:?}: {e}", args.since)))?;
    let expected = match &args.config {
        Some(path) => expected::from_settings(&intervalprocessing_infra::commands::load(path)?, &processes),
        None => expected::from_catalog(&processes, cfg.tz)?,
    };
    let now = Utc::now();
    let from = now - TimeDelta::from_std(since).unwrap_or(TimeDelta::MAX);
    let db = connect::mongo(cfg).await?;
    let ledger = Ledger::new(&db);
    let mut reports = Vec::with_capacity(expected.len());
    for e in &expected {
        reports.push(one(&ledger, e, from, now).await?);
    }
    report::order(&mut reports);
    match args.json {
        true => report::print_json(out, &reports).map_err(|e| AppError::Startup(format!("JSON: {e}")))?,
        false => report::print_text(out, &reports),
    }
    let alarming = reports.iter().flat_map(|r| &r.rows).any(|r| r.label.is_alarming());
    Ok(if alarming { Outcome::Unaccounted } else { Outcome::Success })
}

/// The fire times of one process in `[from, now]`, judged, newest first.
async fn one(
    ledger: &Ledger,
    e: &Expected,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<ProcessReport, AppError> {
    let p = e.process;
    let mut report = ProcessReport { process: p, expression: e.expression.clone(), rows: Vec::new(), note: None };
    let Some(schedule) = &e.schedule else {
        report.note = Some("schedule disabled in the deployment file; nothing expected".into());
        return Ok(report);
    };
    let read = || AppError::mongo("reading the ledger");
    let Some(first) = ledger.first_window(p).await.map_err(read())? else {
        report.note = Some("no run recorded yet; nothing expected before the first one".into());
        return Ok(report);
    };
    let windowing = Windowing::new(p.cadence(), e.tz);
    // Only fire times whose window is at or after the first recorded one count (as for catch-up).
    let fires: Vec<(DateTime<Utc>, intervalprocessing_jobs::Window)> = expected::fire_times(schedule, e.tz, from, now)
        .into_iter()
        .map(|f| (f, windowing.due(f)))
        .filter(|(_, w)| w.start >= first)
        .collect();
    let (Some((_, oldest)), Some((_, newest))) = (fires.first(), fires.last()) else { return Ok(report) };
    let entries = ledger.between(p, oldest.start, newest.end).await.map_err(read())?;
    let live = ledger.live_runs(&entries).await.map_err(AppError::mongo("reading the process leases"))?;
    let by_start: HashMap<_, _> = entries.iter().map(|r| (r.start, r)).collect();
    report.rows = fires
        .iter()
        .rev()
        .map(|(f, w)| {
            let v = verdict::judge(*f, by_start.get(&w.start).copied(), &live, now);
            Row {
                process: p.name(),
                fire_time: rfc3339(*f),
                window_start: rfc3339(w.start),
                window_end: rfc3339(w.end),
                label: v.label,
                detail: v.detail,
                window: progress::label(p, w, e.tz),
            }
        })
        .collect();
    Ok(report)
}
