//! FileGeneration: the daily CSV's exact contract, its manifest and record, on S3 (moto) and on
//! a local directory.

use chrono::TimeDelta;
use mongodb::bson::{Document, doc};

use crate::support::TestDb;
use crate::support::fixtures::{S3, Seed, date, history, midnight, run_ok, sha256};

const DAY: &str = "2026-01-15";
const AT: &str = "2026-01-16T02:30:00Z";
const HEADER: &str = "meter_id,date,kwh,interval_count,estimated_count";

/// The rows the CSV must hold, computed from the seed: sorted by meter id, formula-looking ids
/// neutralised with a leading `'`, kwh with exactly three decimals.
fn expected_rows(seed: &Seed) -> Vec<Vec<String>> {
    let start = midnight(date(DAY));
    seed.usage(start, start + TimeDelta::days(1))
        .into_iter()
        .map(|(meter, u)| {
            let id = if meter.starts_with(['=', '+', '-', '@']) { format!("'{meter}") } else { meter };
            vec![id, DAY.to_owned(), format!("{:.3}", u.kwh), u.intervals.to_string(), u.estimated.to_string()]
        })
        .collect()
}

fn parse_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes);
    let header = r.headers().expect("CSV header").iter().map(str::to_owned).collect();
    let rows = r.records().map(|rec| rec.expect("CSV record").iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_generation_writes_the_daily_csv_manifest_and_record_to_s3() {
    let (db, s3) = (TestDb::new().await, S3::start().await);
    let seed = Seed::standard(date(DAY));
    seed.insert(&db).await;
    run_ok(s3.point(db.cli()), "FileGeneration", &["--at", AT]);

    let csv_key = format!("prefix/daily-usage/{DAY}.csv");
    let manifest_key = format!("prefix/daily-usage/{DAY}.manifest.json");
    assert_eq!(s3.keys().await, vec![csv_key.clone(), manifest_key.clone()]);
    let bytes = s3.get(&csv_key).await;
    let text = String::from_utf8(bytes.clone()).expect("CSV is UTF-8");
    assert!(text.starts_with(&format!("{HEADER}\r\n")), "exact header, RFC 4180 line end:\n{text}");

    let (header, rows) = parse_csv(&bytes);
    assert_eq!(header, HEADER.split(',').collect::<Vec<_>>());
    let want = expected_rows(&seed);
    assert!(want.len() >= 5, "the seed should give several meters: {want:?}");
    assert_eq!(rows, want, "CSV rows\n{text}");
    assert!(rows.iter().any(|r| r[0] == "'=CMD") && rows.iter().any(|r| r[0] == "'+SUM"), "formula ids neutralised");
    for r in &rows {
        let decimals = r[2].split_once('.').map(|(_, d)| d.len());
        assert_eq!(decimals, Some(3), "kwh {} must have exactly 3 decimals", r[2]);
    }

    let manifest: serde_json::Value = serde_json::from_slice(&s3.get(&manifest_key).await).expect("manifest is JSON");
    assert_eq!(manifest["rows"], serde_json::json!(rows.len()), "{manifest}");
    assert_eq!(manifest["bytes"], serde_json::json!(bytes.len()), "{manifest}");
    assert_eq!(manifest["sha256"], serde_json::json!(sha256(&bytes)), "{manifest}");

    let url = format!("s3://{}/{csv_key}", s3.bucket);
    let records = db.db.collection::<Document>("generated_files").find(doc! {}).await.expect("find generated_files");
    let records: Vec<Document> = futures::TryStreamExt::try_collect(records).await.expect("read generated_files");
    assert_eq!(records.len(), 1, "{records:?}");
    let rec = &records[0];
    assert_eq!(rec.get_str("_id").ok(), Some(url.as_str()), "{rec}");
    assert_eq!(rec.get_str("date").ok(), Some(DAY), "{rec}");
    assert_eq!(rec.get_str("sha256").ok(), Some(sha256(&bytes).as_str()), "{rec}");
    assert_eq!(crate::support::fixtures::count(rec, "rows"), rows.len() as i64, "{rec}");
    assert_eq!(crate::support::fixtures::count(rec, "bytes"), bytes.len() as i64, "{rec}");

    let head = s3.client.head_object().bucket(&s3.bucket).key(&csv_key).send().await.expect("head CSV");
    assert_eq!(head.server_side_encryption().map(|s| s.as_str()), Some("AES256"), "SSE-S3 requested");
    let runs = history(&db, Some("FileGeneration"));
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].status.as_str(), runs[0].output.as_deref()), ("succeeded", Some(url.as_str())));
    assert_eq!(runs[0].malformed, Some(2), "the day's string and NaN kwh are counted");
    assert_eq!(s3.open_uploads().await, 0, "no multipart upload left open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_output_holds_the_same_bytes_as_s3() {
    let (db, s3) = (TestDb::new().await, S3::start().await);
    Seed::standard(date(DAY)).insert(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");

    run_ok(s3.point(db.cli()), "FileGeneration", &["--at", AT]);
    run_ok(db.cli().env("OUTPUT_URL", format!("file://{}", root.display())), "FileGeneration", &["--at", AT]);

    for name in [format!("{DAY}.csv"), format!("{DAY}.manifest.json")] {
        let local =
            std::fs::read(root.join("daily-usage").join(&name)).unwrap_or_else(|e| panic!("read local {name}: {e}"));
        let remote = s3.get(&format!("prefix/daily-usage/{name}")).await;
        assert!(!local.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&local),
            String::from_utf8_lossy(&remote),
            "{name}: file:// and s3:// differ"
        );
    }
    let mut left: Vec<String> = std::fs::read_dir(root.join("daily-usage"))
        .expect("list output dir")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, vec![format!("{DAY}.csv"), format!("{DAY}.manifest.json")], "no temporary file left behind");
}
