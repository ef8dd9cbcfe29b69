//! A reading judged on the client: the twin of [`crate::collections::valid_reading`] for jobs that
//! read raw BSON instead of asking the server to filter (FileGeneration's one-pass scan).
//!
//! The two must give the same verdict on every document: `tests/runtime/upstream_data.rs` stores
//! readings of every shape upstream produces and checks that FileGeneration's malformed count
//! equals the server's count of documents that `valid_reading` rejects.

use mongodb::bson::raw::RawBsonRef;
use mongodb::bson::{Bson, Decimal128, RawDocument};

use crate::collections::{GRID_MS, MAX_ABS_KWH};

/// The fields of a usable reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usable<'a> {
    pub meter_id: &'a str,
    pub kwh: f64,
    pub estimated: bool,
}

/// The one warning every job logs when a window had malformed readings (skipped, never summed).
pub fn warn_malformed(malformed: u64) {
    if malformed > 0 {
        tracing::warn!(
            malformed,
            "skipped malformed readings (wrong types, missing fields, NaN, infinite or out-of-range kwh, off the \
             15-minute grid)"
        );
    }
}

/// The reading in `doc` if it is usable, `None` if it is malformed: a non-empty string `meterId`,
/// a date `intervalStart` on the 15-minute grid and a numeric `kwh` (any BSON numeric type) within
/// ±[`MAX_ABS_KWH`]. `estimated` counts only when it is the boolean `true`, as `$eq: true` does.
/// A field given twice counts as its first occurrence, as on the server. A document the server
/// sent with corrupt bytes is malformed too, never a crash.
///
/// One walk over the document's elements that decodes only these four values: this runs for every
/// reading of a day, and a lookup per field would walk (and decode) the document four times.
pub fn usable(doc: &RawDocument) -> Option<Usable<'_>> {
    let (mut meter_id, mut start, mut kwh, mut estimated) = (None, None, None, None);
    for element in doc.iter_elements() {
        let element = element.ok()?;
        let slot = match element.key() {
            "meterId" => &mut meter_id,
            "intervalStart" => &mut start,
            "kwh" => &mut kwh,
            "estimated" => &mut estimated,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(element.value().ok()?);
        }
    }
    let meter_id = match meter_id? {
        RawBsonRef::String(s) if !s.is_empty() => s,
        _ => return None,
    };
    match start? {
        RawBsonRef::DateTime(t) if t.timestamp_millis() % GRID_MS == 0 => {}
        _ => return None,
    }
    let kwh = match kwh? {
        RawBsonRef::Double(d) => d,
        RawBsonRef::Int32(i) => f64::from(i),
        RawBsonRef::Int64(i) => i as f64,
        RawBsonRef::Decimal128(d) => decimal_to_f64(d),
        _ => return None,
    };
    // NaN fails both comparisons, as it fails `$gte`/`$lte` on the server.
    if !(-MAX_ABS_KWH..=MAX_ABS_KWH).contains(&kwh) {
        return None;
    }
    let estimated = matches!(estimated, Some(RawBsonRef::Boolean(true)));
    Some(Usable { meter_id, kwh, estimated })
}

/// A numeric BSON value as `f64`, as `$toDouble` converts it (Decimal128 included); `None` for
/// anything else.
pub fn number_as_f64(v: &Bson) -> Option<f64> {
    match v {
        Bson::Double(d) => Some(*d),
        Bson::Int32(i) => Some(f64::from(*i)),
        Bson::Int64(i) => Some(*i as f64),
        Bson::Decimal128(d) => Some(decimal_to_f64(*d)),
        _ => None,
    }
}

/// The nearest `f64` to a Decimal128 (NaN and the infinities as such). Its text form (`1.5E+3`,
/// `0.25`, `-Infinity`, `NaN`) is what Rust's correctly rounded float parser reads.
///
/// The range check then compares this double, not the decimal: a Decimal128 within half an ulp of
/// ±1e9 (6e-8 kWh) counts as ±1e9 here where the server would compare it exactly. No meter reads
/// a billion kWh in 15 minutes; the difference is documented rather than coded around.
fn decimal_to_f64(d: Decimal128) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}

/// A running sum of doubles with Neumaier's compensation. MongoDB's own `$sum` also compensates
/// (it keeps a double-double), so a day's total stays as exact as the server would have made it,
/// however many readings there are.
#[derive(Debug, Clone, Copy, Default)]
pub struct KwhSum {
    sum: f64,
    compensation: f64,
}

impl KwhSum {
    pub fn add(&mut self, x: f64) {
        let t = self.sum + x;
        self.compensation += if self.sum.abs() >= x.abs() { (self.sum - t) + x } else { (x - t) + self.sum };
        self.sum = t;
    }

    pub fn total(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests;
