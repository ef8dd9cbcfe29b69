//! The UTC offsets of a time zone as a function of UTC seconds, and the arithmetic on it that
//! window boundaries need: where the offset changes, and how many instants of a segment of
//! constant offset fall on a local wall-clock grid.
//!
//! chrono-tz does not expose a zone's transitions, so they are found by probing: in the
//! time-zone database (chrono-tz 0.10) two changes of a zone's total UTC offset are never less
//! than seven days apart (the closest: Brazil in October 2000 and Gaza, 601 200 s), so probing
//! every [`PROBE`] seconds sees each change on its own and a bisection finds its exact second.

use chrono::{DateTime, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

/// The probe stride; well below the shortest distance between two offset changes of a zone.
pub const PROBE: i64 = 2 * 86_400;

/// Offset arithmetic of one zone, on whole UTC seconds (Unix time).
#[derive(Debug, Clone, Copy)]
pub struct Zone(pub Tz);

/// One change of a zone's UTC offset: at `at` (UTC seconds) the offset goes from `before` to `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub at: i64,
    pub before: i64,
    pub after: i64,
}

impl Zone {
    /// The UTC offset in force at `t`, in seconds (0 outside chrono's range).
    pub fn offset(self, t: i64) -> i64 {
        DateTime::from_timestamp(t, 0)
            .map_or(0, |dt| i64::from(self.0.offset_from_utc_datetime(&dt.naive_utc()).fix().local_minus_utc()))
    }

    /// The local date at `t`.
    pub fn local_date(self, t: i64) -> Option<NaiveDate> {
        DateTime::from_timestamp(t.checked_add(self.offset(t))?, 0).map(|l| l.date_naive())
    }

    /// The first second in `(lo, hi]` whose offset differs from the one at `lo`, given that the
    /// offset at `hi` differs and the two are less than [`PROBE`] apart (so there is one change).
    pub fn change_after(self, lo: i64, hi: i64) -> i64 {
        let o = self.offset(lo);
        let (mut lo, mut hi) = (lo, hi);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.offset(mid) == o {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    }

    /// Every change of offset in `(from, to]`, oldest first.
    pub fn changes(self, from: i64, to: i64, mut each: impl FnMut(Change)) {
        let mut x = from;
        let mut o = self.offset(x);
        while x < to {
            let y = x.saturating_add(PROBE).min(to);
            let oy = self.offset(y);
            if oy == o {
                x = y;
                continue;
            }
            let at = self.change_after(x, y);
            let after = self.offset(at);
            each(Change { at, before: o, after });
            (x, o) = (at, after);
        }
    }
}

/// The largest `s <= x` whose local time under offset `o` is a multiple of `step` seconds.
pub fn floor_on_grid(x: i64, o: i64, step: i64) -> i64 {
    x - (x + o).rem_euclid(step)
}

/// The smallest `s >= x` whose local time under offset `o` is a multiple of `step` seconds.
pub fn ceil_on_grid(x: i64, o: i64, step: i64) -> i64 {
    x + (-(x + o)).rem_euclid(step)
}

/// How many seconds in `[a, b]` have a local time under offset `o` that is a multiple of `step`.
pub fn on_grid_between(a: i64, b: i64, o: i64, step: i64) -> u64 {
    if b < a {
        return 0;
    }
    let n = (b + o).div_euclid(step) - (a - 1 + o).div_euclid(step);
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_rounding_follows_the_local_clock() {
        // 10:45Z at +05:30 is 16:15 local: the hour grid is at 10:30Z and 11:30Z.
        let t = 10 * 3600 + 45 * 60;
        assert_eq!(floor_on_grid(t, 19_800, 3600), 10 * 3600 + 30 * 60);
        assert_eq!(ceil_on_grid(t, 19_800, 3600), 11 * 3600 + 30 * 60);
        assert_eq!(ceil_on_grid(3600, 0, 3600), 3600);
        assert_eq!(on_grid_between(0, 3600, 0, 900), 5);
        assert_eq!(on_grid_between(1, 899, 0, 900), 0);
        assert_eq!(on_grid_between(5, 4, 0, 900), 0);
    }

    #[test]
    fn changes_are_found_to_the_second() {
        // New York 2026: 2026-03-08T07:00Z (-5h -> -4h) and 2026-11-01T06:00Z (-4h -> -5h).
        let ny = Zone(chrono_tz::America::New_York);
        let mut found = Vec::new();
        ny.changes(1_767_225_600, 1_798_761_600, |c| found.push(c));
        assert_eq!(
            found,
            vec![
                Change { at: 1_772_953_200, before: -18_000, after: -14_400 },
                Change { at: 1_793_512_800, before: -14_400, after: -18_000 },
            ]
        );
    }
}
