//! The S3 endpoint goes away in the middle of the daily file's upload (a proxy in front of moto,
//! so moto keeps the upload it had started).

use std::net::SocketAddr;

use super::common::{failed_clearly, retry_waits, timed};
use crate::support::fixtures::{S3, Seed, date, history};
use crate::support::lost_completion::LostCompletion;
use crate::support::{Proxy, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gone_mid_upload_fails_the_window_leaves_no_partial_object_and_the_next_run_completes() {
    let (db, clean, s3) = (TestDb::new().await, TestDb::new().await, S3::start().await);
    for d in [&db, &clean] {
        Seed::standard(date("2026-01-15")).insert(d).await;
    }
    let mut proxy = Proxy::start(SocketAddr::from(([127, 0, 0, 1], s3.moto.port)));
    let backfill = ["run", "--process", "FileGeneration", "--from", "2026-01-14", "--to", "2026-01-16"];
    let cli = s3.point(db.cli()).env("AWS_ENDPOINT_URL", proxy.endpoint()).args(backfill);

    // S3 goes away as the first part of the 14th's CSV is sent (the upload was created).
    proxy.go_down_on(b"partNumber=", 1);
    let (out, took) = timed(&cli);
    assert!(proxy.tripped(), "the outage happened");
    let line = failed_clearly(
        &out,
        1,
        &["FileGeneration 2026-01-14T00:00:00Z/2026-01-15T00:00:00Z failed", "S3", "daily-usage/2026-01-14.csv"],
    );
    assert!(!line.contains("ledger could not be updated"), "MongoDB was up: {line}");
    let waits = retry_waits(&out.stderr, "s3 upload part");
    assert_eq!(waits.len(), 3, "the part was tried 4 times: {waits:?}");
    eprintln!("S3 gone mid-upload: reported after {took:?}: {line}");

    let runs = history(&db, Some("FileGeneration"));
    let got: Vec<_> = runs.iter().map(|e| (e.window_start.as_str(), e.status.as_str())).collect();
    assert_eq!(got, vec![("2026-01-14T00:00:00Z", "failed"), ("2026-01-15T00:00:00Z", "skipped")]);
    let ledger = db.db.collection::<mongodb::bson::Document>("job_runs");
    let entry = ledger
        .find_one(mongodb::bson::doc! { "status": "failed" })
        .await
        .expect("read the ledger")
        .expect("the failed entry");
    assert!(entry.get_str("error").is_ok_and(|e| e.contains("S3") && e.contains("2026-01-14.csv")), "{entry}");
    assert_eq!(s3.keys().await, Vec::<String>::new(), "no object, partial or whole, is visible");
    let left_open = s3.open_uploads().await;
    assert!(left_open <= 1, "at most the one upload the outage interrupted is open: {left_open}");

    proxy.come_back();
    let (out, recovered) = timed(&cli);
    out.success();
    eprintln!("S3 gone mid-upload: the rerun completed in {recovered:?} once S3 was back");
    assert_eq!(s3.open_uploads().await, 0, "the rerun aborted the upload left open");
    let runs = history(&db, Some("FileGeneration"));
    let got: Vec<_> = runs.iter().map(|e| (e.window_start.as_str(), e.status.as_str(), e.attempts)).collect();
    assert_eq!(got, vec![("2026-01-14T00:00:00Z", "succeeded", 2), ("2026-01-15T00:00:00Z", "succeeded", 1)]);

    // The same files as a run that never saw an outage (another prefix of the same bucket).
    let clean_cli = s3.point(clean.cli()).env("OUTPUT_URL", format!("s3://{}/clean/", s3.bucket));
    clean_cli.args(backfill).run().success();
    for day in ["2026-01-14", "2026-01-15"] {
        for ext in ["csv", "manifest.json"] {
            let (got, want) = (
                s3.get(&format!("prefix/daily-usage/{day}.{ext}")).await,
                s3.get(&format!("clean/daily-usage/{day}.{ext}")).await,
            );
            assert!(!want.is_empty());
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
                "{day}.{ext} differs from a clean run's"
            );
        }
    }
    eprintln!("S3 outage: {left_open} upload(s) left open by the failed run, aborted by the next");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_upload_whose_answer_was_lost_counts_as_written_and_the_day_succeeds() {
    let (db, clean, s3) = (TestDb::new().await, TestDb::new().await, S3::start().await);
    for d in [&db, &clean] {
        Seed::standard(date("2026-01-15")).insert(d).await;
    }
    let relay = LostCompletion::start(s3.moto.port);
    let run = ["run", "--process", "FileGeneration", "--at", "2026-01-16T02:30:00Z"];

    // The CSV's completion reaches moto, its answer does not: the retry finds the upload gone.
    let out = s3.point(db.cli()).env("AWS_ENDPOINT_URL", relay.endpoint()).args(run).run().success();
    assert!(relay.lost_one(), "a completion's answer was dropped");
    assert_eq!(retry_waits(&out.stderr, "s3 complete multipart upload").len(), 1, "retried once:\n{}", out.stderr);
    let runs = history(&db, Some("FileGeneration"));
    let got: Vec<_> = runs.iter().map(|e| (e.status.as_str(), e.attempts)).collect();
    assert_eq!(got, vec![("succeeded", 1)], "the day succeeded at its first attempt");
    assert_eq!(s3.open_uploads().await, 0, "no upload left open");

    let clean_cli = s3.point(clean.cli()).env("OUTPUT_URL", format!("s3://{}/clean/", s3.bucket));
    clean_cli.args(run).run().success();
    for ext in ["csv", "manifest.json"] {
        let (got, want) = (
            s3.get(&format!("prefix/daily-usage/2026-01-15.{ext}")).await,
            s3.get(&format!("clean/daily-usage/2026-01-15.{ext}")).await,
        );
        assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want), "{ext} differs from a clean run's");
    }
}
