//! Metrics without an agent: with JSON logs every window a run processes (or skips) prints one
//! CloudWatch Embedded Metric Format line on stdout. Every line the binary prints is checked
//! against the EMF specification's rules, and its numbers against the ledger entry it describes.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::Utc;
use mongodb::bson::{Document, doc};
use serde_json::Value;

use crate::support::fixtures::{Seed, date, utc};
use crate::support::{Cli, Output, TestDb, process_names};

/// The units CloudWatch accepts.
const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// The metrics every line carries, and those a window that ran carries too.
const ALWAYS: [&str; 4] = ["WindowsSucceeded", "WindowsFailed", "WindowsSkipped", "WindowLagSeconds"];
const RAN: [&str; 1] = ["DurationSeconds"];
const REPORTED: [&str; 3] = ["RowsRead", "RowsWritten", "Malformed"];

/// Checks one EMF document against the specification's rules and returns it: `_aws` with an
/// integer epoch-ms `Timestamp` and a `CloudWatchMetrics` array of directives, each with a
/// namespace, dimension sets of at most 30 keys whose values are strings at the root, and at most
/// 100 metric definitions whose values are numbers at the root.
#[track_caller]
fn valid_emf(line: &str) -> Value {
    let d: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    let root = d.as_object().unwrap_or_else(|| panic!("not an object: {line}"));
    let aws = root.get("_aws").and_then(Value::as_object).unwrap_or_else(|| panic!("no _aws object: {line}"));
    let ts = aws.get("Timestamp").and_then(Value::as_u64).unwrap_or_else(|| panic!("Timestamp not an integer: {line}"));
    let now = Utc::now().timestamp_millis().unsigned_abs();
    assert!(ts <= now && now - ts < 15 * 60 * 1000, "Timestamp {ts} is not epoch ms of the run (now {now}): {line}");
    let directives = aws.get("CloudWatchMetrics").and_then(Value::as_array).unwrap_or_else(|| panic!("{line}"));
    assert!(!directives.is_empty(), "no metric directive: {line}");
    for m in directives {
        let ns = m.get("Namespace").and_then(Value::as_str).unwrap_or_else(|| panic!("no Namespace: {line}"));
        assert!(!ns.is_empty() && ns.len() <= 255, "{line}");
        let sets = m.get("Dimensions").and_then(Value::as_array).unwrap_or_else(|| panic!("no Dimensions: {line}"));
        for set in sets {
            let keys = set.as_array().unwrap_or_else(|| panic!("a dimension set is not an array: {line}"));
            assert!(keys.len() <= 30, "more than 30 dimension keys: {line}");
            for k in keys {
                let k = k.as_str().unwrap_or_else(|| panic!("a dimension key is not a string: {line}"));
                assert!(root.get(k).is_some_and(Value::is_string), "dimension {k} is not a string at the root: {line}");
            }
        }
        let metrics = m.get("Metrics").and_then(Value::as_array).unwrap_or_else(|| panic!("no Metrics: {line}"));
        assert!(!metrics.is_empty() && metrics.len() <= 100, "{} metrics: {line}", metrics.len());
        for def in metrics {
            let name =
                def.get("Name").and_then(Value::as_str).unwrap_or_else(|| panic!("a metric without Name: {line}"));
            assert!(!name.is_empty() && name.len() <= 1024, "{line}");
            if let Some(unit) = def.get("Unit") {
                assert!(unit.as_str().is_some_and(|u| UNITS.contains(&u)), "unit {unit} of {name}: {line}");
            }
            if let Some(res) = def.get("StorageResolution") {
                assert!(res == 1 || res == 60, "{line}");
            }
            let value = root.get(name).unwrap_or_else(|| panic!("metric {name} is not at the root: {line}"));
            let numbers = match value.as_array() {
                Some(values) => values.len() <= 100 && values.iter().all(Value::is_number),
                None => value.is_number(),
            };
            assert!(numbers, "{name} is not a number: {line}");
        }
    }
    d
}

/// Every EMF line of a run's stdout (every line that is a JSON object: the rest is for people),
/// validated, and what our own lines promise on top: namespace, dimension set, a canonical name.
#[track_caller]
fn emf_lines(out: &Output) -> Vec<Value> {
    let lines: Vec<Value> = out.stdout.lines().filter(|l| l.trim_start().starts_with('{')).map(valid_emf).collect();
    for d in &lines {
        let directive = &d["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "IntervalProcessing", "{d}");
        assert_eq!(directive["Dimensions"], serde_json::json!([["Process"]]), "{d}");
        let names: BTreeSet<&str> =
            directive["Metrics"].as_array().into_iter().flatten().filter_map(|m| m["Name"].as_str()).collect();
        assert!(ALWAYS.iter().all(|n| names.contains(n)), "{d}");
        let process = d["Process"].as_str().unwrap_or_default();
        assert!(process_names().contains(&process), "{process} is not a canonical name: {d}");
    }
    lines
}

fn seconds(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or_else(|| panic!("{k} missing: {v}"))
}

/// The numbers of each line match the ledger entry of its window, as the ledger holds it now.
async fn assert_match_the_ledger(db: &TestDb, lines: &[Value]) {
    for d in lines {
        let (process, start) =
            (d["Process"].as_str().unwrap_or_default(), d["WindowStart"].as_str().unwrap_or_default());
        let filter = doc! { "process": process, "windowStart": utc(start) };
        let e: Document = db
            .db
            .collection("job_runs")
            .find_one(filter)
            .await
            .expect("ledger")
            .unwrap_or_else(|| panic!("no entry: {d}"));
        let status = e.get_str("status").unwrap_or_default();
        let counter = |name: &str| d[name].as_i64().unwrap_or(-1);
        let failed = ["failed", "timed_out", "interrupted"].contains(&status);
        assert_eq!(
            (counter("WindowsSucceeded"), counter("WindowsFailed"), counter("WindowsSkipped")),
            (i64::from(status == "succeeded"), i64::from(failed), i64::from(status == "skipped")),
            "ledger says {status}: {d}"
        );
        let time = |k: &str| e.get_datetime(k).map(|t| t.to_chrono()).unwrap_or_else(|_| panic!("{k}: {e}"));
        let lag = (time("endedAt") - time("windowEnd")).num_milliseconds() as f64 / 1000.0;
        assert!((seconds(d, "WindowLagSeconds") - lag).abs() < 5.0, "lag {lag}s in the ledger: {d}");
        let int = |k: &str| e.get(k).and_then(|v| v.as_i64().or_else(|| v.as_i32().map(i64::from)));
        match status {
            "skipped" => assert!(RAN.iter().chain(&REPORTED).all(|k| d.get(k).is_none()), "a skipped window ran? {d}"),
            _ => {
                let ms = int("durationMs").unwrap_or_else(|| panic!("durationMs: {e}")) as f64;
                assert!((seconds(d, "DurationSeconds") - ms / 1000.0).abs() < 1.0, "duration {ms} ms: {d}");
                for (metric, field) in [("RowsRead", "read"), ("RowsWritten", "written"), ("Malformed", "malformed")] {
                    assert_eq!(
                        d.get(metric).and_then(Value::as_i64),
                        int(field),
                        "{metric} vs ledger {field}: {d}\n{e}"
                    );
                }
            }
        }
    }
}

fn scheduled(cli: Cli, process: &str, tick: &str) -> Cli {
    cli.env("processToRun", process).env("SCHEDULED_TIME", tick)
}

fn file_output(cli: Cli, root: &Path) -> Cli {
    cli.env("OUTPUT_URL", format!("file://{}/", root.display()))
}

fn count(lines: &[Value], process: &str, metric: &str) -> i64 {
    lines.iter().filter(|d| d["Process"] == process).map(|d| d[metric].as_i64().unwrap_or(0)).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emf_every_line_of_runs_that_succeed_fail_and_skip_is_valid_and_matches_the_ledger() {
    let db = TestDb::new().await;
    Seed::standard(date("2026-01-15")).insert(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("out");
    // 2026-01-14's file cannot be written: its path is taken by a directory.
    std::fs::create_dir_all(root.join("daily-usage/2026-01-14.csv/blocked")).expect("block a day");
    let mut all = Vec::new();

    // Successes, one window each, of several processes (the demonstration process included).
    for (process, tick) in [
        ("QuarterHourlyDataChange", "2026-01-15T09:00:00Z"),
        ("HourlyDataChange", "2026-01-15T09:00:00Z"),
        ("NightlyDataChange", "2026-01-15T02:00:00Z"),
        ("DemoReadingCount", "2026-01-15T09:00:00Z"),
    ] {
        let out = db.cli().args(["run", "--process", process, "--at", tick]).run().success();
        let lines = emf_lines(&out);
        assert_eq!(lines.len(), 1, "one line for one window:\n{}", out.stdout);
        assert_eq!(
            (count(&lines, process, "WindowsSucceeded"), count(&lines, process, "RowsRead") > 0),
            (1, true),
            "{}",
            out.stdout
        );
        assert_match_the_ledger(&db, &lines).await;
        all.extend(lines);
    }

    // A failed window and a succeeded one in the same run (backfill of two days).
    let out = file_output(db.cli(), &root)
        .args(["run", "--process", "FileGeneration", "--from", "2026-01-13", "--to", "2026-01-15"])
        .run()
        .expect_code(1);
    let lines = emf_lines(&out);
    assert_eq!((lines.len(), count(&lines, "FileGeneration", "WindowsFailed")), (2, 1), "{}", out.stdout);
    assert_eq!(count(&lines, "FileGeneration", "WindowsSucceeded"), 1, "{}", out.stdout);
    assert_match_the_ledger(&db, &lines).await;
    all.extend(lines);

    // A window skipped: the quarter-hour estimates of its hour do not come in time.
    let out =
        scheduled(db.cli(), "HourlyDataChange", "2026-01-15T11:00:00Z").env("DEPENDENCY_WAIT", "1s").run().success();
    let lines = emf_lines(&out);
    let skipped = count(&lines, "HourlyDataChange", "WindowsSkipped");
    assert!(skipped >= 1, "no skipped window counted:\n{}", out.stdout);
    assert_eq!(skipped as usize, lines.len(), "every window of the run was skipped:\n{}", out.stdout);
    assert_match_the_ledger(&db, &lines).await;
    all.extend(lines);

    let processes: BTreeSet<&str> = all.iter().filter_map(|d| d["Process"].as_str()).collect();
    assert_eq!(processes.len(), 5, "{processes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emf_lines_are_not_printed_with_text_logs() {
    let db = TestDb::new().await;
    Seed::standard(date("2026-01-15")).insert(&db).await;
    let text = db.cli().env("LOG_FORMAT", "text");
    let out = text.args(["run", "--process", "HourlyDataChange", "--at", "2026-01-15T09:00:00Z"]).run().success();
    assert!(out.stdout.contains("HourlyDataChange") && out.stdout.contains("succeeded"), "{}", out.stdout);
    assert!(!out.stdout.contains("_aws") && !out.stdout.lines().any(|l| l.starts_with('{')), "{}", out.stdout);
}
