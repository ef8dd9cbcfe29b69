//! The same windows run twice leave identical collections and a byte-identical CSV.

use mongodb::bson::{Document, doc};

use crate::support::fixtures::{S3, Seed, canonical, date, history, run_ok, sha256};
use crate::support::{Cli, TestDb};

const CSV: &str = "prefix/daily-usage/2026-01-15.csv";
const MANIFEST: &str = "prefix/daily-usage/2026-01-15.manifest.json";

/// Every process once, for windows on 2026-01-15 (the daily ones for that day).
fn run_all(cli: &Cli) {
    let cli = || cli.clone().env("RETENTION_DAYS", "2");
    run_ok(cli(), "QuarterHourlyDataChange", &["--from", "2026-01-15T16:00:00Z", "--to", "2026-01-15T17:00:00Z"]);
    run_ok(cli(), "HalfHourlyDataChange", &["--at", "2026-01-15T17:00:00Z"]);
    run_ok(cli(), "HourlyDataChange", &["--at", "2026-01-15T17:00:00Z"]);
    run_ok(cli(), "NightlyDataChange", &["--at", "2026-01-16T02:00:00Z"]);
    run_ok(cli(), "FileGeneration", &["--at", "2026-01-16T02:30:00Z"]);
}

/// Every data collection, as canonical strings (no `_id` of generated rows; rollup rows and the
/// file record without the fields that name the run that wrote them).
async fn snapshot(db: &TestDb) -> Vec<(&'static str, Vec<String>)> {
    let mut out = Vec::new();
    for (coll, sort) in [
        ("meters", doc! { "_id": 1 }),
        ("readings", doc! { "meterId": 1, "intervalStart": 1 }),
        ("halfhourly_usage", doc! { "meterId": 1, "periodStart": 1 }),
        ("hourly_usage", doc! { "meterId": 1, "periodStart": 1 }),
        ("daily_usage", doc! { "meterId": 1, "date": 1 }),
    ] {
        let docs = match coll.ends_with("_usage") {
            true => crate::support::fixtures::rollup_rows(db, coll, sort).await,
            false => db.dump(coll, sort).await,
        };
        out.push((coll, canonical(&docs)));
    }
    let coll = db.db.collection::<Document>("generated_files");
    let cursor =
        coll.find(doc! {}).projection(doc! { "runId": 0, "generatedAt": 0 }).await.expect("find generated_files");
    let files: Vec<Document> = futures::TryStreamExt::try_collect(cursor).await.expect("read generated_files");
    out.push(("generated_files", canonical(&files)));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_windows_run_twice_leave_identical_data_and_a_byte_identical_csv() {
    let (db, s3) = (TestDb::new().await, S3::start().await);
    Seed::standard(date("2026-01-15")).insert(&db).await;
    let cli = s3.point(db.cli());

    run_all(&cli);
    let first = snapshot(&db).await;
    let (csv1, manifest1) = (s3.get(CSV).await, s3.get(MANIFEST).await);
    for (coll, docs) in &first {
        assert!(!docs.is_empty(), "the first round wrote nothing to {coll}");
    }

    run_all(&cli);
    let second = snapshot(&db).await;
    for ((coll, a), (_, b)) in first.iter().zip(&second) {
        assert_eq!(a, b, "{coll} changed when the same windows ran again");
    }
    let (csv2, manifest2) = (s3.get(CSV).await, s3.get(MANIFEST).await);
    assert_eq!(sha256(&csv1), sha256(&csv2), "the CSV changed");
    assert_eq!(String::from_utf8_lossy(&manifest1), String::from_utf8_lossy(&manifest2), "the manifest changed");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest2).expect("manifest is JSON");
    assert_eq!(manifest["sha256"], serde_json::json!(sha256(&csv2)));
    assert_eq!(manifest["bytes"], serde_json::json!(csv2.len()));
    assert_eq!(s3.keys().await, vec![CSV.to_owned(), MANIFEST.to_owned()], "no other object written");
    assert_eq!(s3.open_uploads().await, 0, "no multipart upload left open");

    // Each window has one ledger entry, tried twice, and succeeded.
    let runs = history(&db, None);
    assert_eq!(runs.len(), 4 + 4, "{runs:?}");
    assert!(runs.iter().all(|e| e.status == "succeeded" && e.attempts == 2), "{runs:?}");
}
