//! Times on the command line: RFC 3339 (`2026-11-22T02:00:00Z`), or a local time in the schedule
//! time zone (`2026-11-22T02:00`, `2026-11-22 02:00:00`), or a local date meaning the first
//! instant of that local day (midnight, or the end of the DST gap where midnight does not exist,
//! as in America/Santiago). Every form takes the years 0001 to 9999, as written.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use intervalprocessing_jobs::window::start_of_day;

use crate::error::AppError;

const LOCAL_FORMATS: [&str; 4] = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"];

pub fn parse(flag: &str, v: &str, tz: Tz) -> Result<DateTime<Utc>, AppError> {
    let v = v.trim();
    let usage = |why: String| AppError::Usage(format!("invalid {flag} {v:?}: {why}"));
    let in_range = |year: i32| match (1..=9999).contains(&year) {
        true => Ok(()),
        false => Err(usage("use a year from 0001 to 9999".into())),
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        in_range(t.year())?;
        return Ok(t.with_timezone(&Utc));
    }
    if let Some(naive) = LOCAL_FORMATS.iter().find_map(|f| NaiveDateTime::parse_from_str(v, f).ok()) {
        in_range(naive.year())?;
        return tz
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| usage(format!("that local time does not exist in {tz} (DST gap)")));
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        in_range(d.year())?;
        return Ok(start_of_day(tz, d));
    }
    Err(usage(format!("use RFC 3339 (2026-11-22T02:00:00Z) or a local time in {tz} (2026-11-22T02:00 or 2026-11-22)")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, SecondsFormat};
    use chrono_tz::TZ_VARIANTS;
    use proptest::prelude::*;

    fn utc(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).ok()
    }

    #[test]
    fn rfc3339_local_and_date_forms_are_accepted() {
        let ny = chrono_tz::America::New_York;
        assert_eq!(parse("--at", "2026-01-02T03:04:05Z", ny).ok(), utc("2026-01-02T03:04:05Z"));
        assert_eq!(parse("--at", "2026-01-02T02:00", ny).ok(), utc("2026-01-02T07:00:00Z"));
        assert_eq!(parse("--at", "2026-01-02", ny).ok(), utc("2026-01-02T05:00:00Z"));
    }

    #[test]
    fn garbage_and_dst_gaps_are_usage_errors() {
        let ny = chrono_tz::America::New_York;
        assert_eq!(parse("--at", "yesterday", ny).map_err(|e| e.outcome().exit_code()), Err(2));
        assert_eq!(parse("--at", "2026-03-08T02:30", ny).map_err(|e| e.outcome().exit_code()), Err(2));
    }

    #[test]
    fn a_bare_date_whose_midnight_does_not_exist_is_the_first_instant_of_that_day() {
        // America/Santiago springs forward at 24:00 on 2026-09-05: the 6th starts at 01:00 -03.
        let santiago = chrono_tz::America::Santiago;
        assert_eq!(parse("--at", "2026-09-06", santiago).ok(), utc("2026-09-06T04:00:00Z"));
        // An explicit time in the gap is still refused.
        assert_eq!(parse("--at", "2026-09-06T00:30", santiago).map_err(|e| e.outcome().exit_code()), Err(2));
    }

    #[test]
    fn years_outside_0001_to_9999_are_usage_errors_and_the_extremes_are_times() {
        let ny = chrono_tz::America::New_York;
        for v in
            ["0000-12-31", "10000-01-01", "+99999-01-01T00:00", "-0001-01-01", "262143-12-31", "0000-06-01T00:00:00Z"]
        {
            assert_eq!(parse("--at", v, ny).map_err(|e| e.outcome().exit_code()).err(), Some(2), "{v}");
        }
        for v in ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
            assert!(parse("--at", v, ny).is_ok(), "{v}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics_on_any_string_in_any_zone(v in any::<String>(), zone in 0..TZ_VARIANTS.len()) {
            let _ = parse("--at", &v, TZ_VARIANTS[zone]);
        }

        #[test]
        fn parsing_never_panics_on_date_like_strings(
            v in "[+-]?[0-9]{1,7}-[0-9]{1,2}-[0-9]{1,2}([T ][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2})?)?(Z|[+-][0-9]{2}:[0-9]{2})?",
            zone in 0..TZ_VARIANTS.len(),
        ) {
            let _ = parse("--at", &v, TZ_VARIANTS[zone]);
        }

        #[test]
        fn rfc3339_round_trips_in_any_zone(
            secs in -62_135_596_800i64..253_402_300_799,
            offset_min in -(23 * 60 + 59)..=(23 * 60 + 59),
            zone in 0..TZ_VARIANTS.len(),
        ) {
            let t = DateTime::from_timestamp(secs, 0).unwrap_or_default();
            let Some(offset) = FixedOffset::east_opt(offset_min * 60) else { return Ok(()) };
            let text = t.with_timezone(&offset).to_rfc3339_opts(SecondsFormat::AutoSi, true);
            // Years 0000 and 10000 in the written offset are outside RFC 3339 itself.
            prop_assume!(text.len() == 20 || text.len() == 25);
            prop_assert_eq!(parse("--at", &text, TZ_VARIANTS[zone]).ok(), Some(t), "{}", text);
        }

        #[test]
        fn a_bare_date_is_the_first_instant_of_that_local_day(days in 0i64..3_652_058, zone in 0..TZ_VARIANTS.len()) {
            let tz = TZ_VARIANTS[zone];
            let d = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default() + chrono::TimeDelta::days(days);
            let t = parse("--at", &d.format("%Y-%m-%d").to_string(), tz);
            prop_assert_eq!(t.as_ref().ok(), Some(&start_of_day(tz, d)));
        }
    }
}
