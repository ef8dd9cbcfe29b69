//! Retention of raw readings, and the guard that keeps reprocessing from destroying good output.
//!
//! NightlyDataChange removes the raw readings of whole local days: everything before the first
//! instant of the oldest of the last `RETENTION_DAYS` local days ending with its window. Before it
//! deletes anything it records that cutoff in `retention` (the latest cutoff ever applied wins: a
//! backfill of an old day never lowers it). Every process that reads raw readings refuses a window
//! that starts before the recorded cutoff, because the readings it would aggregate are gone and it
//! would overwrite a good file or rollup with a partial one. `--ignore-retention` lifts the guard
//! for a person who restored readings from a backup.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use mongodb::bson::{Document, doc};

use crate::collections::READINGS;
use crate::context::JobContext;
use crate::error::JobError;
use crate::window::{Window, rfc3339, start_of_day};

/// `RETENTION_DAYS`: its default and the values the runtime accepts (shared with `infra validate`).
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
pub const RETENTION_DAYS_RANGE: std::ops::RangeInclusive<u32> = 1..=36500;
/// `CATCH_UP_LIMIT`: its default and the values the runtime accepts (shared with `infra validate`).
pub const DEFAULT_CATCH_UP_LIMIT: u32 = 4;
pub const CATCH_UP_LIMIT_RANGE: std::ops::RangeInclusive<u32> = 0..=96;

/// The collection holding one document per retained collection: `{ _id: "readings", cutoff, ... }`.
pub const RETENTION: &str = "retention";

/// The first instant of the oldest local day kept when `window`'s local day is the newest of
/// `days` kept days: readings before it are removed. Whole local days in `tz`, so on a DST day
/// it is still a local midnight (or the first instant after a gap at midnight).
pub fn cutoff_for(window: &Window, tz: Tz, days: u32) -> DateTime<Utc> {
    let newest = window.local_date(tz);
    let oldest_kept = newest.checked_sub_days(Days::new(u64::from(days.saturating_sub(1)))).unwrap_or(NaiveDate::MIN);
    start_of_day(tz, oldest_kept)
}

/// Records that readings before `cutoff` are (about to be) removed. The latest cutoff wins.
pub async fn record_cutoff(ctx: &JobContext, cutoff: DateTime<Utc>, window: &Window) -> Result<(), JobError> {
    let coll = ctx.db.collection::<Document>(RETENTION);
    let update = doc! {
        "$max": { "cutoff": cutoff },
        "$set": { "lastAppliedAt": Utc::now(), "lastRunId": &ctx.run_id, "lastWindowStart": window.start },
    };
    ctx.mongo_retry("recording the retention cutoff", || {
        coll.update_one(doc! { "_id": READINGS }, update.clone()).upsert(true)
    })
    .await?;
    Ok(())
}

/// The recorded cutoff of raw readings, if retention ever ran.
pub async fn recorded_cutoff(ctx: &JobContext) -> Result<Option<DateTime<Utc>>, JobError> {
    let coll = ctx.db.collection::<Document>(RETENTION);
    let d = ctx.mongo_retry("reading the retention cutoff", || coll.find_one(doc! { "_id": READINGS })).await?;
    Ok(d.and_then(|d| d.get_datetime("cutoff").ok().map(|t| t.to_chrono())))
}

/// Refuses `window` when it starts before the recorded cutoff (unless the run ignores retention).
pub async fn guard(ctx: &JobContext, window: &Window) -> Result<(), JobError> {
    if ctx.settings.ignore_retention {
        return Ok(());
    }
    match recorded_cutoff(ctx).await? {
        Some(cutoff) if window.start < cutoff => Err(JobError::BeforeRetention { cutoff: rfc3339(cutoff) }),
        _ => Ok(()),
    }
}

/// The local days of raw readings a scheduled run may still need: its catch-up reaches
/// `catch_up_limit` windows before the due one, which for a daily process is `catch_up_limit + 1`
/// days back. `None` when `retention_days` keeps at least that much; otherwise the days needed, so
/// the caller can warn that catch-up would find some of its windows' readings already removed.
pub fn shorter_than_catch_up(retention_days: u32, catch_up_limit: u32) -> Option<u32> {
    let day = 24 * 3600;
    let needed = crate::Process::all()
        .map(|p| (u64::from(catch_up_limit) + 1).saturating_mul(p.cadence().nominal_length().as_secs()).div_ceil(day))
        .max()
        .unwrap_or(0);
    let needed = u32::try_from(needed).unwrap_or(u32::MAX);
    (retention_days < needed).then_some(needed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::{Cadence, Windowing};

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn cutoff_is_the_local_midnight_of_the_oldest_kept_day() {
        let ny = chrono_tz::America::New_York;
        // The fall-back day 2026-11-01 is 25 hours long; keeping 1 day keeps exactly that day.
        let w = Windowing::new(Cadence::Daily, ny).day(date("2026-11-01"));
        assert_eq!(cutoff_for(&w, ny, 1), w.start);
        // Keeping 3 days ending with 2026-11-01 keeps Oct 30, 31 and Nov 1 (local).
        assert_eq!(cutoff_for(&w, ny, 3), start_of_day(ny, date("2026-10-30")));
        assert_eq!(rfc3339(cutoff_for(&w, ny, 3)), "2026-10-30T04:00:00Z");
    }

    #[test]
    fn retention_shorter_than_the_daily_catch_up_horizon_is_flagged() {
        // Catch-up of 4 windows reaches 5 days back for the daily processes.
        assert_eq!(shorter_than_catch_up(90, 4), None);
        assert_eq!(shorter_than_catch_up(5, 4), None);
        assert_eq!(shorter_than_catch_up(4, 4), Some(5));
        assert_eq!(shorter_than_catch_up(1, 0), None);
    }

    #[test]
    fn cutoff_across_spring_forward_is_still_a_local_midnight() {
        let ny = chrono_tz::America::New_York;
        let w = Windowing::new(Cadence::Daily, ny).day(date("2026-03-10"));
        // Mar 8 (23 h) to Mar 10 kept: the cutoff is midnight EST of Mar 8, not window.end - 72 h.
        assert_eq!(rfc3339(cutoff_for(&w, ny, 3)), "2026-03-08T05:00:00Z");
        assert_ne!(cutoff_for(&w, ny, 3), w.end - chrono::TimeDelta::days(3));
    }
}
