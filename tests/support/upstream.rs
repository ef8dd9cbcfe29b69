//! A database prepared the way an upstream team prepares it, before the binary ever runs: their
//! own indexes on `readings` and `meters` made with pymongo/mongosh default names
//! (`meterId_1_intervalStart_1`, `intervalStart_1`, `active_1`), `kwh` stored as int32, int64,
//! double and Decimal128 side by side, and readings around the day the clocks fall back in the
//! schedule's time zone. The runs use `SCHEDULE_TIMEZONE` = [`TZ`] ([`cli`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use mongodb::IndexModel;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::IndexOptions;

use crate::support::fixtures::{Kwh, QUARTER, Seed, Usage, date};
use crate::support::{Cli, TestDb};

pub const TZ: &str = "America/New_York";
const ZONE: chrono_tz::Tz = chrono_tz::America::New_York;

/// The fall-back day in New York: 25 local hours, 100 quarter-hours (01:00-02:00 comes twice,
/// 05:00-06:00 UTC in EDT, then 06:00-07:00 UTC in EST).
pub const DAY: &str = "2026-11-01";
/// The runs of the night after [`DAY`], local times: NightlyDataChange's and FileGeneration's.
pub const NIGHTLY_AT: &str = "2026-11-02T02:00";
pub const FILE_AT: &str = "2026-11-02T02:30";
/// The two local hours 01:00-02:00 of [`DAY`], EDT then EST: `[start, end)` in UTC.
pub const TWICE_ONE_AM: (&str, &str) = ("2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z");
/// The start of the second of them, 01:00 EST.
pub const ONE_AM_EST: &str = "2026-11-01T06:00:00Z";

/// The first instant of local `day` in [`TZ`].
pub fn local_midnight(day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_else(|| panic!("no midnight on {day}"));
    ZONE.from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| panic!("{day} 00:00 does not exist in {TZ}"))
        .with_timezone(&Utc)
}

/// `[start, end)` of local `day` in [`TZ`].
pub fn local_day(day: &str) -> (DateTime<Utc>, DateTime<Utc>) {
    let d = date(day);
    (local_midnight(d), local_midnight(d.succ_opt().unwrap_or_else(|| panic!("no day after {d}"))))
}

/// How the `meter`-th meter's amount of `eighths / 8` kWh at quarter-hour `i` is stored: the
/// four numeric types rotate with the meter and the quarter-hour, so every quarter-hour holds all
/// four across the meters and every meter's hour all four. The integers hold `eighths` whole kWh
/// and the others `eighths / 8`: every value and every sum is exact in a double.
pub fn mixed(meter: i32, i: i32, eighths: i32) -> Kwh {
    match (meter + i).rem_euclid(4) {
        0 => Kwh::Num(0.125 * f64::from(eighths)),
        1 => Kwh::Int32(eighths),
        2 => Kwh::Int64(i64::from(eighths)),
        _ => Kwh::Decimal(0.125 * f64::from(eighths)),
    }
}

/// The standard pattern ([`Seed::standard`]: gaps, estimates, a string and a NaN kwh,
/// formula-looking ids, inactive meters, a meter without readings) over the local days
/// `DAY - 3 ..= DAY + 1` in [`TZ`], each day as many quarter-hours as it has (100 on [`DAY`]),
/// with [`mixed`] numeric types; and `MTR-FULL`, active, with a reading in every quarter-hour.
pub fn seed() -> Seed {
    let mut s = Seed::default();
    let day = date(DAY);
    for offset in -3..=1_i64 {
        let d = day.checked_add_signed(chrono::TimeDelta::days(offset)).unwrap_or_else(|| panic!("{day} {offset}"));
        let (start, end) = local_day(&d.to_string());
        let quarters = i32::try_from((end - start).num_minutes() / QUARTER.num_minutes()).unwrap_or(0);
        s.day_pattern(start, quarters, mixed);
        for i in 0..quarters {
            s.push("MTR-FULL", start + QUARTER * i, mixed(5, i, i % 5 + 1), None);
        }
    }
    s.meters.push(("MTR-FULL".to_owned(), true));
    s
}

/// The indexes the upstream team made, with the driver's default names (the names pymongo and
/// mongosh give): checked, so a test relying on them cannot silently run without them.
pub async fn create_indexes(db: &TestDb) {
    let made = [
        ("readings", doc! { "meterId": 1, "intervalStart": 1 }, true, "meterId_1_intervalStart_1"),
        ("readings", doc! { "intervalStart": 1 }, false, "intervalStart_1"),
        ("meters", doc! { "active": 1 }, false, "active_1"),
    ];
    for (coll, keys, unique, name) in made {
        let options = IndexOptions::builder().unique(unique.then_some(true)).build();
        let got = db
            .db
            .collection::<Document>(coll)
            .create_index(IndexModel::builder().keys(keys).options(options).build())
            .await
            .unwrap_or_else(|e| panic!("create the upstream index on {coll}: {e}"));
        assert_eq!(got.index_name, name, "the default name of an upstream index on {coll}");
    }
}

/// Makes the upstream indexes, then writes [`seed`]'s meters and readings; returns the seed.
pub async fn prepare(db: &TestDb) -> Seed {
    create_indexes(db).await;
    let s = seed();
    s.insert(db).await;
    s
}

/// The binary pointed at `db`, scheduling in [`TZ`].
pub fn cli(db: &TestDb) -> Cli {
    db.cli().env("SCHEDULE_TIMEZONE", TZ)
}

/// The BSON numeric types of the usable readings of `[from, to)`.
pub fn numeric_types(seed: &Seed, from: DateTime<Utc>, to: DateTime<Utc>) -> BTreeSet<&'static str> {
    seed.in_range(from, to)
        .filter(|r| r.usable_kwh().is_some())
        .map(|r| match r.kwh.bson() {
            Bson::Int32(_) => "int32",
            Bson::Int64(_) => "int64",
            Bson::Decimal128(_) => "decimal",
            _ => "double",
        })
        .collect()
}

/// The daily CSV FileGeneration must write for `day` with `usage`: the exact header, one row per
/// meter sorted by id, formula-looking ids neutralised with a leading `'`, kwh with three
/// decimals, CRLF line ends.
pub fn expected_csv(day: &str, usage: &BTreeMap<String, Usage>) -> String {
    let mut csv = String::from("meter_id,date,kwh,interval_count,estimated_count\r\n");
    for (meter, u) in usage {
        let id = if meter.starts_with(['=', '+', '-', '@']) { format!("'{meter}") } else { meter.clone() };
        csv.push_str(&format!("{id},{day},{:.3},{},{}\r\n", u.kwh, u.intervals, u.estimated));
    }
    csv
}
