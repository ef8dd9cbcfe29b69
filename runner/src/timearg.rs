//! Times on the command line: RFC 3339 (`2026-11-22T02:00:00Z`), or a local time in the schedule
//! time zone (`2026-11-22T02:00`, `2026-11-22 02:00:00`), or a local date meaning its midnight.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::AppError;

pub fn parse(flag: &str, v: &str, tz: Tz) -> Result<DateTime<Utc>, AppError> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
        .or_else(|| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)));
    let Some(naive) = naive else {
        return Err(AppError::Usage(format!(
            "invalid {flag} {v:?}: use RFC 3339 (2026-11-22T02:00:00Z) or a local time in {tz} (2026-11-22T02:00 or 2026-11-22)"
        )));
    };
    tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).ok_or_else(|| {
        AppError::Usage(format!("invalid {flag} {v:?}: that local time does not exist in {tz} (DST gap)"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_local_and_date_forms_are_accepted() {
        let ny = chrono_tz::America::New_York;
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).ok();
        assert_eq!(parse("--at", "2026-01-02T03:04:05Z", ny).ok(), utc("2026-01-02T03:04:05Z"));
        assert_eq!(parse("--at", "2026-01-02T02:00", ny).ok(), utc("2026-01-02T07:00:00Z"));
        assert_eq!(parse("--at", "2026-01-02", ny).ok(), utc("2026-01-02T05:00:00Z"));
    }

    #[test]
    fn garbage_and_dst_gaps_are_usage_errors() {
        let ny = chrono_tz::America::New_York;
        assert_eq!(parse("--at", "yesterday", ny).map_err(|e| e.exit_code()), Err(2));
        assert_eq!(parse("--at", "2026-03-08T02:30", ny).map_err(|e| e.exit_code()), Err(2));
    }
}
