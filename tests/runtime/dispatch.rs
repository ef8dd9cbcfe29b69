//! How the binary is started: `processToRun` (as ECS does) with names and legacy keys, and the
//! cheap exit-code checks of bad input and dry runs.

use crate::support::TestDb;
use crate::support::fixtures::{Seed, count_docs, date, error_lines, history, readings};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_process_to_run_exits_3_listing_the_valid_names() {
    let db = TestDb::new().await;
    let out = db.cli().env("processToRun", "Bogus").run().expect_code(3);
    let errors = error_lines(&out.stderr);
    assert_eq!(errors.len(), 1, "one error line:\n{}", out.stderr);
    assert!(errors[0].contains("Bogus"), "{}", errors[0]);
    for name in crate::support::process_names() {
        assert!(errors[0].contains(name), "{name} missing from: {}", errors[0]);
    }
    assert_eq!(count_docs(&db, "job_runs").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_key_file_generation_processes_runs_file_generation() {
    let db = TestDb::new().await;
    Seed::standard(date("2026-01-15")).insert(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");

    db.cli()
        .env("processToRun", "FileGenerationProcesses")
        .env("SCHEDULED_TIME", "2026-01-16T02:30:00Z")
        .env("OUTPUT_URL", format!("file://{}", root.display()))
        .run()
        .success();

    let runs = history(&db, None);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!((runs[0].process.as_str(), runs[0].status.as_str()), ("FileGeneration", "succeeded"));
    assert_eq!(runs[0].window_start, "2026-01-15T00:00:00Z");
    let csv = std::fs::read_to_string(root.join("daily-usage/2026-01-15.csv")).expect("the CSV was written");
    assert!(csv.starts_with("meter_id,date,kwh,interval_count,estimated_count\r\n"), "{csv}");
    assert!(csv.lines().count() > 1, "the CSV has rows:\n{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_process_flag_wins_over_process_to_run() {
    let db = TestDb::new().await;
    Seed::standard(date("2026-01-15")).insert(&db).await;
    db.cli()
        .env("processToRun", "Bogus")
        .args(["run", "--process", "HourlyDataChangeProcesses", "--at", "2026-01-15T17:00:00Z"])
        .run()
        .success();
    let runs = history(&db, None);
    let got: Vec<_> = runs.iter().map(|e| (e.process.as_str(), e.window_start.as_str(), e.status.as_str())).collect();
    assert_eq!(got, vec![("HourlyDataChange", "2026-01-15T16:00:00Z", "succeeded")]);
    assert!(count_docs(&db, "hourly_usage").await > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_schedule_timezone_exits_3_naming_the_variable() {
    let db = TestDb::new().await;
    let out =
        db.cli().env("SCHEDULE_TIMEZONE", "Mars/Olympus_Mons").args(["run", "--process", "HourlyDataChange"]).run();
    let out = out.expect_code(3);
    let errors = error_lines(&out.stderr);
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(errors[0].contains("SCHEDULE_TIMEZONE") && errors[0].contains("Mars/Olympus_Mons"), "{}", errors[0]);
    assert_eq!(count_docs(&db, "job_runs").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_at_is_a_usage_error() {
    let db = TestDb::new().await;
    for at in ["yesterday", "2026-13-01", "2026-01-15T25:00:00Z"] {
        let out = db.cli().args(["run", "--process", "HourlyDataChange", "--at", at]).run().expect_code(2);
        let errors = error_lines(&out.stderr);
        assert_eq!(errors.len(), 1, "{}", out.stderr);
        assert!(errors[0].contains("--at"), "{}", errors[0]);
    }
    assert_eq!(count_docs(&db, "job_runs").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_prints_the_windows_and_writes_nothing() {
    let db = TestDb::new().await;
    Seed::standard(date("2026-01-15")).insert(&db).await;
    let before = readings(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cli = || db.cli().env("OUTPUT_URL", format!("file://{}", dir.path().display()));

    let out = cli()
        .args([
            "run",
            "--process",
            "QuarterHourlyDataChange",
            "--dry-run",
            "--from",
            "2026-01-15",
            "--to",
            "2026-01-16",
        ])
        .run()
        .success();
    assert!(out.stdout.contains("would process 96 window(s)"), "{}", out.stdout);
    assert!(out.stdout.contains("2026-01-15T23:45:00Z/2026-01-16T00:00:00Z"), "{}", out.stdout);
    // A scheduled dry run reads the ledger for catch-up, and still writes nothing.
    let out = cli()
        .env("processToRun", "FileGeneration")
        .env("SCHEDULED_TIME", "2026-01-16T02:30:00Z")
        .args(["run", "--dry-run"])
        .run()
        .success();
    assert!(out.stdout.contains("would process 1 window(s)") && out.stdout.contains("2026-01-15"), "{}", out.stdout);

    assert_eq!(readings(&db).await, before, "readings untouched");
    for coll in ["job_runs", "leases", "generated_files", "halfhourly_usage", "hourly_usage", "daily_usage"] {
        assert_eq!(count_docs(&db, coll).await, 0, "{coll} written by a dry run");
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("list output dir").count(), 0, "files written by a dry run");
}

#[test]
fn list_shows_each_process_with_its_cadence_cron_and_next_runs() {
    let out = crate::support::Cli::new().env("SCHEDULE_TIMEZONE", "America/New_York").arg("list").run().success();
    assert!(out.stdout.lines().next().is_some_and(|h| h.contains("America/New_York")), "{}", out.stdout);
    for (name, cadence, cron) in [
        ("FileGeneration", "daily", "cron(30 2 * * ? *)"),
        ("NightlyDataChange", "daily", "cron(0 2 * * ? *)"),
        ("HourlyDataChange", "60 min", "cron(0 * * * ? *)"),
        ("HalfHourlyDataChange", "30 min", "cron(0/30 * * * ? *)"),
        ("QuarterHourlyDataChange", "15 min", "cron(0/15 * * * ? *)"),
    ] {
        let line = out
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not listed:\n{}", out.stdout));
        assert!(line.contains(cadence) && line.contains(cron), "{name}: want {cadence} and {cron} in {line:?}");
        let next_runs = line.split(cron).nth(1).unwrap_or_default().matches(':').count();
        assert_eq!(next_runs, 3, "{name}: three next run times in {line:?}");
    }
}
