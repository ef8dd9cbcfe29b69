//! The collections the reference jobs read and write, their natural keys and indexes.

use mongodb::bson::{Bson, Document, doc};
use mongodb::{Collection, Database};

use crate::indexes::{IndexError, IndexSpec};
use crate::retry::is_duplicate_key;

pub const METERS: &str = "meters";
pub const READINGS: &str = "readings";
pub const HALFHOURLY_USAGE: &str = "halfhourly_usage";
pub const HOURLY_USAGE: &str = "hourly_usage";
pub const DAILY_USAGE: &str = "daily_usage";
pub const GENERATED_FILES: &str = "generated_files";

/// The indexes the jobs rely on: natural keys are unique (idempotent inserts, upserts and
/// `$merge` need that), and windows and periods are found by time. An equivalent index under any
/// name is used as it is ([`crate::indexes`]).
pub fn indexes() -> Vec<IndexSpec> {
    const MERGED: &str = "rollups are merged on a unique index on these keys";
    const PERIOD: &str = "a period's rows are found by it";
    vec![
        IndexSpec::unique(
            READINGS,
            doc! { "meterId": 1, "intervalStart": 1 },
            "meter_interval_unique",
            "estimated readings rely on a unique index on these keys",
        ),
        IndexSpec::plain(READINGS, doc! { "intervalStart": 1 }, "jobs find a window's readings by it"),
        IndexSpec::plain(METERS, doc! { "active": 1 }, "QuarterHourlyDataChange finds the active meters by it"),
        IndexSpec::unique(HALFHOURLY_USAGE, doc! { "meterId": 1, "periodStart": 1 }, "meter_period_unique", MERGED),
        IndexSpec::plain(HALFHOURLY_USAGE, doc! { "periodStart": 1 }, PERIOD),
        IndexSpec::unique(HOURLY_USAGE, doc! { "meterId": 1, "periodStart": 1 }, "meter_period_unique", MERGED),
        IndexSpec::plain(HOURLY_USAGE, doc! { "periodStart": 1 }, PERIOD),
        IndexSpec::unique(DAILY_USAGE, doc! { "meterId": 1, "date": 1 }, "meter_date_unique", MERGED),
        IndexSpec::plain(DAILY_USAGE, doc! { "date": 1 }, PERIOD),
    ]
}

pub async fn ensure_indexes(db: &Database) -> Result<(), IndexError> {
    crate::indexes::ensure(db, &indexes()).await
}

/// Inserts `docs`, skipping those whose natural key (a unique index) is taken already, and returns
/// how many were inserted. Inserting the same documents again inserts nothing: the idempotent,
/// never-overwriting insert of estimated readings and demo data.
pub async fn insert_new(coll: &Collection<Document>, docs: Vec<Document>) -> mongodb::error::Result<u64> {
    let n = docs.len() as u64;
    match coll.insert_many(docs).ordered(false).await {
        Ok(r) => Ok(r.inserted_ids.len() as u64),
        Err(e) if is_duplicate_key(&e) => match e.kind.as_ref() {
            mongodb::error::ErrorKind::InsertMany(im) => Ok(n - im.write_errors.as_ref().map_or(0, |w| w.len() as u64)),
            _ => Ok(0),
        },
        Err(e) => Err(e),
    }
}

/// The largest |kwh| one 15-minute reading may have: far above any real meter (a 4 GW plant
/// makes 1e6 kWh in 15 minutes), low enough that no sum of a day's readings can overflow to
/// infinity. Readings beyond it are malformed.
pub const MAX_ABS_KWH: f64 = 1e9;

/// Readings are aligned to this grid (milliseconds since the epoch, UTC).
pub const GRID_MS: i64 = 15 * 60 * 1000;

/// A reading is usable when its meter id is a non-empty string, its interval start a date on the
/// 15-minute grid, and its kwh a number of any BSON numeric type (int32, int64, double,
/// Decimal128) within ±[`MAX_ABS_KWH`] (NaN compares false, so the range excludes it too).
/// A reading off the grid (10:07) would be summed as a fifth interval of an hour whose 10:00 slot
/// also gets an estimate, so it is malformed: counted, never summed, never the basis of an estimate.
/// Query operators match an array by its elements, so `$expr` also rules out arrays (`kwh: [1]`
/// would stop `$toDouble`, `meterId: ["M"]` would group as an array).
/// [`crate::reading::usable`] is its twin on the client.
pub fn valid_reading() -> Document {
    doc! {
        "meterId": { "$type": "string", "$ne": "" },
        "intervalStart": { "$type": "date" },
        "kwh": { "$type": "number", "$gte": Bson::Double(-MAX_ABS_KWH), "$lte": Bson::Double(MAX_ABS_KWH) },
        "$expr": { "$and": [
            { "$eq": [{ "$mod": [epoch_ms("$intervalStart"), GRID_MS] }, 0_i64] },
            { "$isNumber": "$kwh" },
            { "$eq": [{ "$type": "$meterId" }, "string"] },
        ] },
    }
}

/// A date field as milliseconds since the epoch; null for anything else (never a conversion error,
/// whatever upstream stored).
fn epoch_ms(field: &str) -> Document {
    doc! { "$convert": { "input": field, "to": "long", "onError": Bson::Null, "onNull": Bson::Null } }
}

/// A usable reading's kwh as a double, whatever numeric type upstream stored: every job sums and
/// stores doubles, so one Decimal128 reading cannot change the type of a total.
pub fn kwh_as_double() -> Document {
    doc! { "$toDouble": "$kwh" }
}

/// `filter` AND the reading is usable.
pub fn valid_and(filter: Document) -> Document {
    doc! { "$and": [filter, valid_reading()] }
}

/// [`valid_and`] for a filter that is an `$or` of branches, each pinning `meterId` to a non-empty
/// string and bounding `intervalStart` by dates: those already say everything the plain rules on
/// the two fields say (`$expr` still rules out arrays and readings off the grid), and left in, the
/// plain rules are index ranges of their own ("every string" of `(meterId, intervalStart)`), which
/// the planner may choose over the branches' ranges: `explain` on the local server, which emulates
/// mongod's plan ranking, chose that scan of the whole index.
pub fn valid_and_in_ranges(filter: Document) -> Document {
    let mut rules = valid_reading();
    rules.remove("meterId");
    rules.remove("intervalStart");
    doc! { "$and": [filter, rules] }
}

/// `filter` AND the reading is NOT usable: what gets counted as malformed.
pub fn malformed_and(filter: Document) -> Document {
    doc! { "$and": [filter, { "$nor": [valid_reading()] }] }
}
