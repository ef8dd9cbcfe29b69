//! Windows: the half-open time ranges `[start, end)` a process works on, aligned to its cadence
//! in the schedule time zone.
//!
//! The boundaries of a zone and cadence are one well-defined set of instants, and every function
//! here (`containing`, `next`, `previous`, `within`, `count_within`) is derived from it, so they
//! always agree and windows tile time with no gap or overlap:
//!
//! - **Sub-daily** (15, 30, 60 min): the instants whose local wall-clock time, read with the UTC
//!   offset in force at that instant, is a multiple of the cadence. With whole-hour DST shifts
//!   every window is exactly its cadence long and a DST day simply has fewer or more of them (92
//!   or 100 quarter-hours in New York). Where a shift is not a multiple of the cadence (Lord Howe
//!   Island's 30-minute DST against hourly windows), the window that contains the shift is longer:
//!   the shift instant lies on the old grid but not on the new one, so the hour window starting
//!   at 01:00 lasts 90 minutes, to 03:00 local when the clock goes from 02:00 to 02:30 (October)
//!   and to the second 02:00 local when it goes back from 02:00 to 01:30 (April). Zones with a
//!   45-minute offset (Pacific/Chatham) are aligned on their local clock too.
//! - **Daily**: local calendar days. A day starts at the first instant of its local date (local
//!   midnight, or the end of the DST gap where midnight does not exist, as in America/Santiago),
//!   so a DST day is 23 or 25 hours long. A local date a zone skipped entirely (Pacific/Apia on
//!   2011-12-30) has no window.
//!
//! All arithmetic is checked: instants beyond chrono's range saturate, nothing panics.

mod zone;

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::{GapInfo, Tz};

use self::zone::{Zone, ceil_on_grid, floor_on_grid, on_grid_between};

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
        // Checked: at the ends of chrono's range the local date may not exist (then the UTC one).
        Zone(tz).local_date(self.start.timestamp()).unwrap_or_else(|| self.start.date_naive())
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

/// How many offset changes a boundary search follows before giving up (one is the usual most).
const MAX_HOPS: usize = 16;

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
        let s = t.timestamp();
        match self.cadence {
            Cadence::Minutes(m) => {
                let step = step(m);
                Window { start: instant(self.at_or_before(s, step)), end: instant(self.at_or_after(s + 1, step)) }
            }
            Cadence::Daily => {
                let mut d = Zone(self.tz).local_date(s).unwrap_or_else(|| t.date_naive());
                // Local dates run forward except across a rare backward jump over midnight.
                for _ in 0..MAX_HOPS {
                    match start_of_day(self.tz, d) > t {
                        true => d = pred(d),
                        false => break,
                    }
                }
                for _ in 0..MAX_HOPS {
                    match start_of_day(self.tz, succ(d)) <= t {
                        true => d = succ(d),
                        false => break,
                    }
                }
                self.day(d)
            }
        }
    }

    /// The window right after `w`: the one that contains its end.
    pub fn next(&self, w: &Window) -> Window {
        self.containing(w.end)
    }

    /// The window right before `w`: the one that contains the second before its start.
    pub fn previous(&self, w: &Window) -> Window {
        self.containing(w.start.checked_sub_signed(TimeDelta::seconds(1)).unwrap_or(w.start))
    }

    /// Every window lying wholly inside `[from, to)`, oldest first. Allocates one entry per
    /// window: check [`Windowing::count_within`] first when the range comes from a person.
    pub fn within(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Window> {
        let mut w = self.containing(from);
        if w.start < from {
            w = self.next(&w);
        }
        let mut out = Vec::new();
        while w.end <= to && w.start < w.end {
            out.push(w);
            let n = self.next(&w);
            if n.start < w.end {
                break; // saturated at the end of time
            }
            w = n;
        }
        out
    }

    /// How many windows [`Windowing::within`] returns for `[from, to)`, computed without
    /// allocating: arithmetic on the boundary grid between offset changes (sub-daily), or the
    /// number of local dates (daily). Proportional to the number of probes of the zone's
    /// offsets (one per two days of the range), whatever the cadence.
    pub fn count_within(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
        let mut first = self.containing(from);
        if first.start < from {
            first = self.next(&first);
        }
        let last_end = self.containing(to).start;
        if last_end <= first.start {
            return 0;
        }
        let zone = Zone(self.tz);
        let (a, b) = (first.start.timestamp(), last_end.timestamp());
        match self.cadence {
            Cadence::Minutes(m) => {
                // Boundaries in [a, b], one segment of constant offset at a time.
                let step = step(m);
                let (mut seg, mut o, mut n) = (a, zone.offset(a), 0u64);
                zone.changes(a, b, |c| {
                    n += on_grid_between(seg, c.at - 1, o, step);
                    (seg, o) = (c.at, c.after);
                });
                (n + on_grid_between(seg, b, o, step)).saturating_sub(1)
            }
            Cadence::Daily => {
                let (d0, d1) = (first.local_date(self.tz), self.containing(to).local_date(self.tz));
                let dates = u64::try_from((d1 - d0).num_days()).unwrap_or(0);
                // Less the local dates a zone skipped entirely (they have no window).
                let mut skipped = 0u64;
                zone.changes(a, b, |c| {
                    if let (Some(before), Some(after)) = (zone.local_date(c.at - 1), zone.local_date(c.at)) {
                        skipped += u64::try_from((after - before).num_days() - 1).unwrap_or(0);
                    }
                });
                dates.saturating_sub(skipped)
            }
        }
    }

    /// The daily window of local date `d`: `[start of d, start of d + 1)`.
    pub fn day(&self, d: NaiveDate) -> Window {
        Window { start: start_of_day(self.tz, d), end: start_of_day(self.tz, succ(d)) }
    }

    /// The last sub-daily boundary at or before second `t`.
    fn at_or_before(&self, t: i64, step: i64) -> i64 {
        let zone = Zone(self.tz);
        let mut x = t;
        for _ in 0..MAX_HOPS {
            let o = zone.offset(x);
            let s = floor_on_grid(x, o, step);
            if zone.offset(s) == o {
                return s;
            }
            // The offset changed within (s, x]: after the change no grid point of `o` lies at
            // or before x, so the boundary is the last one before the change.
            x = zone.change_after(s, x) - 1;
        }
        floor_on_grid(x, zone.offset(x), step)
    }

    /// The first sub-daily boundary at or after second `t`.
    fn at_or_after(&self, t: i64, step: i64) -> i64 {
        let zone = Zone(self.tz);
        let mut x = t;
        for _ in 0..MAX_HOPS {
            let o = zone.offset(x);
            let e = ceil_on_grid(x, o, step);
            if zone.offset(e) == o {
                return e;
            }
            // The offset changed within (x, e]: the boundary is the first one from the change on.
            x = zone.change_after(x, e);
        }
        ceil_on_grid(x, zone.offset(x), step)
    }
}

fn step(minutes: u32) -> i64 {
    i64::from(minutes.max(1)) * 60
}

/// The instant at Unix second `s`, saturating at the ends of chrono's range.
fn instant(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or(if s < 0 { DateTime::<Utc>::MIN_UTC } else { DateTime::<Utc>::MAX_UTC })
}

/// The first instant of local date `d` in `tz`: local midnight, the earlier one where midnight
/// repeats, and the end of the gap where midnight does not exist (a DST gap at midnight, as in
/// America/Santiago). For a date the zone skipped entirely, the start of the next date.
pub fn start_of_day(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
    let midnight = d.and_time(NaiveTime::MIN);
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
        LocalResult::None => {}
    }
    if let Some(end) = GapInfo::new(&midnight, &tz).and_then(|g| g.end) {
        return end.with_timezone(&Utc);
    }
    // At the edge of the zone's known history: step through the gap a quarter-hour at a time.
    let mut local = midnight;
    for _ in 0..4 * 48 {
        local = local.checked_add_signed(TimeDelta::minutes(15)).unwrap_or(local);
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    Utc.from_utc_datetime(&midnight)
}

fn succ(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

fn pred(d: NaiveDate) -> NaiveDate {
    d.checked_sub_days(Days::new(1)).unwrap_or(d)
}

#[cfg(test)]
mod proptests;

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
