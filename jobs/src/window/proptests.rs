//! Property tests of window arithmetic in every zone of the time-zone database, 2026-2027, for
//! every cadence: windows tile time with no gap or overlap, `next`, `previous`, `containing`,
//! `within` and `count_within` agree, sub-daily windows start on the local wall-clock grid and
//! every daily window is exactly one local day. Times are drawn uniformly over the two years and,
//! so that every DST change of every zone is exercised, within three hours of each change.

use chrono::{DateTime, Duration as Delta, Timelike, Utc};
use chrono_tz::{TZ_VARIANTS, Tz};
use proptest::prelude::*;

use super::zone::Zone;
use super::*;

const CADENCES: [Cadence; 4] = [Cadence::Minutes(15), Cadence::Minutes(30), Cadence::Minutes(60), Cadence::Daily];
/// 2026-01-01T00:00:00Z and 2028-01-01T00:00:00Z.
const FROM: i64 = 1_767_225_600;
const TO: i64 = 1_830_297_600;

fn at(s: i64) -> DateTime<Utc> {
    instant(s)
}

/// Every change of UTC offset of every zone in 2026-2027.
fn changes() -> &'static Vec<(Tz, i64)> {
    static ALL: std::sync::OnceLock<Vec<(Tz, i64)>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = Vec::new();
        for tz in TZ_VARIANTS {
            Zone(tz).changes(FROM, TO, |c| out.push((tz, c.at)));
        }
        out
    })
}

/// The tiling properties around `t`.
fn tiles(w: &Windowing, t: DateTime<Utc>) -> Result<(), TestCaseError> {
    let (tz, c) = (w.tz, w.containing(t));
    let ctx = || format!("{tz} {} at {t}: {c}", w.cadence.label());
    prop_assert!(c.contains(t), "containing does not contain: {}", ctx());
    let n = w.next(&c);
    prop_assert_eq!(n.start, c.end, "gap or overlap after: {}", ctx());
    prop_assert_eq!(n, w.containing(c.end), "next != containing(end): {}", ctx());
    prop_assert_eq!(w.previous(&n), c, "previous(next(w)) != w: {}", ctx());
    prop_assert_eq!(w.previous(&c).end, c.start, "gap or overlap before: {}", ctx());
    prop_assert_eq!(w.containing(c.start), c, "{}", ctx());
    prop_assert_eq!(w.containing(c.end - Delta::seconds(1)), c, "{}", ctx());
    match w.cadence {
        Cadence::Minutes(m) => {
            let local = c.start.with_timezone(&tz);
            prop_assert!(local.minute() % m == 0 && local.second() == 0, "off the local grid: {}", ctx());
            let len = c.length().num_minutes();
            prop_assert!(len > 0 && len < i64::from(m) + 60, "length {len} min: {}", ctx());
        }
        Cadence::Daily => {
            let d = c.local_date(tz);
            prop_assert_eq!(c.start, start_of_day(tz, d), "not the first instant of its date: {}", ctx());
            prop_assert_eq!(c.end, start_of_day(tz, succ(d)), "not one local day: {}", ctx());
            let hours = c.length().num_hours();
            prop_assert!((20..=26).contains(&hours), "a day of {hours} h: {}", ctx());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn windows_tile_time_in_every_zone_for_every_cadence(s in FROM..TO) {
        for tz in TZ_VARIANTS {
            for cadence in CADENCES {
                tiles(&Windowing::new(cadence, tz), at(s))?;
            }
        }
    }

    #[test]
    fn windows_tile_time_around_every_dst_change_of_every_zone(delta in -3 * 3600i64..3 * 3600, nanos in 0u32..1_000_000_000) {
        for &(tz, change) in changes() {
            let t = at(change + delta) + Delta::nanoseconds(i64::from(nanos));
            for cadence in CADENCES {
                tiles(&Windowing::new(cadence, tz), t)?;
            }
        }
    }

}

proptest! {
    #[test]
    fn within_is_consecutive_and_count_within_agrees(
        zone in 0..TZ_VARIANTS.len(),
        cadence in 0..CADENCES.len(),
        from in FROM..TO,
        span in 0i64..3 * 86_400,
    ) {
        let w = Windowing::new(CADENCES[cadence], TZ_VARIANTS[zone]);
        let (a, b) = (at(from), at(from + span));
        let ws = w.within(a, b);
        prop_assert_eq!(w.count_within(a, b), ws.len() as u64);
        prop_assert!(ws.windows(2).all(|p| p[0].end == p[1].start && w.next(&p[0]) == p[1]));
        if let (Some(first), Some(last)) = (ws.first(), ws.last()) {
            prop_assert!(first.start >= a && w.previous(first).start < a, "not the first whole window");
            prop_assert!(last.end <= b && w.next(last).end > b, "not the last whole window");
        }
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Every window of the local years 2026-2027 in a zone, checked against `count_within`.
fn walk(cadence: Cadence, tz: Tz) -> Vec<Window> {
    let w = Windowing::new(cadence, tz);
    let (from, to) = (start_of_day(tz, date(2026, 1, 1)), start_of_day(tz, date(2028, 1, 1)));
    let ws = w.within(from, to);
    assert_eq!(w.count_within(from, to), ws.len() as u64, "{tz} {}", cadence.label());
    assert!(ws.windows(2).all(|p| p[0].end == p[1].start), "{tz} {}: not consecutive", cadence.label());
    ws
}

#[test]
fn lord_howe_hour_windows_span_its_30_minute_shifts_and_quarter_hours_do_not_notice() {
    let lh = chrono_tz::Australia::Lord_Howe;
    let long: Vec<String> = walk(Cadence::Minutes(60), lh)
        .iter()
        .filter(|w| w.length() != TimeDelta::hours(1))
        .map(|w| w.to_string())
        .collect();
    // 2026-04-05 02:00 LHDT -> 01:30 LHST; 2026-10-04 02:00 LHST -> 02:30 LHDT; the same in 2027.
    assert_eq!(
        long,
        vec![
            "2026-04-04T14:00:00Z/2026-04-04T15:30:00Z",
            "2026-10-03T14:30:00Z/2026-10-03T16:00:00Z",
            "2027-04-03T14:00:00Z/2027-04-03T15:30:00Z",
            "2027-10-02T14:30:00Z/2027-10-02T16:00:00Z",
        ]
    );
    for m in [15, 30] {
        let ws = walk(Cadence::Minutes(m), lh);
        assert!(ws.iter().all(|w| w.length() == TimeDelta::minutes(i64::from(m))), "{m} min");
    }
}

#[test]
fn chatham_windows_follow_its_45_minute_offset_through_dst() {
    let chatham = chrono_tz::Pacific::Chatham;
    let hours = walk(Cadence::Minutes(60), chatham);
    // +12:45 / +13:45: every local hour starts at a quarter past in UTC, and each lasts an hour.
    assert!(hours.iter().all(|w| w.start.minute() == 15 && w.length() == TimeDelta::hours(1)));
    let days = walk(Cadence::Daily, chatham);
    assert_eq!(days.len(), 730);
    assert_eq!(days.iter().filter(|d| d.length() == TimeDelta::hours(23)).count(), 2);
    assert_eq!(days.iter().filter(|d| d.length() == TimeDelta::hours(25)).count(), 2);
}

#[test]
fn every_zone_has_one_daily_window_per_local_date_in_2026_and_2027() {
    for tz in TZ_VARIANTS {
        let days = walk(Cadence::Daily, tz);
        assert_eq!(days.len(), 730, "{tz}");
        for (i, d) in days.iter().enumerate() {
            assert_eq!(d.local_date(tz), date(2026, 1, 1) + TimeDelta::days(i as i64), "{tz}");
        }
    }
}

/// 1800-01-01T00:00:00Z and 2100-01-01T00:00:00Z: local mean time with offsets in seconds,
/// wartime double summer times, skipped and repeated days.
const HISTORY: std::ops::Range<i64> = -5_364_662_400..4_102_444_800;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn windows_tile_time_and_count_exactly_in_any_zone_since_1800(
        zone in 0..TZ_VARIANTS.len(),
        cadence in 0..CADENCES.len(),
        s in HISTORY,
        span in 0i64..3 * 86_400,
    ) {
        let w = Windowing::new(CADENCES[cadence], TZ_VARIANTS[zone]);
        let c = w.containing(at(s));
        prop_assert!(c.contains(at(s)), "{} {}: {c} does not contain {}", w.tz, w.cadence.label(), at(s));
        prop_assert_eq!(w.previous(&w.next(&c)), c);
        prop_assert_eq!(w.next(&c).start, c.end);
        let ws = w.within(at(s), at(s + span));
        prop_assert_eq!(w.count_within(at(s), at(s + span)), ws.len() as u64);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

    #[test]
    fn windows_tile_time_around_historic_offset_changes(
        zone in 0..TZ_VARIANTS.len(),
        pick in any::<prop::sample::Index>(),
        delta in -26 * 3600i64..26 * 3600,
    ) {
        let tz = TZ_VARIANTS[zone];
        let mut changes = Vec::new();
        Zone(tz).changes(HISTORY.start, HISTORY.end, |c| changes.push(c.at));
        prop_assume!(!changes.is_empty());
        let s = changes[pick.index(changes.len())] + delta;
        for cadence in CADENCES {
            let w = Windowing::new(cadence, tz);
            let c = w.containing(at(s));
            prop_assert!(c.contains(at(s)), "{tz} {}: {c} does not contain {}", cadence.label(), at(s));
            prop_assert_eq!(w.previous(&w.next(&c)), c);
            prop_assert_eq!(w.next(&c).start, c.end);
            prop_assert_eq!(w.previous(&c).end, c.start);
            let (a, b) = (at(s - 86_400), at(s + 86_400));
            prop_assert_eq!(w.count_within(a, b), w.within(a, b).len() as u64, "{} {}", tz, cadence.label());
        }
    }
}

#[test]
fn a_local_date_a_zone_skipped_has_no_daily_window_and_is_not_counted() {
    // Pacific/Apia went from 2011-12-29T23:59:59-10:00 to 2011-12-31T00:00:00+14:00.
    let apia = chrono_tz::Pacific::Apia;
    let w = Windowing::new(Cadence::Daily, apia);
    let (from, to) = (start_of_day(apia, date(2011, 12, 28)), start_of_day(apia, date(2012, 1, 2)));
    let days: Vec<NaiveDate> = w.within(from, to).iter().map(|d| d.local_date(apia)).collect();
    assert_eq!(days, vec![date(2011, 12, 28), date(2011, 12, 29), date(2011, 12, 31), date(2012, 1, 1)]);
    assert_eq!(w.count_within(from, to), 4);
    let dec29 = w.day(date(2011, 12, 29));
    assert_eq!(dec29.end, start_of_day(apia, date(2011, 12, 31)));
    assert_eq!(w.next(&dec29).local_date(apia), date(2011, 12, 31));
}

#[test]
fn the_ends_of_chronos_calendar_never_panic_in_any_zone() {
    for tz in TZ_VARIANTS {
        for d in [NaiveDate::MIN, NaiveDate::MAX, date(1, 1, 1), date(9999, 12, 31)] {
            let t = start_of_day(tz, d);
            for cadence in CADENCES {
                let w = Windowing::new(cadence, tz);
                let c = w.containing(t);
                let _ = (w.next(&c), w.previous(&c), w.due(t), w.count_within(t, t));
            }
        }
        for t in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            for cadence in CADENCES {
                let w = Windowing::new(cadence, tz);
                let _ = (w.due(t), w.within(t, t), w.count_within(t, t));
            }
        }
    }
}
