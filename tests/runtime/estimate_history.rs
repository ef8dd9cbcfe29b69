//! QuarterHourlyDataChange over a long history: the exact latest real reading of the last day,
//! and beyond it the meter's latest usable reading carried on (jobs/src/catalog/estimate_basis.rs).

use chrono::TimeDelta;
use mongodb::bson::{Bson, Document, doc};

use crate::support::TestDb;
use crate::support::fixtures::{run_ok, utc};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_estimate_takes_the_latest_real_reading_of_the_last_day_and_carries_older_values_on() {
    let db = TestDb::new().await;
    let t = utc("2026-03-10T12:00:00Z");
    let ago = |h: i64| t - TimeDelta::hours(h);
    let meters = ["SILENT", "CARRIED", "ESTIMATED", "LATE", "BROKEN", "NEW"];
    let coll = |name: &str| db.db.collection::<Document>(name);
    coll("meters").insert_many(meters.iter().map(|m| doc! { "_id": *m, "active": true })).await.expect("insert meters");
    let r = |m: &str, at, kwh: Bson, estimated: bool| {
        let mut d = doc! { "meterId": m, "intervalStart": at, "kwh": kwh };
        if estimated {
            d.insert("estimated", true);
        }
        d
    };
    coll("readings")
        .insert_many([
            // Silent for three days: its last real reading, found past the two bounded look-backs.
            r("SILENT", ago(72), Bson::Double(7.0), false),
            r("SILENT", ago(90), Bson::Double(1.0), false),
            // Nothing in the last day; the latest reading of the day before is an estimate: that
            // value is carried on.
            r("CARRIED", ago(80), Bson::Double(1.0), false),
            r("CARRIED", ago(48), Bson::Double(5.0), true),
            // No real reading in the last day, but estimates: the latest one's value is carried
            // on, not the real reading before the look-back.
            r("ESTIMATED", ago(30), Bson::Double(1.0), false),
            r("ESTIMATED", ago(20), Bson::Double(3.0), true),
            r("ESTIMATED", ago(10), Bson::Double(6.0), true),
            // A real reading that arrived late, after the estimate that followed it: within the
            // look-back the latest real reading wins, exactly.
            r("LATE", ago(3), Bson::Double(2.0), false),
            r("LATE", ago(1), Bson::Double(9.0), true),
            r("LATE", ago(30), Bson::Double(4.0), false),
            // Newer, but not usable: off the grid, and an array meter id that contains "LATE".
            r("LATE", ago(1) + TimeDelta::minutes(7), Bson::Double(50.0), false),
            doc! { "meterId": ["LATE"], "intervalStart": ago(2), "kwh": 99.0 },
            // Malformed readings are never a basis, however recent; a Decimal128 one is.
            r("BROKEN", ago(50), Bson::Decimal128("3.5".parse().expect("decimal")), false),
            r("BROKEN", ago(26), Bson::String("8".into()), false),
            r("BROKEN", ago(2), Bson::Double(f64::NAN), false),
        ])
        .await
        .expect("insert readings");

    run_ok(db.cli(), "QuarterHourlyDataChange", &["--at", "2026-03-10T12:15:00Z"]);
    let got: Vec<(String, f64)> = {
        let mut v = Vec::new();
        for m in meters {
            let e = coll("readings")
                .find_one(doc! { "meterId": m, "intervalStart": t, "estimated": true })
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("no estimate for {m}"));
            v.push((m.to_owned(), e.get_f64("kwh").unwrap_or_else(|err| panic!("{m}: {err} in {e}"))));
        }
        v
    };
    let want: Vec<(String, f64)> =
        [("SILENT", 7.0), ("CARRIED", 5.0), ("ESTIMATED", 6.0), ("LATE", 2.0), ("BROKEN", 3.5), ("NEW", 0.0)]
            .iter()
            .map(|(m, k)| ((*m).to_owned(), *k))
            .collect();
    assert_eq!(got, want);
}
