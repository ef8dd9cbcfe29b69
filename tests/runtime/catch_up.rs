//! A scheduled run after a missed tick catches the missed window up.

use crate::support::TestDb;
use crate::support::fixtures::{Reading, Seed, canonical, date, history, ledger_origin, readings, utc};

/// As EventBridge and ECS start it: no arguments, the process and scheduled time in the environment.
fn scheduled(db: &TestDb, at: &str) -> crate::support::Output {
    db.cli().env("processToRun", "QuarterHourlyDataChange").env("SCHEDULED_TIME", at).run().success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_run_after_a_missed_tick_catches_the_missed_window_up() {
    let db = TestDb::new().await;
    let seed = Seed::standard(date("2026-01-15"));
    seed.insert(&db).await;
    let (w0, w1, w2, end) = (
        utc("2026-01-15T09:45:00Z"),
        utc("2026-01-15T10:00:00Z"),
        utc("2026-01-15T10:15:00Z"),
        utc("2026-01-15T10:30:00Z"),
    );
    for (from, to) in [(w0, w1), (w1, w2), (w2, end)] {
        assert!(!seed.expected_estimates(from, to).is_empty(), "the seed should give every window work");
    }

    // T0 = 10:00 runs 09:45-10:00; the 10:15 tick never happens; T2 = 10:30.
    scheduled(&db, "2026-01-15T10:00:00Z");
    let runs = history(&db, None);
    assert_eq!(runs.iter().map(|e| e.start()).collect::<Vec<_>>(), vec![w0], "T0 runs only its own window");
    scheduled(&db, "2026-01-15T10:30:00Z");

    let runs = history(&db, None);
    let windows: Vec<_> = runs.iter().map(|e| (e.start(), e.end(), e.status.as_str())).collect();
    assert_eq!(windows, vec![(w0, w1, "succeeded"), (w1, w2, "succeeded"), (w2, end, "succeeded")]);
    assert_eq!(runs[1].run_id, runs[2].run_id, "the missed window was caught up by the T2 run");
    assert_ne!(runs[0].run_id, runs[1].run_id);
    assert!(runs[1].started_at <= runs[2].started_at, "the missed window ran first");

    let mut want: Vec<_> = seed.readings.iter().map(Reading::doc).collect();
    want.extend(seed.expected_estimates(w0, end).iter().map(Reading::doc));
    assert_eq!(readings(&db).await, canonical(&want), "the missed window's estimates exist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_window_is_retried_by_the_next_scheduled_run() {
    let (db, s3) = (TestDb::new().await, crate::support::fixtures::S3::start().await);
    Seed::standard(date("2026-01-15")).insert(&db).await;
    // The bucket the output goes to does not exist yet: the 15th fails.
    let missing = format!("{}-later", s3.bucket);
    let cli = || {
        s3.point(db.cli()).env("processToRun", "FileGeneration").env("OUTPUT_URL", format!("s3://{missing}/prefix/"))
    };
    let out = cli().env("SCHEDULED_TIME", "2026-01-16T02:30:00Z").run().expect_code(1);
    let runs = history(&db, None);
    assert_eq!(runs.len(), 1, "{runs:?}\n{}", out.stdout);
    assert_eq!((runs[0].window_start.as_str(), runs[0].status.as_str()), ("2026-01-15T00:00:00Z", "failed"));

    s3.client.create_bucket().bucket(&missing).send().await.expect("create the output bucket");
    cli().env("SCHEDULED_TIME", "2026-01-17T02:30:00Z").run().success();
    let runs = history(&db, None);
    let got: Vec<_> = runs.iter().map(|e| (e.window_start.as_str(), e.status.as_str(), e.attempts)).collect();
    assert_eq!(got, vec![("2026-01-15T00:00:00Z", "succeeded", 2), ("2026-01-16T00:00:00Z", "succeeded", 1)]);
    let listed = s3.client.list_objects_v2().bucket(&missing).send().await.expect("list the output bucket");
    let mut keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "prefix/daily-usage/2026-01-15.csv",
            "prefix/daily-usage/2026-01-15.manifest.json",
            "prefix/daily-usage/2026-01-16.csv",
            "prefix/daily-usage/2026-01-16.manifest.json",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_reaches_back_to_the_oldest_window_ever_run_even_one_run_by_hand() {
    let db = TestDb::new().await;
    Seed::standard(date("2026-01-15")).insert(&db).await;
    let manual = |at: &str| {
        db.cli().args(["run", "--process", "QuarterHourlyDataChange", "--at", at]).run().success();
    };
    // A person runs 09:00-09:15 before the schedule starts.
    manual("2026-01-15T09:15:00Z");
    // The first tick looks back at 08:45-09:45: everything since 09:00 is caught up, nothing before.
    scheduled(&db, "2026-01-15T10:00:00Z");
    let starts: Vec<_> = history(&db, None).iter().map(|e| e.start()).collect();
    let want: Vec<_> = ["09:00", "09:15", "09:30", "09:45"].map(|hm| utc(&format!("2026-01-15T{hm}:00Z"))).to_vec();
    assert_eq!(starts, want);

    // The oldest window is kept in one document per process; an older run by hand moves it back.
    let origin = || ledger_origin(&db, "QuarterHourlyDataChange");
    assert_eq!(origin().await, Some(want[0]));
    manual("2026-01-15T08:30:00Z");
    assert_eq!(origin().await, Some(utc("2026-01-15T08:15:00Z")));
    scheduled(&db, "2026-01-15T10:15:00Z");
    assert_eq!(origin().await, Some(utc("2026-01-15T08:15:00Z")), "a later window does not move it forward");
}
