//! Windows: the half-open time ranges `[start, end)` a process works on, aligned to its cadence
//! in the schedule time zone.
//!
//! Sub-daily windows are aligned on the local wall clock using the UTC offset in force, so with
//! whole-hour offsets (every DST zone in use except Lord Howe Island) each is exactly its cadence
//! long and a DST day simply has fewer or more of them. Daily windows follow local calendar days,
//! so a DST day is 23 or 25 hours long.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// How often a process runs; also the length of its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cadence {
    /// A fixed number of minutes that divides an hour (15, 30) or is an hour (60).
    Minutes(u32),
    /// One local calendar day.
    Daily,
}

impl Cadence {
    /// The usual length of one window (a DST day differs from it).
    pub fn nominal_length(self) -> Duration {
        match self {
            Cadence::Minutes(m) => Duration::from_secs(u64::from(m) * 60),
            Cadence::Daily => Duration::from_secs(24 * 3600),
        }
    }

    /// A short human label: `15 min`, `daily`.
    pub fn label(self) -> String {
        match self {
            Cadence::Minutes(m) => format!("{m} min"),
            Cadence::Daily => "daily".to_owned(),
        }
    }
}

/// A half-open time range `[start, end)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    pub fn length(&self) -> TimeDelta {
        self.end - self.start
    }

    /// The local calendar date the window starts on (the `D` of daily outputs).
    pub fn local_date(&self, tz: Tz) -> NaiveDate {
        self.start.with_timezone(&tz).date_naive()
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

impl fmt::Display for Window {
    /// An ISO 8601 interval in UTC: `2026-03-08T05:00:00Z/2026-03-09T04:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", rfc3339(self.start), rfc3339(self.end))
    }
}

/// RFC 3339 in UTC with a `Z` and whole seconds.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Window arithmetic for one cadence in one time zone.
#[derive(Debug, Clone, Copy)]
pub struct Windowing {
    pub cadence: Cadence,
    pub tz: Tz,
}

impl Windowing {
    pub fn new(cadence: Cadence, tz: Tz) -> Self {
        Windowing { cadence, tz }
    }

    /// The window due at `at`: the last one that ended at or before `at`.
    pub fn due(&self, at: DateTime<Utc>) -> Window {
        self.previous(&self.containing(at))
    }

    /// The window that contains `t`.
    pub fn containing(&self, t: DateTime<Utc>) -> Window {
        match self.cadence {
            Cadence::Minutes(m) => {
                let start = self.floor_minutes(t, m);
                Window { start, end: start + minutes(m) }
            }
            Cadence::Daily => self.day(t.with_timezone(&self.tz).date_naive()),
        }
    }

    /// The window right after `w`.
    pub fn next(&self, w: &Window) -> Window {
        match self.cadence {
            Cadence::Minutes(m) => Window { start: w.end, end: w.end + minutes(m) },
            Cadence::Daily => self.day(succ(w.local_date(self.tz))),
        }
    }

    /// The window right before `w`.
    pub fn previous(&self, w: &Window) -> Window {
        match self.cadence {
            Cadence::Minutes(m) => Window { start: w.start - minutes(m), end: w.start },
            Cadence::Daily => self.day(pred(w.local_date(self.tz))),
        }
    }

    /// Every window lying wholly inside `[from, to)`, oldest first.
    pub fn within(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Window> {
        let mut w = self.containing(from);
        if w.start < from {
            w = self.next(&w);
        }
        let mut out = Vec::new();
        while w.end <= to {
            out.push(w);
            w = self.next(&w);
        }
        out
    }

    /// The daily window of local date `d`: `[start of d, start of d + 1)`.
    pub fn day(&self, d: NaiveDate) -> Window {
        Window { start: start_of_day(self.tz, d), end: start_of_day(self.tz, succ(d)) }
    }

    fn floor_minutes(&self, t: DateTime<Utc>, m: u32) -> DateTime<Utc> {
        let offset = i64::from(self.tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc());
        let step = i64::from(m) * 60;
        let local = t.timestamp() + offset;
        let floored = local - local.rem_euclid(step);
        // Whole seconds only: a window never starts mid-second.
        DateTime::from_timestamp(floored - offset, 0).unwrap_or(t)
    }
}

/// The first instant of local date `d` in `tz`. Where midnight does not exist (a DST gap at
/// midnight, as in America/Santiago), the first local time after the gap.
pub fn start_of_day(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
    let mut local = d.and_time(NaiveTime::MIN);
    // A DST gap is at most a few hours; step through it a quarter-hour at a time.
    for _ in 0..4 * 24 {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
            LocalResult::None => local += TimeDelta::minutes(15),
        }
    }
    // No zone has a gap of a whole day; treat the date as UTC rather than fail.
    Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN))
}

fn minutes(m: u32) -> TimeDelta {
    TimeDelta::minutes(i64::from(m))
}

fn succ(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

fn pred(d: NaiveDate) -> NaiveDate {
    d.checked_sub_days(Days::new(1)).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    const NY: Tz = chrono_tz::America::New_York;

    #[test]
    fn due_window_is_the_last_one_that_ended_at_or_before_the_time() {
        let q = Windowing::new(Cadence::Minutes(15), Tz::UTC);
        assert_eq!(q.due(utc("2026-01-01T10:15:00Z")).to_string(), "2026-01-01T10:00:00Z/2026-01-01T10:15:00Z");
        assert_eq!(q.due(utc("2026-01-01T10:29:59Z")).to_string(), "2026-01-01T10:00:00Z/2026-01-01T10:15:00Z");
        let d = Windowing::new(Cadence::Daily, Tz::UTC);
        assert_eq!(d.due(utc("2026-01-02T02:00:00Z")).to_string(), "2026-01-01T00:00:00Z/2026-01-02T00:00:00Z");
    }

    #[test]
    fn daily_window_follows_local_days() {
        let d = Windowing::new(Cadence::Daily, NY);
        // 02:30 local on Jan 2nd is 07:30Z; the due day is Jan 1st local.
        let w = d.due(utc("2026-01-02T07:30:00Z"));
        assert_eq!(w.to_string(), "2026-01-01T05:00:00Z/2026-01-02T05:00:00Z");
        assert_eq!(w.local_date(NY), date("2026-01-01"));
    }

    #[test]
    fn spring_forward_day_has_92_quarter_hours_and_23_hours() {
        let day = Windowing::new(Cadence::Daily, NY).day(date("2026-03-08"));
        assert_eq!(day.length(), TimeDelta::hours(23));
        let quarters = Windowing::new(Cadence::Minutes(15), NY).within(day.start, day.end);
        assert_eq!(quarters.len(), 92);
        assert!(quarters.windows(2).all(|p| p[0].end == p[1].start));
    }

    #[test]
    fn fall_back_day_has_100_quarter_hours_and_25_hours() {
        let day = Windowing::new(Cadence::Daily, NY).day(date("2026-11-01"));
        assert_eq!(day.length(), TimeDelta::hours(25));
        assert_eq!(Windowing::new(Cadence::Minutes(15), NY).within(day.start, day.end).len(), 100);
        assert_eq!(Windowing::new(Cadence::Minutes(60), NY).within(day.start, day.end).len(), 25);
    }

    #[test]
    fn half_hour_offset_zone_aligns_hours_on_local_clock() {
        let h = Windowing::new(Cadence::Minutes(60), chrono_tz::Asia::Kolkata);
        // 10:45Z is 16:15 IST; the hour containing it starts 16:00 IST = 10:30Z.
        assert_eq!(h.containing(utc("2026-01-01T10:45:00Z")).start, utc("2026-01-01T10:30:00Z"));
    }

    #[test]
    fn midnight_in_a_dst_gap_starts_the_day_after_the_gap() {
        // America/Santiago springs forward at 24:00 on 2026-09-05: local midnight of the 6th does not exist.
        let santiago = chrono_tz::America::Santiago;
        let start = start_of_day(santiago, date("2026-09-06"));
        assert_eq!(start.with_timezone(&santiago).date_naive(), date("2026-09-06"));
        assert_eq!(start, utc("2026-09-06T04:00:00Z"));
    }

    #[test]
    fn within_keeps_only_whole_windows() {
        let q = Windowing::new(Cadence::Minutes(15), Tz::UTC);
        let ws = q.within(utc("2026-01-01T00:05:00Z"), utc("2026-01-01T01:10:00Z"));
        assert_eq!(ws.len(), 3);
        assert_eq!(ws[0].start, utc("2026-01-01T00:15:00Z"));
        assert_eq!(ws[2].end, utc("2026-01-01T01:00:00Z"));
    }

    #[test]
    fn next_and_previous_are_inverse() {
        for w in [Windowing::new(Cadence::Daily, NY), Windowing::new(Cadence::Minutes(30), NY)] {
            let x = w.due(utc("2026-03-09T06:00:00Z"));
            assert_eq!(w.previous(&w.next(&x)), x);
        }
    }
}
