//! The collections the reference jobs read and write, their natural keys and indexes.

use mongodb::bson::{Bson, Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};

use crate::retry::is_duplicate_key;

pub const METERS: &str = "meters";
pub const READINGS: &str = "readings";
pub const HALFHOURLY_USAGE: &str = "halfhourly_usage";
pub const HOURLY_USAGE: &str = "hourly_usage";
pub const DAILY_USAGE: &str = "daily_usage";
pub const GENERATED_FILES: &str = "generated_files";

/// The indexes every job relies on: natural keys are unique (idempotent upserts and `$merge`
/// need that), and windows are found by time.
pub fn indexes() -> Vec<(&'static str, IndexModel)> {
    let unique = |keys: Document, name: &str| {
        IndexModel::builder()
            .keys(keys)
            .options(IndexOptions::builder().unique(true).name(name.to_owned()).build())
            .build()
    };
    vec![
        (READINGS, unique(doc! { "meterId": 1, "intervalStart": 1 }, "meter_interval_unique")),
        (READINGS, IndexModel::builder().keys(doc! { "intervalStart": 1 }).build()),
        (METERS, IndexModel::builder().keys(doc! { "active": 1 }).build()),
        (HALFHOURLY_USAGE, unique(doc! { "meterId": 1, "periodStart": 1 }, "meter_period_unique")),
        (HOURLY_USAGE, unique(doc! { "meterId": 1, "periodStart": 1 }, "meter_period_unique")),
        (DAILY_USAGE, unique(doc! { "meterId": 1, "date": 1 }, "meter_date_unique")),
    ]
}

pub async fn ensure_indexes(db: &Database) -> mongodb::error::Result<()> {
    for (coll, model) in indexes() {
        db.collection::<Document>(coll).create_index(model).await?;
    }
    Ok(())
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

/// A reading is usable when its meter id is a non-empty string, its interval start a date, and
/// its kwh a number within ±[`MAX_ABS_KWH`] (NaN compares false, so the range excludes it too).
pub fn valid_reading() -> Document {
    doc! {
        "meterId": { "$type": "string", "$ne": "" },
        "intervalStart": { "$type": "date" },
        "kwh": { "$type": "number", "$gte": Bson::Double(-MAX_ABS_KWH), "$lte": Bson::Double(MAX_ABS_KWH) },
    }
}

/// `filter` AND the reading is usable.
pub fn valid_and(filter: Document) -> Document {
    doc! { "$and": [filter, valid_reading()] }
}

/// `filter` AND the reading is NOT usable: what gets counted as malformed.
pub fn malformed_and(filter: Document) -> Document {
    doc! { "$and": [filter, { "$nor": [valid_reading()] }] }
}
