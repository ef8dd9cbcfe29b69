//! Shared fixtures of the runtime tests: a small model of meters and readings that seeds MongoDB
//! through the driver and computes, independently of the runtime, what each job must write.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use mongodb::bson::{Bson, Document, doc};
use serde::Deserialize;

pub use crate::support::s3::S3;
use crate::support::{Cli, TestDb};

pub const QUARTER: TimeDelta = TimeDelta::minutes(15);

/// An RFC 3339 time.
pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap_or_else(|e| panic!("bad time {s}: {e}"))
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("bad date {s}: {e}"))
}

/// Midnight UTC of `d`.
pub fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_else(|| panic!("no midnight on {d}")).and_utc()
}

/// The kwh of a reading: a number in any BSON numeric type upstream systems write, or one of the
/// malformed values they send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kwh {
    /// A double (what the runtime itself writes).
    Num(f64),
    Int32(i32),
    Int64(i64),
    /// A Decimal128 holding exactly this value (its shortest decimal text: a multiple of 1/8
    /// is exact in both); NaN and values past 1e9 are malformed, as for every other type.
    Decimal(f64),
    /// `kwh` stored as a string: must be counted as malformed and ignored.
    Text(&'static str),
    /// `kwh: NaN`: must be counted as malformed and ignored.
    NaN,
}

/// The largest |kwh| the runtime sums (README: malformed past it, in any numeric type).
pub const KWH_LIMIT: f64 = 1e9;

impl Kwh {
    /// The number it holds, whatever its BSON type; `None` for a malformed value.
    pub fn usable(self) -> Option<f64> {
        let x = match self {
            Kwh::Num(x) | Kwh::Decimal(x) => x,
            Kwh::Int32(n) => f64::from(n),
            Kwh::Int64(n) => n as f64,
            Kwh::Text(_) | Kwh::NaN => return None,
        };
        (x.is_finite() && x.abs() <= KWH_LIMIT).then_some(x)
    }

    pub fn bson(self) -> Bson {
        match self {
            Kwh::Num(k) => Bson::Double(k),
            Kwh::Int32(n) => Bson::Int32(n),
            Kwh::Int64(n) => Bson::Int64(n),
            Kwh::Decimal(x) => Bson::Decimal128(
                x.to_string().parse().unwrap_or_else(|e| panic!("{x} is not a Decimal128 literal: {e:?}")),
            ),
            Kwh::Text(s) => Bson::String(s.to_owned()),
            Kwh::NaN => Bson::Double(f64::NAN),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Reading {
    pub meter: String,
    pub start: DateTime<Utc>,
    pub kwh: Kwh,
    /// `None`: the field is absent (a real reading, as upstream usually writes it).
    pub estimated: Option<bool>,
}

impl Reading {
    /// The kwh the runtime must sum: a usable number at a start on the 15-minute grid.
    pub fn usable_kwh(&self) -> Option<f64> {
        let on_grid = self.start.timestamp_subsec_nanos() == 0 && self.start.timestamp() % QUARTER.num_seconds() == 0;
        on_grid.then(|| self.kwh.usable()).flatten()
    }

    pub fn is_estimated(&self) -> bool {
        self.estimated == Some(true)
    }

    pub fn doc(&self) -> Document {
        let mut d = doc! { "meterId": &self.meter, "intervalStart": self.start, "kwh": self.kwh.bson() };
        if let Some(e) = self.estimated {
            d.insert("estimated", e);
        }
        d
    }
}

/// What a rollup must hold for one meter: kwh sum, usable readings, estimated ones among them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Usage {
    pub kwh: f64,
    pub intervals: i64,
    pub estimated: i64,
}

/// Meters (id, active) and their readings.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    pub meters: Vec<(String, bool)>,
    pub readings: Vec<Reading>,
}

impl Seed {
    /// Six meters over the five UTC days `day - 3 ..= day + 1`, the same pattern every day
    /// (`i` is the quarter-hour of the day, 0..96). Every kwh is a multiple of 1/8, so sums are
    /// exact in any order and print with at most three decimals.
    /// - `MTR-A` active: every interval but `i % 7 == 3` (gaps); estimated when `i % 10 == 5`,
    ///   `estimated: false` written out when `i % 10 == 0`; so at 16:30 (i = 66, a gap) its latest
    ///   earlier reading (16:15) is estimated and must be skipped for the one before.
    /// - `MTR-B` active: even intervals except `i % 16 == 2`; at 16:15 (i = 65) kwh is a string.
    /// - `MTR-C` inactive: the first half of each day.
    /// - `=CMD` active (a formula-looking id): every 4th interval; at 16:45 (i = 67) kwh is NaN.
    /// - `+SUM` inactive (a formula-looking id): every 8th interval.
    /// - `MTR-NEW` active: no readings at all (estimates are 0).
    pub fn standard(day: NaiveDate) -> Seed {
        let mut s = Seed::default();
        let first = midnight(day) - TimeDelta::days(3);
        for d in 0..5 {
            s.day_pattern(first + TimeDelta::days(d), 96, |_, _, eighths| Kwh::Num(0.125 * f64::from(eighths)));
        }
        s
    }

    /// The meters of [`Seed::standard`] and their readings of one day of `quarters` quarter-hours
    /// from `start`; `kwh(meter, i, eighths)` stores the amount `eighths / 8` of the `meter`-th
    /// meter (0 = `MTR-A`, ..., 4 = `+SUM`) at the `i`-th quarter-hour of the day.
    pub fn day_pattern(&mut self, start: DateTime<Utc>, quarters: i32, kwh: impl Fn(i32, i32, i32) -> Kwh) {
        let meters =
            [("MTR-A", true), ("MTR-B", true), ("MTR-C", false), ("=CMD", true), ("+SUM", false), ("MTR-NEW", true)];
        for (m, active) in meters {
            if !self.meters.iter().any(|(id, _)| id == m) {
                self.meters.push((m.to_owned(), active));
            }
        }
        for i in 0..quarters {
            let t = start + QUARTER * i;
            if i % 7 != 3 {
                let estimated = match i % 10 {
                    5 => Some(true),
                    0 => Some(false),
                    _ => None,
                };
                self.push("MTR-A", t, kwh(0, i, i % 8 + 1), estimated);
            }
            if i % 2 == 0 && i % 16 != 2 {
                self.push("MTR-B", t, kwh(1, i, (i / 2) % 4 * 2 + 2), None);
            }
            if i == 65 {
                self.push("MTR-B", t, Kwh::Text("1.5"), None);
            }
            if i < 48 {
                self.push("MTR-C", t, kwh(2, i, 8), None);
            }
            if i % 4 == 0 {
                self.push("=CMD", t, kwh(3, i, 20 + i % 3), Some(false));
            }
            if i == 67 {
                self.push("=CMD", t, Kwh::NaN, None);
            }
            if i % 8 == 0 {
                self.push("+SUM", t, kwh(4, i, 3), None);
            }
        }
    }

    pub fn push(&mut self, meter: &str, start: DateTime<Utc>, kwh: Kwh, estimated: Option<bool>) {
        self.readings.push(Reading { meter: meter.to_owned(), start, kwh, estimated });
    }

    /// Writes the meters and readings with the driver (not `seed`).
    pub async fn insert(&self, db: &TestDb) {
        let meters: Vec<Document> =
            self.meters.iter().map(|(id, active)| doc! { "_id": id, "active": *active }).collect();
        if !meters.is_empty() {
            db.db.collection::<Document>("meters").insert_many(meters).await.expect("insert meters");
        }
        let readings: Vec<Document> = self.readings.iter().map(Reading::doc).collect();
        if !readings.is_empty() {
            db.db.collection::<Document>("readings").insert_many(readings).await.expect("insert readings");
        }
    }

    pub fn in_range(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> impl Iterator<Item = &Reading> {
        self.readings.iter().filter(move |r| from <= r.start && r.start < to)
    }

    /// Per meter, the usable readings of `[from, to)` rolled up (meters without any are absent).
    pub fn usage(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> BTreeMap<String, Usage> {
        let mut out: BTreeMap<String, Usage> = BTreeMap::new();
        for r in self.in_range(from, to) {
            let Some(kwh) = r.usable_kwh() else { continue };
            let u = out.entry(r.meter.clone()).or_default();
            u.kwh += kwh;
            u.intervals += 1;
            u.estimated += i64::from(r.is_estimated());
        }
        out
    }

    /// How many readings of `[from, to)` are malformed.
    pub fn malformed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        self.in_range(from, to).filter(|r| r.usable_kwh().is_none()).count() as i64
    }

    /// The estimated readings QuarterHourlyDataChange must insert for `[from, to)`: for each
    /// active meter and 15-minute interval without any reading (usable or not), the latest
    /// earlier usable non-estimated kwh, or 0.
    pub fn expected_estimates(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Reading> {
        let present: BTreeSet<(&str, DateTime<Utc>)> =
            self.readings.iter().map(|r| (r.meter.as_str(), r.start)).collect();
        let mut out = Vec::new();
        for (meter, _) in self.meters.iter().filter(|(_, active)| *active) {
            let mut t = from;
            while t < to {
                if !present.contains(&(meter.as_str(), t)) {
                    let kwh = self
                        .readings
                        .iter()
                        .filter(|r| &r.meter == meter && r.start < t && !r.is_estimated())
                        .filter_map(|r| Some((r.start, r.usable_kwh()?)))
                        .max_by_key(|(start, _)| *start)
                        .map_or(0.0, |(_, k)| k);
                    out.push(Reading { meter: meter.clone(), start: t, kwh: Kwh::Num(kwh), estimated: Some(true) });
                }
                t += QUARTER;
            }
        }
        out
    }
}

/// Documents as canonical strings (extended JSON: NaN compares equal to itself), sorted.
pub fn canonical(docs: &[Document]) -> Vec<String> {
    let mut v: Vec<String> =
        docs.iter().map(|d| Bson::Document(d.clone()).into_canonical_extjson().to_string()).collect();
    v.sort();
    v
}

/// The rows of a rollup collection (`*_usage`) without the id of the run that wrote each and when
/// that run took its lease, which differ between runs that write the same data; every row must
/// carry both.
pub async fn rollup_rows(db: &TestDb, collection: &str, sort: Document) -> Vec<Document> {
    let mut rows = db.dump(collection, sort).await;
    for r in &mut rows {
        assert!(matches!(r.remove("runId"), Some(Bson::String(_))), "{collection} row without its run id: {r}");
        assert!(
            matches!(r.remove("leaseTakenAt"), Some(Bson::DateTime(_))),
            "{collection} row without its lease time: {r}"
        );
    }
    rows
}

/// Every reading in the database, as canonical strings.
pub async fn readings(db: &TestDb) -> Vec<String> {
    canonical(&db.dump("readings", doc! { "meterId": 1, "intervalStart": 1 }).await)
}

/// A number stored as any BSON numeric type.
pub fn num(d: &Document, k: &str) -> f64 {
    match d.get(k) {
        Some(Bson::Double(x)) => *x,
        Some(Bson::Int32(x)) => f64::from(*x),
        Some(Bson::Int64(x)) => *x as f64,
        other => panic!("{k} is not a number in {d}: {other:?}"),
    }
}

/// A count stored as any BSON numeric type.
pub fn count(d: &Document, k: &str) -> i64 {
    let x = num(d, k);
    assert!(x.fract() == 0.0, "{k} is not a whole number in {d}");
    x as i64
}

/// Rows of a usage collection as `meterId -> Usage`, checking each row has exactly the rollup's
/// fields (and the id of the run that wrote it) and `key_field` equal to `key`.
pub fn usage_rows(rows: &[Document], key_field: &str, key: &Bson) -> BTreeMap<String, Usage> {
    let mut out = BTreeMap::new();
    for d in rows {
        let mut fields: Vec<&str> = d.keys().map(String::as_str).collect();
        fields.sort_unstable();
        let mut want = vec!["estimatedCount", "intervalCount", "kwh", "leaseTakenAt", "meterId", "runId", key_field];
        want.sort_unstable();
        assert_eq!(fields, want, "unexpected fields in {d}");
        assert_eq!(d.get(key_field), Some(key), "{key_field} of {d}");
        let meter = d.get_str("meterId").unwrap_or_else(|e| panic!("meterId of {d}: {e}")).to_owned();
        let u =
            Usage { kwh: num(d, "kwh"), intervals: count(d, "intervalCount"), estimated: count(d, "estimatedCount") };
        assert!(out.insert(meter, u).is_none(), "two rows for one meter in {rows:?}");
    }
    out
}

/// One entry of `history --json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    pub process: String,
    pub window_start: String,
    pub window_end: String,
    pub status: String,
    pub attempts: i64,
    pub started_at: Option<String>,
    pub read: Option<i64>,
    pub written: Option<i64>,
    pub deleted: Option<i64>,
    pub malformed: Option<i64>,
    pub output: Option<String>,
    pub run_id: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub abandoned: bool,
    #[serde(default)]
    pub given_up: bool,
}

impl Entry {
    pub fn start(&self) -> DateTime<Utc> {
        utc(&self.window_start)
    }

    pub fn end(&self) -> DateTime<Utc> {
        utc(&self.window_end)
    }
}

/// `history --json --limit 1000` of `process` (or every process), oldest window first.
pub fn history(db: &TestDb, process: Option<&str>) -> Vec<Entry> {
    let mut cli = db.cli().args(["history", "--json", "--limit", "1000"]);
    if let Some(p) = process {
        cli = cli.args(["--process", p]);
    }
    let out = cli.run().success();
    let mut entries: Vec<Entry> =
        serde_json::from_value(out.json()).unwrap_or_else(|e| panic!("history --json: {e}\n{}", out.stdout));
    entries.reverse();
    entries
}

/// The first window the ledger noted for `process` (`ledger_origins`), if any.
pub async fn ledger_origin(db: &TestDb, process: &str) -> Option<DateTime<Utc>> {
    let coll = db.db.collection::<Document>("ledger_origins");
    let d = coll.find_one(doc! { "_id": process }).await.unwrap_or_else(|e| panic!("read ledger_origins: {e}"));
    d.and_then(|d| d.get_datetime("firstWindow").ok().map(|t| t.to_chrono()))
}

/// `run --process P` with `args`, expecting success.
pub fn run_ok(cli: Cli, process: &str, args: &[&str]) -> crate::support::Output {
    cli.args(["run", "--process", process]).args(args.iter().copied()).run().success()
}

/// The `error:` lines of stderr.
pub fn error_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("error:")).collect()
}

/// How many documents `collection` holds.
pub async fn count_docs(db: &TestDb, collection: &str) -> u64 {
    db.db
        .collection::<Document>(collection)
        .count_documents(doc! {})
        .await
        .unwrap_or_else(|e| panic!("count {collection}: {e}"))
}

/// The bytes of `name` under `daily-usage/` in the output directory `root`.
pub fn daily_file(root: &std::path::Path, name: &str) -> Vec<u8> {
    std::fs::read(root.join("daily-usage").join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

/// SHA-256 of `bytes`, hex.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
