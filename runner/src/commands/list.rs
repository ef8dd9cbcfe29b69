//! `list`: each process with its cadence, default cron, deadline and next three run times in the
//! schedule time zone (`SCHEDULE_TIMEZONE`). The deployed crons live in the infra deployment file;
//! `infra status` shows those.

use chrono::Utc;
use intervalprocessing_infra::Console;
use intervalprocessing_infra::cron::AwsSchedule;
use intervalprocessing_jobs::Process;

use crate::config::Config;
use crate::error::AppError;
use crate::outcome::Outcome;

pub fn run(cfg: &Config, out: &Console) -> Result<Outcome, AppError> {
    let now = Utc::now();
    out.line(format_args!("{:<24} {:<8} {:<22} {:<8} NEXT RUNS ({})", "PROCESS", "CADENCE", "CRON", "TIMEOUT", cfg.tz));
    for p in Process::all() {
        let cron = p.default_cron();
        let schedule = AwsSchedule::parse(cron)
            .map_err(|e| AppError::Startup(format!("the built-in schedule of {p} is invalid: {e}")))?;
        let next: Vec<String> = schedule
            .upcoming(now, cfg.tz, 3)
            .into_iter()
            .map(|t| t.with_timezone(&cfg.tz).format("%Y-%m-%d %H:%M").to_string())
            .collect();
        out.line(format_args!(
            "{:<24} {:<8} {:<22} {:<8} {}",
            p.name(),
            p.cadence().label(),
            cron,
            humantime::format_duration(p.default_timeout()).to_string(),
            next.join(", ")
        ));
    }
    Ok(Outcome::Success)
}
