//! Demo data for local work: `meters` and 15-minute `readings` with a few gaps, so that
//! estimation has work to do. Deterministic for a given seed; seeding twice changes nothing.

use chrono::{Days, NaiveDate, TimeDelta};
use chrono_tz::Tz;
use mongodb::Database;
use mongodb::bson::{Document, doc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::collections::{METERS, READINGS, insert_new};
use crate::window::start_of_day;

#[derive(Debug, Clone)]
pub struct SeedSpec {
    pub meters: u32,
    pub days: u32,
    /// The first local day seeded.
    pub start: NaiveDate,
    pub tz: Tz,
    pub seed: u64,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub meters: u64,
    pub readings: u64,
    /// Intervals left without a reading on purpose.
    pub gaps: u64,
}

/// One meter in this many is inactive; one reading in this many is missing.
const INACTIVE_EVERY: u32 = 25;
const GAP_EVERY: u32 = 40;
const BATCH: usize = 5000;

pub fn meter_id(i: u32) -> String {
    format!("MTR-{i:06}")
}

impl SeedSpec {
    /// How many readings slots the spec covers (before gaps), for progress bars.
    pub fn intervals(&self) -> u64 {
        let end = self.start.checked_add_days(Days::new(u64::from(self.days))).unwrap_or(self.start);
        let span = start_of_day(self.tz, end) - start_of_day(self.tz, self.start);
        u64::try_from(span.num_minutes() / 15).unwrap_or(0) * u64::from(self.meters)
    }
}

/// Writes the demo data; `progress` is called with the number of readings slots done so far.
pub async fn seed(db: &Database, spec: &SeedSpec, progress: impl Fn(u64)) -> mongodb::error::Result<SeedReport> {
    let mut report = SeedReport::default();
    let meters = db.collection::<Document>(METERS);
    let mut docs = Vec::with_capacity(spec.meters as usize);
    for i in 1..=spec.meters {
        docs.push(doc! { "_id": meter_id(i), "active": i % INACTIVE_EVERY != 0 });
    }
    for chunk in docs.chunks(BATCH) {
        report.meters += insert_new(&meters, chunk.to_vec()).await?;
    }

    let readings = db.collection::<Document>(READINGS);
    let end_day = spec.start.checked_add_days(Days::new(u64::from(spec.days))).unwrap_or(spec.start);
    let (from, to) = (start_of_day(spec.tz, spec.start), start_of_day(spec.tz, end_day));
    let mut batch = Vec::with_capacity(BATCH);
    let mut done = 0u64;
    for i in 1..=spec.meters {
        let mut rng = SmallRng::seed_from_u64(spec.seed ^ u64::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let base: f64 = rng.random_range(0.05..0.6);
        let mut t = from;
        while t < to {
            done += 1;
            let slot: u32 = rng.random();
            if slot.is_multiple_of(GAP_EVERY) {
                report.gaps += 1;
            } else {
                let hour = f64::from(u8::try_from(t.format("%H").to_string().parse::<u32>().unwrap_or(0)).unwrap_or(0));
                let daily = 1.0 + 0.6 * ((hour - 6.0) / 24.0 * std::f64::consts::TAU).sin();
                let kwh = (base * daily * rng.random_range(0.8..1.2) * 1000.0).round() / 1000.0;
                batch.push(doc! { "meterId": meter_id(i), "intervalStart": t, "kwh": kwh });
            }
            if batch.len() >= BATCH {
                report.readings += insert_new(&readings, std::mem::take(&mut batch)).await?;
                progress(done);
            }
            t += TimeDelta::minutes(15);
        }
    }
    if !batch.is_empty() {
        report.readings += insert_new(&readings, batch).await?;
    }
    progress(done);
    Ok(report)
}
