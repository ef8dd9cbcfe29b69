//! The kwh an estimate carries: its meter's latest usable real reading before the interval, found
//! at a cost bounded by the look-back and the meters, never by the days of readings kept.
//!
//! 1. One aggregation per batch of meters reads their usable readings of the last [`LOOK_BACK`]
//!    before `t`, each meter's its own bounded range of the `(meterId, intervalStart)` index, and
//!    keeps per meter the latest real reading and the latest reading of any kind. The latest real
//!    one is the basis: exactly the latest real reading, late arrivals included. A meter with
//!    none, silent for the whole look-back, carries on the value of its latest estimate there: an
//!    estimate carries its own basis.
//! 2. A meter with no usable reading at all in the look-back (none arrived and none was estimated:
//!    the job did not run, or the meter is new) takes its latest usable reading, real or
//!    estimated, of the [`LOOK_BACK`] before that, read the same bounded way;
//! 3. and failing that, its latest usable reading before, by one indexed lookup per meter. A meter
//!    with no usable reading at all gets 0.
//!
//! Every range is bounded on both sides until step 3, which only a meter with nothing usable for
//! two days reaches: on MongoDB its lookup reads a single index entry, whatever the history; a
//! server that gathers every match before it sorts (the local MongoDB-wire server does) reads
//! that meter's history.
//!
//! So a real reading that arrives more than [`LOOK_BACK`] late does not change later estimates.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use futures::{StreamExt, TryStreamExt, stream};
use mongodb::bson::{Bson, Document, doc};

use crate::collections::{READINGS, kwh_as_double, valid_and, valid_and_in_ranges};
use crate::context::JobContext;
use crate::error::JobError;
use crate::reading::number_as_f64;

/// How far back the exact search for a meter's latest real reading goes.
pub const LOOK_BACK: TimeDelta = TimeDelta::days(1);
/// Meters per aggregation: each is one `$or` branch, one bounded index range.
const METERS_PER_QUERY: usize = 200;
/// Lookups of long-silent meters in flight at once.
const CONCURRENT_LOOKUPS: usize = 8;

/// The estimate basis of each of `meters` (all of them: 0 for a meter with no usable reading).
pub async fn latest_kwh(
    ctx: &JobContext,
    meters: &[&String],
    t: DateTime<Utc>,
) -> Result<HashMap<String, f64>, JobError> {
    let mut basis = HashMap::with_capacity(meters.len());
    for (meter, latest) in latest_in(ctx, meters, t - LOOK_BACK, t).await? {
        if let Some(kwh) = latest.real.or(latest.any) {
            basis.insert(meter, kwh);
        }
    }
    let quiet: Vec<&String> = meters.iter().copied().filter(|m| !basis.contains_key(m.as_str())).collect();
    for (meter, latest) in latest_in(ctx, &quiet, t - LOOK_BACK * 2, t - LOOK_BACK).await? {
        if let Some(kwh) = latest.any {
            basis.insert(meter, kwh);
        }
    }
    let silent: Vec<String> = quiet.iter().filter(|m| !basis.contains_key(m.as_str())).map(|m| (*m).clone()).collect();
    let before = t - LOOK_BACK * 2;
    let older: Vec<(String, f64)> = stream::iter(silent)
        .map(|m: String| async move {
            let kwh = latest_before(ctx, &m, before).await?.unwrap_or(0.0);
            Ok::<_, JobError>((m, kwh))
        })
        .buffer_unordered(CONCURRENT_LOOKUPS)
        .try_collect()
        .await?;
    basis.extend(older);
    Ok(basis)
}

/// A meter's latest usable readings of a range: the latest real one and the latest of any kind.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Latest {
    real: Option<f64>,
    any: Option<f64>,
}

/// Steps 1 and 2: the latest usable readings in `[from, to)` of each of `meters` that has one.
async fn latest_in(
    ctx: &JobContext,
    meters: &[&String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<String, Latest>, JobError> {
    let coll = ctx.db.collection::<Document>(READINGS);
    let mut found = HashMap::new();
    for batch in meters.chunks(METERS_PER_QUERY) {
        let pipeline = latest_pipeline(batch, from, to);
        let docs: Vec<Document> = ctx
            .mongo_retry("finding the latest readings", || async {
                coll.aggregate(pipeline.clone()).await?.try_collect().await
            })
            .await?;
        found.extend(docs.iter().filter_map(|d| Some((d.get_str("_id").ok()?.to_owned(), latest_of(d)))));
    }
    Ok(found)
}

/// One `$or` branch per meter, each an equality and a range on `(meterId, intervalStart)`: every
/// server reads exactly those entries (an `$in` of meters and one range is read per meter over
/// its whole history by a server that applies the range after the meter). `$max` over
/// `{t, kwh}` keeps the latest of each kind without sorting: a meter has one reading per time.
fn latest_pipeline(meters: &[&String], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Document> {
    let branches: Vec<Document> =
        meters.iter().map(|m| doc! { "meterId": m.as_str(), "intervalStart": { "$gte": from, "$lt": to } }).collect();
    let at_kwh = doc! { "t": "$intervalStart", "kwh": kwh_as_double() };
    vec![
        doc! { "$match": valid_and_in_ranges(doc! { "$or": branches }) },
        doc! { "$group": {
            "_id": "$meterId",
            "real": { "$max": { "$cond": [{ "$eq": ["$estimated", true] }, Bson::Null, at_kwh.clone()] } },
            "any": { "$max": at_kwh },
        } },
    ]
}

fn latest_of(group: &Document) -> Latest {
    let kwh = |field: &str| group.get_document(field).ok().and_then(|d| number_as_f64(d.get("kwh")?));
    Latest { real: kwh("real"), any: kwh("any") }
}

/// Step 3: the kwh of `meter`'s latest usable reading (real or estimated) before `before`.
async fn latest_before(ctx: &JobContext, meter: &str, before: DateTime<Utc>) -> Result<Option<f64>, JobError> {
    let coll = ctx.db.collection::<Document>(READINGS);
    let filter = valid_and(doc! { "meterId": meter, "intervalStart": { "$lt": before } });
    let latest = ctx
        .mongo_retry("finding a silent meter's latest reading", || {
            coll.find_one(filter.clone())
                .sort(doc! { "meterId": -1, "intervalStart": -1 })
                .projection(doc! { "kwh": 1 })
        })
        .await?;
    Ok(latest.and_then(|d| number_as_f64(d.get("kwh")?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_of_each_kind_is_read_from_the_group() {
        let g = doc! { "_id": "M", "real": { "t": Bson::Null, "kwh": 2.5 }, "any": { "t": Bson::Null, "kwh": 9 } };
        assert_eq!(latest_of(&g), Latest { real: Some(2.5), any: Some(9.0) });
        let only_estimates = doc! { "_id": "M", "real": Bson::Null, "any": { "kwh": 4.0 } };
        assert_eq!(latest_of(&only_estimates), Latest { real: None, any: Some(4.0) });
    }

    #[test]
    fn each_meter_is_its_own_bounded_branch() {
        let (a, b) = ("A".to_owned(), "B".to_owned());
        let from = DateTime::<Utc>::UNIX_EPOCH;
        let to = from + LOOK_BACK;
        let p = latest_pipeline(&[&a, &b], from, to);
        let branches = p[0]
            .get_document("$match")
            .and_then(|m| m.get_array("$and"))
            .ok()
            .and_then(|and| and.first()?.as_document()?.get_array("$or").ok().cloned())
            .expect("the match is the meters' $or AND the validity rules");
        let bounded = |m: &str| Bson::Document(doc! { "meterId": m, "intervalStart": { "$gte": from, "$lt": to } });
        assert_eq!(branches, vec![bounded("A"), bounded("B")]);
        let rules = p[0].get_document("$match").and_then(|m| m.get_array("$and")).ok().and_then(|and| and.get(1));
        let rules = rules.and_then(Bson::as_document).expect("the validity rules");
        assert!(
            !rules.contains_key("meterId") && !rules.contains_key("intervalStart"),
            "the branches' ranges are the only conditions an index can serve: {rules}"
        );
    }
}
