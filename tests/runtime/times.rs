//! The times a run is given: a bare local date whose midnight does not exist, and the scheduler
//! placeholder that EventBridge left unsubstituted.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use mongodb::bson::doc;

use crate::support::TestDb;
use crate::support::fixtures::{Kwh, Seed, count, error_lines, history, run_ok, utc};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_date_whose_midnight_does_not_exist_means_the_first_instant_of_that_local_day() {
    // America/Santiago springs forward at 24:00 on 2026-09-05: 2026-09-06 starts at 01:00 -03.
    let db = TestDb::new().await;
    let mut seed = Seed { meters: vec![("MTR-SCL".into(), true)], readings: Vec::new() };
    seed.push("MTR-SCL", utc("2026-09-06T03:45:00Z"), Kwh::Num(1.0), None); // 23:45 -04 on the 5th
    seed.push("MTR-SCL", utc("2026-09-06T04:00:00Z"), Kwh::Num(2.0), None); // 01:00 -03 on the 6th
    seed.insert(&db).await;
    let cli = || db.cli().env("SCHEDULE_TIMEZONE", "America/Santiago");

    run_ok(cli(), "NightlyDataChange", &["--at", "2026-09-06"]);
    run_ok(cli(), "NightlyDataChange", &["--at", "2026-09-07"]);
    let days: Vec<_> = history(&db, Some("NightlyDataChange")).iter().map(|e| (e.start(), e.end())).collect();
    assert_eq!(
        days,
        vec![
            (utc("2026-09-05T04:00:00Z"), utc("2026-09-06T04:00:00Z")),
            (utc("2026-09-06T04:00:00Z"), utc("2026-09-07T03:00:00Z")),
        ]
    );
    let rows = db.dump("daily_usage", doc! { "date": 1 }).await;
    let got: Vec<_> = rows.iter().map(|r| (r.get_str("date").unwrap_or(""), count(r, "intervalCount"))).collect();
    assert_eq!(got, vec![("2026-09-05", 1), ("2026-09-06", 1)], "{rows:?}");

    // A backfill of the local day: 23 hours from 01:00 -03.
    run_ok(cli(), "HourlyDataChange", &["--from", "2026-09-06", "--to", "2026-09-07"]);
    let hours = history(&db, Some("HourlyDataChange"));
    assert_eq!(hours.len(), 23);
    assert_eq!(hours.first().map(|e| e.start()), Some(utc("2026-09-06T04:00:00Z")));
    assert_eq!(hours.last().map(|e| e.end()), Some(utc("2026-09-07T03:00:00Z")));
}

fn due_hour(now: DateTime<Utc>) -> DateTime<Utc> {
    now.duration_trunc(TimeDelta::hours(1)).unwrap_or(now) - TimeDelta::hours(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_started_with_the_unsubstituted_scheduler_placeholder_runs_the_due_window_and_warns() {
    let db = TestDb::new().await;
    let before = due_hour(Utc::now());
    let out = db
        .cli()
        .env("processToRun", "HourlyDataChange")
        .env("SCHEDULED_TIME", "<aws.scheduler.scheduled-time>")
        .run()
        .success();
    let after = due_hour(Utc::now());
    let runs = history(&db, None);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].status, "succeeded");
    assert!([before, after].contains(&runs[0].start()), "{} is not the due hour", runs[0].window_start);
    assert_eq!(runs[0].end() - runs[0].start(), TimeDelta::hours(1));
    let warning = out.stderr.lines().find(|l| l.contains("WARN") && l.contains("<aws.scheduler.scheduled-time>"));
    assert!(warning.is_some_and(|l| l.contains("using the current time")), "no warning:\n{}", out.stderr);

    // Any other malformed SCHEDULED_TIME is still a configuration error.
    for v in ["<aws.scheduler.execution-id>", "aws.scheduler.scheduled-time", "2026-13-01T00:00:00Z"] {
        let out = db.cli().env("processToRun", "HourlyDataChange").env("SCHEDULED_TIME", v).run().expect_code(3);
        assert!(error_lines(&out.stderr).iter().any(|l| l.contains("SCHEDULED_TIME")), "{v}:\n{}", out.stderr);
    }
    assert_eq!(history(&db, None).len(), 1);
}
