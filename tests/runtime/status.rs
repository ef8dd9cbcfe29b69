//! `status`: every fire time the schedule should have produced, matched to the ledger. A fire time
//! with no trace is `missed`, a failed window `failed` with its error, and either makes the
//! command exit 6; everything accounted for exits 0. The ledger entries are written here as the
//! runtime writes them, relative to now (the command judges the last hours up to now).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use chrono_tz::Tz;
use intervalprocessing_jobs::{Process, Windowing};
use mongodb::bson::{Document, doc};
use serde_json::Value;

use crate::support::{Output, TestDb};

/// The start of the current UTC hour: HourlyDataChange's cron `cron(0 * * * ? *)` fired then.
fn this_hour() -> DateTime<Utc> {
    Utc::now().duration_trunc(TimeDelta::hours(1)).expect("truncate to the hour")
}

/// A ledger entry of the window `[start, end)` as the runtime writes it.
fn entry(process: &str, start: DateTime<Utc>, end: DateTime<Utc>, status: &str, started: DateTime<Utc>) -> Document {
    doc! {
        "process": process,
        "windowStart": start,
        "windowEnd": end,
        "status": status,
        "attempts": 1_i32,
        "runId": "an-earlier-run",
        "host": "ip-10-0-0-1",
        "startedAt": started,
        "endedAt": started + TimeDelta::seconds(3),
        "durationMs": 3000_i64,
    }
}

/// HourlyDataChange's entries for the fire times `this_hour() - k h`, k = 4..=0, each started
/// 20 s after its fire time; `change` may alter or drop (None) the entry of fire time k.
async fn hourly_history(db: &TestDb, change: impl Fn(u32, Document) -> Option<Document>) {
    let docs: Vec<Document> = (0..=4)
        .rev()
        .filter_map(|k| {
            let fire = this_hour() - TimeDelta::hours(i64::from(k));
            let e =
                entry("HourlyDataChange", fire - TimeDelta::hours(1), fire, "succeeded", fire + TimeDelta::seconds(20));
            change(k, e)
        })
        .collect();
    db.db.collection::<Document>("job_runs").insert_many(docs).await.expect("write the ledger");
}

fn status(db: &TestDb, args: &[&str]) -> Output {
    db.cli().args(["status", "--process", "HourlyDataChange", "--since", "4h"]).args(args.iter().copied()).run()
}

/// `status --json`: the rows, newest fire time first.
fn rows(out: &Output) -> Vec<Value> {
    out.json().as_array().cloned().unwrap_or_else(|| panic!("not an array:\n{}", out.stdout))
}

fn row_of(rows: &[Value], fire: DateTime<Utc>) -> &Value {
    let fire = intervalprocessing_jobs::window::rfc3339(fire);
    rows.iter().find(|r| r["fire_time"] == fire.as_str()).unwrap_or_else(|| panic!("no row for {fire}: {rows:?}"))
}

fn labels(rows: &[Value]) -> Vec<&str> {
    rows.iter().filter_map(|r| r["label"].as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reports_a_fire_time_with_no_ledger_entry_as_missed_and_exits_6() {
    let db = TestDb::new().await;
    hourly_history(&db, |k, e| (k != 2).then_some(e)).await;
    let gone = this_hour() - TimeDelta::hours(2);

    let out = status(&db, &["--json"]).expect_code(6);
    let rows = rows(&out);
    assert_eq!(row_of(&rows, gone)["label"], "missed", "{rows:?}");
    assert_eq!(labels(&rows).iter().filter(|l| **l != "ok").count(), 1, "only that fire time: {rows:?}");

    let text = status(&db, &[]).expect_code(6).stdout;
    let missed: Vec<&str> = text.lines().filter(|l| l.contains("missed")).collect();
    assert_eq!(missed.len(), 2, "the summary and one detail line:\n{text}");
    assert!(missed[0].starts_with("HourlyDataChange") && missed[0].contains("1 missed"), "{text}");
    assert!(missed[1].starts_with(&intervalprocessing_jobs::window::rfc3339(gone)), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reports_a_failed_window_as_failed_with_the_first_line_of_its_error_and_exits_6() {
    let db = TestDb::new().await;
    hourly_history(&db, |k, mut e| {
        if k == 1 {
            e.insert("status", "failed");
            e.insert("attempts", 3_i64);
            e.insert("error", "MongoDB: connection refused\n  caused by: os error 111");
        }
        Some(e)
    })
    .await;
    let out = status(&db, &["--json"]).expect_code(6);
    let rows = rows(&out);
    let failed = row_of(&rows, this_hour() - TimeDelta::hours(1));
    assert_eq!(failed["label"], "failed", "{rows:?}");
    assert_eq!(failed["detail"], "failed after 3 attempt(s): MongoDB: connection refused", "{rows:?}");
    let text = status(&db, &[]).expect_code(6).stdout;
    assert!(!text.contains("missed"), "nothing was missed:\n{text}");
    assert!(text.lines().any(|l| l.contains("failed") && l.contains("connection refused")), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_exits_0_when_every_fire_time_is_accounted_for_even_late_or_skipped() {
    let db = TestDb::new().await;
    hourly_history(&db, |k, mut e| {
        let fire = this_hour() - TimeDelta::hours(i64::from(k));
        match k {
            // Caught up by the next tick.
            3 => e.insert("startedAt", fire + TimeDelta::hours(1)),
            2 => {
                e.insert("status", "skipped");
                e.insert("error", "waiting for QuarterHourlyDataChange 09:45");
                e.remove("startedAt")
            }
            _ => None,
        };
        Some(e)
    })
    .await;
    let out = status(&db, &["--json"]).success();
    let rows = rows(&out);
    assert_eq!(row_of(&rows, this_hour() - TimeDelta::hours(3))["label"], "late", "{rows:?}");
    assert_eq!(
        row_of(&rows, this_hour() - TimeDelta::hours(3))["detail"],
        "succeeded, but started 1h after its fire time"
    );
    assert_eq!(row_of(&rows, this_hour() - TimeDelta::hours(2))["label"], "skipped", "{rows:?}");
    let text = status(&db, &[]).success().stdout;
    assert!(!text.contains("missed") && text.contains("1 late") && text.contains("1 skipped"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_is_one_object_per_fire_time_with_its_window_label_and_detail() {
    let db = TestDb::new().await;
    hourly_history(&db, |_, e| Some(e)).await;
    let out = status(&db, &["--json"]).success();
    let rows = rows(&out);
    let fires: Vec<DateTime<Utc>> = (0..4).map(|k| this_hour() - TimeDelta::hours(k)).collect();
    assert!(rows.len() == 4 || rows.len() == 5, "fire times after now - 4h: {rows:?}");
    for (row, fire) in rows.iter().zip(&fires) {
        let keys: BTreeSet<&str> = row.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        assert_eq!(keys, BTreeSet::from(["process", "fire_time", "window_start", "window_end", "label", "detail"]));
        let rfc = intervalprocessing_jobs::window::rfc3339;
        assert_eq!(row["fire_time"], rfc(*fire).as_str(), "newest first: {rows:?}");
        assert_eq!(row["window_start"], rfc(*fire - TimeDelta::hours(1)).as_str());
        assert_eq!(row["window_end"], rfc(*fire).as_str());
        assert_eq!(
            (row["process"].as_str(), row["label"].as_str(), row["detail"].as_str()),
            (Some("HourlyDataChange"), Some("ok"), Some("succeeded"))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_every_process_over_ten_days_of_history_answers_in_under_two_seconds() {
    let db = TestDb::new().await;
    let now = Utc::now();
    let mut docs = Vec::new();
    for p in Process::all() {
        let windowing = Windowing::new(p.cadence(), Tz::UTC);
        for w in windowing.within(now - TimeDelta::days(11), now) {
            docs.push(entry(p.name(), w.start, w.end, "succeeded", w.end + TimeDelta::seconds(5)));
        }
    }
    db.db.collection::<Document>("job_runs").insert_many(docs).await.expect("write the ledger");
    // The ledger's unique index, as every run makes it.
    let unique =
        mongodb::options::IndexOptions::builder().unique(true).name("process_window_unique".to_owned()).build();
    let index = mongodb::IndexModel::builder().keys(doc! { "process": 1, "windowStart": 1 }).options(unique).build();
    db.db.collection::<Document>("job_runs").create_index(index).await.expect("ledger index");

    let started = Instant::now();
    let out = db.cli().args(["status", "--since", "10days", "--json"]).run().success();
    let took = started.elapsed();
    let rows = rows(&out);
    let quarter_hours = rows.iter().filter(|r| r["process"] == "QuarterHourlyDataChange").count();
    assert!((959..=961).contains(&quarter_hours), "{quarter_hours} quarter-hourly fire times in ten days");
    assert!(labels(&rows).iter().all(|l| *l == "ok"), "{}", out.stdout);
    eprintln!("status --since 10days over {} fire times took {took:?}", rows.len());
    assert!(took < Duration::from_secs(2), "status took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_with_the_deployment_file_follows_its_cron_and_expects_nothing_of_a_disabled_schedule() {
    let db = TestDb::new().await;
    hourly_history(&db, |k, e| (k != 2).then_some(e)).await;
    // The example deployment, with HourlyDataChange enabled at five past the hour.
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/intervalprocessing.toml"))
        .expect("the example deployment");
    let hourly = "[process.HourlyDataChange]\ncron = \"cron(0 * * * ? *)\"";
    assert!(example.contains(hourly), "the example changed:\n{example}");
    let mut file = example.replace(hourly, "[process.HourlyDataChange]\ncron = \"cron(5 * * * ? *)\"");
    let at = file.find("[process.HourlyDataChange]").unwrap_or_default();
    let enable = file[at..].find("enabled = false").map(|i| at + i).expect("HourlyDataChange's enabled flag");
    file.replace_range(enable..enable + "enabled = false".len(), "enabled = true");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("deployment.toml");
    std::fs::write(&path, file).expect("write the deployment file");
    let config = path.display().to_string();

    let out = status(&db, &["--json", "--config", &config]).expect_code(6);
    let rows = rows(&out);
    let gone = row_of(&rows, this_hour() - TimeDelta::hours(2) + TimeDelta::minutes(5));
    assert_eq!(gone["label"], "missed", "{rows:?}");
    let rfc = intervalprocessing_jobs::window::rfc3339;
    assert_eq!(gone["window_start"], rfc(this_hour() - TimeDelta::hours(3)).as_str(), "{rows:?}");

    let all = db.cli().args(["status", "--since", "4h", "--config", &config]).run().expect_code(6).stdout;
    let quarter = all.lines().find(|l| l.starts_with("QuarterHourlyDataChange")).unwrap_or_default();
    assert!(quarter.contains("schedule disabled"), "{all}");
}
