//! Hostile documents: readings with wrong types, missing fields, NaN, infinities and huge kwh;
//! meter ids of 10 KB, with unicode and control characters, that look like spreadsheet formulas,
//! or that are not strings at all. Every process runs over them without crashing, counts the
//! malformed ones, skips them and processes the rest; the daily CSV parses with Python's `csv`.

use std::collections::BTreeMap;

use mongodb::bson::{Bson, Document, doc};

use crate::support::TestDb;
use crate::support::fixtures::{Usage, canonical, count_docs, history, readings, usage_rows, utc};

const DAY: &str = "2026-01-15";

/// Meter ids that are valid (non-empty strings) but hostile to whatever prints them.
fn hostile_ids() -> Vec<String> {
    let mut ids: Vec<String> = [
        "=HYPERLINK(\"http://evil\",\"x\")",
        "+1+1",
        "-2",
        "@SUM(A1:A9)",
        "\tTAB",
        "\rCR",
        "Zürich ☃ 電気 🔌",
        "line\nbreak",
        "quote\"d",
        "comma,id",
        "nul\0id",
        "plain-1",
    ]
    .map(str::to_owned)
    .to_vec();
    ids.push("M".repeat(10 * 1024));
    ids
}

/// Good readings of every hostile id: 15:45 (before the quarter 16:00-16:15, which has none, so it
/// is estimated from this one), 16:15 and 16:30. kwh are multiples of 1/8: exact sums.
fn good_readings(ids: &[String]) -> Vec<(String, &'static str, f64)> {
    let mut out = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let k = 0.125 * (i as f64 + 1.0);
        for (t, kwh) in [("2026-01-15T15:45:00Z", k), ("2026-01-15T16:15:00Z", 2.0 * k), ("2026-01-15T16:30:00Z", 1.5)]
        {
            out.push((id.clone(), t, kwh));
        }
    }
    out
}

/// Malformed readings at 16:00 (inside every window below), one per way of being malformed.
fn malformed_readings() -> Vec<Document> {
    let t = Bson::DateTime(utc("2026-01-15T16:00:00Z").into());
    let kwh_values = [
        Bson::String("1.5".into()),
        Bson::Boolean(true),
        Bson::Null,
        Bson::Document(doc! { "value": 1.0 }),
        Bson::Double(f64::NAN),
        Bson::Double(f64::INFINITY),
        Bson::Double(f64::NEG_INFINITY),
        Bson::Double(1e308),
        Bson::Double(-1e10),
    ];
    let mut out: Vec<Document> = kwh_values
        .into_iter()
        .enumerate()
        .map(|(i, kwh)| doc! { "meterId": format!("bad-kwh-{i}"), "intervalStart": t.clone(), "kwh": kwh })
        .collect();
    out.push(doc! { "meterId": "bad-no-kwh", "intervalStart": t.clone() });
    out.push(doc! { "intervalStart": t.clone(), "kwh": 1.0 });
    out.push(doc! { "meterId": 42, "intervalStart": t.clone(), "kwh": 1.0 });
    out.push(doc! { "meterId": "", "intervalStart": t.clone(), "kwh": 1.0 });
    out.push(doc! { "meterId": { "id": "x" }, "intervalStart": t, "kwh": 1.0 });
    out
}

/// Readings no window can hold (their interval start is not a date): skipped by every job.
fn windowless_readings() -> Vec<Document> {
    vec![
        doc! { "meterId": "bad-start-text", "intervalStart": "2026-01-15T16:00:00Z", "kwh": 1.0 },
        doc! { "meterId": "bad-start-missing", "kwh": 1.0 },
    ]
}

async fn seed(db: &TestDb, ids: &[String]) {
    let mut meters: Vec<Document> = ids.iter().map(|id| doc! { "_id": id, "active": true }).collect();
    meters.extend([
        doc! { "_id": 42, "active": true },
        doc! { "_id": { "a": 1 }, "active": true },
        doc! { "_id": "", "active": true },
    ]);
    db.db.collection::<Document>("meters").insert_many(meters).await.expect("insert meters");
    let mut docs: Vec<Document> = good_readings(ids)
        .into_iter()
        .map(|(m, t, kwh)| doc! { "meterId": m, "intervalStart": utc(t), "kwh": kwh })
        .collect();
    docs.extend(malformed_readings());
    docs.extend(windowless_readings());
    db.db.collection::<Document>("readings").insert_many(docs).await.expect("insert hostile readings");
}

/// Per meter usage of the good readings in `[from, to)`.
fn usage(ids: &[String], from: &str, to: &str) -> BTreeMap<String, Usage> {
    let (from, to) = (utc(from), utc(to));
    let mut out: BTreeMap<String, Usage> = BTreeMap::new();
    for (m, t, kwh) in good_readings(ids) {
        if (from..to).contains(&utc(t)) {
            let u = out.entry(m).or_default();
            u.kwh += kwh;
            u.intervals += 1;
        }
    }
    out
}

/// The one ledger entry of `process`: succeeded, with `malformed` counted.
#[track_caller]
fn succeeded_counting(db: &TestDb, process: &str, malformed: i64) {
    let runs = history(db, Some(process));
    let got: Vec<_> = runs.iter().map(|e| (e.status.as_str(), e.malformed)).collect();
    assert_eq!(got, vec![("succeeded", Some(malformed))], "{process}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_documents_are_counted_and_skipped_and_every_process_processes_the_rest() {
    let db = TestDb::new().await;
    let ids = hostile_ids();
    seed(&db, &ids).await;
    let malformed = malformed_readings().len() as i64;
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    let run = |process: &str, at: &str| {
        let out = db
            .cli()
            .env("OUTPUT_URL", format!("file://{}", root.display()))
            .args(["run", "--process", process, "--at", at])
            .run();
        assert!(!out.stderr.contains("panicked"), "{process} panicked:\n{}", out.stderr);
        out.success()
    };

    run("HalfHourlyDataChange", "2026-01-15T16:30:00Z");
    let key = Bson::DateTime(utc("2026-01-15T16:00:00Z").into());
    let rows = db.dump("halfhourly_usage", doc! { "meterId": 1 }).await;
    assert_eq!(usage_rows(&rows, "periodStart", &key), usage(&ids, "2026-01-15T16:00:00Z", "2026-01-15T16:30:00Z"));
    succeeded_counting(&db, "HalfHourlyDataChange", malformed);

    run("HourlyDataChange", "2026-01-15T17:00:00Z");
    let rows = db.dump("hourly_usage", doc! { "meterId": 1 }).await;
    assert_eq!(usage_rows(&rows, "periodStart", &key), usage(&ids, "2026-01-15T16:00:00Z", "2026-01-15T17:00:00Z"));
    succeeded_counting(&db, "HourlyDataChange", malformed);

    let before = readings(&db).await;
    run("NightlyDataChange", "2026-01-16T02:00:00Z");
    let rows = db.dump("daily_usage", doc! { "meterId": 1 }).await;
    let day = usage(&ids, "2026-01-15T00:00:00Z", "2026-01-16T00:00:00Z");
    assert_eq!(usage_rows(&rows, "date", &Bson::String(DAY.into())), day);
    succeeded_counting(&db, "NightlyDataChange", malformed);
    assert_eq!(
        readings(&db).await,
        before,
        "nothing is past the 90-day retention; hostile readings are not removed either"
    );

    run("FileGeneration", "2026-01-16T02:30:00Z");
    succeeded_counting(&db, "FileGeneration", malformed);
    let csv = std::fs::read(root.join(format!("daily-usage/{DAY}.csv"))).expect("the CSV was written");
    let mut want = vec![["meter_id", "date", "kwh", "interval_count", "estimated_count"].map(str::to_owned).to_vec()];
    want.extend(day.iter().map(|(id, u)| {
        let id = if id.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{id}") } else { id.clone() };
        vec![id, DAY.to_owned(), format!("{:.3}", u.kwh), u.intervals.to_string(), "0".to_owned()]
    }));
    assert_eq!(python_csv_rows(&csv), want, "the CSV as Python's csv module reads it");
    assert_eq!(want.len(), ids.len() + 1, "one row per good meter");

    // Last, so the estimates it writes do not change the sums above.
    run("QuarterHourlyDataChange", "2026-01-15T16:15:00Z");
    succeeded_counting(&db, "QuarterHourlyDataChange", malformed + 3);
    let estimates = db.dump("readings", doc! { "meterId": 1 }).await;
    let estimates: Vec<Document> = estimates.into_iter().filter(|d| d.get_bool("estimated") == Ok(true)).collect();
    let want: Vec<Document> = good_readings(&ids)
        .into_iter()
        .filter(|(_, t, _)| *t == "2026-01-15T15:45:00Z")
        .map(|(m, _, kwh)| doc! { "meterId": m, "intervalStart": utc("2026-01-15T16:00:00Z"), "kwh": kwh, "estimated": true })
        .collect();
    assert_eq!(canonical(&estimates), canonical(&want), "an estimate for each good active meter, none for the others");
    assert_eq!(count_docs(&db, "meters").await, ids.len() as u64 + 3, "meters untouched");
}

/// The rows of `csv` as Python's `csv` module reads them (RFC 4180, `newline=''`).
fn python_csv_rows(csv: &[u8]) -> Vec<Vec<String>> {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), csv).expect("write the CSV");
    let script = "import csv, json, sys\n\
                  with open(sys.argv[1], newline='', encoding='utf-8') as f:\n    \
                  print(json.dumps(list(csv.reader(f, strict=True))))";
    let out =
        std::process::Command::new("python3").arg("-c").arg(script).arg(file.path()).output().expect("run python3");
    assert!(out.status.success(), "Python's csv module rejected the file: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("python printed JSON rows")
}
