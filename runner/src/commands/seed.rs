//! `seed`: demo meters and readings for local work.

use chrono::{Datelike, Days, NaiveDate, Utc};
use intervalprocessing_infra::Console;
use intervalprocessing_jobs::seed::{SeedSpec, seed};

use crate::cli::SeedArgs;
use crate::config::Config;
use crate::error::AppError;
use crate::outcome::Outcome;
use crate::{connect, progress};

pub async fn run(args: SeedArgs, cfg: &Config, out: &Console) -> Result<Outcome, AppError> {
    let start = match &args.start {
        Some(s) => s
            .parse::<NaiveDate>()
            .ok()
            .filter(|d| (1..=9999).contains(&d.year()))
            .ok_or_else(|| AppError::Usage(format!("invalid --start {s:?}: use a date like 2026-11-01")))?,
        None => {
            let today = Utc::now().with_timezone(&cfg.tz).date_naive();
            today.checked_sub_days(Days::new(u64::from(args.days))).unwrap_or(today)
        }
    };
    let spec = SeedSpec { meters: args.meters, days: args.days, start, tz: cfg.tz, seed: args.seed };
    let db = connect::mongo(cfg).await?;
    intervalprocessing_jobs::collections::ensure_indexes(&db).await?;
    let bar = progress::bar(spec.intervals(), "readings");
    let report = seed(&db, &spec, |done| bar.set_position(done)).await.map_err(AppError::mongo("writing demo data"))?;
    bar.finish_and_clear();
    out.line(format_args!(
        "seeded {} meters and {} readings ({} intervals left empty) for {} day(s) from {start} ({}) into database {}",
        report.meters, report.readings, report.gaps, args.days, cfg.tz, cfg.mongodb_database
    ));
    Ok(Outcome::Success)
}
