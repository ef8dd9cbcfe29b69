//! One bad window never blocks the others: a day that fails permanently is recorded `failed` and
//! the run goes on; catch-up retries it up to `MAX_WINDOW_ATTEMPTS` (3) attempts, also once it is
//! older than the `CATCH_UP_LIMIT` look-back, then gives up on it and reports it.

use std::path::{Path, PathBuf};

use crate::support::fixtures::{Entry, Seed, date, error_lines, history};
use crate::support::{Cli, Output, TestDb};

/// The day that cannot be written: its target path is taken by a directory (something a person or
/// another tool can leave in an output directory), so renaming the finished CSV into place fails
/// the same way on every attempt.
const BAD: &str = "2026-01-10";

/// Readings on 2026-01-10 ..= 2026-01-14, a `file://` output directory with the bad day blocked,
/// and a ledger whose first window is 2026-01-09 (the deployment's first day, run by hand).
struct BadDay {
    db: TestDb,
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl BadDay {
    async fn new() -> BadDay {
        let db = TestDb::new().await;
        Seed::standard(date("2026-01-13")).insert(&db).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("out");
        std::fs::create_dir_all(root.join(format!("daily-usage/{BAD}.csv/blocked"))).expect("block the bad day");
        let bad = BadDay { db, _dir: dir, root };
        bad.cli().args(["run", "--process", "FileGeneration", "--at", "2026-01-10"]).run().success();
        bad
    }

    fn cli(&self) -> Cli {
        self.db.cli().env("OUTPUT_URL", format!("file://{}/", self.root.display()))
    }

    /// The scheduled run of the tick at 02:30 on `day` (it processes the day before, plus catch-up).
    fn tick(&self, day: &str) -> Output {
        self.tick_with(self.cli(), day)
    }

    /// As EventBridge and ECS start it: no arguments, the process and scheduled time in the environment.
    fn tick_with(&self, cli: Cli, day: &str) -> Output {
        cli.env("processToRun", "FileGeneration").env("SCHEDULED_TIME", format!("{day}T02:30:00Z")).run()
    }

    fn csv(&self, day: &str) -> PathBuf {
        self.root.join(format!("daily-usage/{day}.csv"))
    }

    fn entry(&self, day: &str) -> Entry {
        let start = format!("{day}T00:00:00Z");
        let all = history(&self.db, Some("FileGeneration"));
        all.iter().find(|e| e.window_start == start).cloned().unwrap_or_else(|| panic!("no entry for {day}: {all:?}"))
    }
}

fn is_file(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() > 0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_that_fails_permanently_does_not_stop_the_four_days_after_it() {
    let bad = BadDay::new().await;

    // Four ticks were missed; the fifth catches up the five days, the bad (oldest) one first.
    let out = bad.tick("2026-01-15").expect_code(1);

    for day in ["2026-01-11", "2026-01-12", "2026-01-13", "2026-01-14"] {
        assert!(is_file(&bad.csv(day)), "{day}.csv written by the same run\n{}", out.stderr);
        let e = bad.entry(day);
        assert_eq!((e.status.as_str(), e.attempts), ("succeeded", 1), "{e:?}");
    }
    let runs = history(&bad.db, Some("FileGeneration"));
    let ran: Vec<_> = runs.iter().filter(|e| e.window_start != "2026-01-09T00:00:00Z").collect();
    assert_eq!(ran.len(), 5, "{runs:?}");
    assert!(ran.iter().all(|e| e.run_id == ran[0].run_id), "one run did all five days: {runs:?}");
    assert_eq!(ran[0].window_start, format!("{BAD}T00:00:00Z"), "the bad day ran first: {runs:?}");

    let e = bad.entry(BAD);
    assert_eq!((e.status.as_str(), e.attempts, e.given_up), ("failed", 1, false), "{e:?}");
    let reason = e.error.clone().unwrap_or_default();
    assert!(reason.contains(&format!("daily-usage/{BAD}.csv")) && reason.contains("renaming"), "{reason}");
    assert!(bad.csv(BAD).is_dir(), "the blocking directory is untouched");
    assert!(!bad.root.join(format!("daily-usage/{BAD}.manifest.json")).exists(), "no manifest without its CSV");

    let errors = error_lines(&out.stderr);
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(
        errors[0].starts_with(&format!("error: FileGeneration {BAD}T00:00:00Z/2026-01-11T00:00:00Z failed: ")),
        "the error line names the failed window: {}",
        errors[0]
    );
    assert!(!errors[0].contains("not started"), "nothing was skipped: {}", errors[0]);
    assert!(out.stderr.lines().any(|l| l.starts_with("hint:") && l.contains("history")), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_retries_a_failed_day_up_to_max_window_attempts_then_reports_it_given_up() {
    let bad = BadDay::new().await;
    bad.tick("2026-01-15").expect_code(1);

    // The next tick's look-back (CATCH_UP_LIMIT = 4: the 11th to the 14th) no longer holds the bad
    // day; it is retried anyway, before the due day.
    let out = bad.tick("2026-01-16").expect_code(1);
    assert!(is_file(&bad.csv("2026-01-15")), "the due day is written\n{}", out.stderr);
    assert_eq!(bad.entry(BAD).attempts, 2, "retried although older than the look-back");
    assert_eq!(bad.entry("2026-01-11").attempts, 1, "succeeded days are not run again");
    assert!(error_lines(&out.stderr).iter().any(|l| l.contains(BAD)), "{}", out.stderr);

    bad.tick("2026-01-17").expect_code(1);
    let e = bad.entry(BAD);
    assert_eq!((e.status.as_str(), e.attempts, e.given_up), ("failed", 3, true), "{e:?}");

    // Given up: reported by every scheduled run, never run again by one; the run succeeds.
    for day in ["2026-01-18", "2026-01-19"] {
        let out = bad.tick(day).success();
        assert_eq!(bad.entry(BAD).attempts, 3, "a given-up day is not retried");
        let warning = out.stderr.lines().find(|l| l.contains("gave up")).unwrap_or_default();
        assert!(warning.contains(BAD), "the run warns about the given-up day:\n{}", out.stderr);
    }
    assert!(is_file(&bad.csv("2026-01-18")));

    let table = bad.cli().args(["history", "--process", "FileGeneration"]).run().success();
    let line = table.stdout.lines().find(|l| l.contains(&format!("{BAD}T00:00:00Z"))).unwrap_or_default();
    assert!(line.contains("failed") && line.contains("given up after 3 attempts"), "{}", table.stdout);

    // A person decides: `--at` (due on the 11th: the 10th) runs the day whatever its attempts,
    // and counts as one.
    std::fs::remove_dir_all(bad.csv(BAD)).expect("unblock the bad day");
    bad.cli().args(["run", "--process", "FileGeneration", "--at", "2026-01-11"]).run().success();
    let e = bad.entry(BAD);
    assert_eq!((e.status.as_str(), e.attempts, e.given_up), ("succeeded", 4, false), "{e:?}");
    assert!(is_file(&bad.csv(BAD)));
    let out = bad.tick("2026-01-20").success();
    assert!(!out.stderr.contains("gave up"), "nothing is given up any more:\n{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_day_older_than_catch_up_limit_is_retried_by_the_next_scheduled_run() {
    let bad = BadDay::new().await;
    bad.tick("2026-01-15").expect_code(1);
    std::fs::remove_dir_all(bad.csv(BAD)).expect("unblock the bad day");

    // With CATCH_UP_LIMIT=1 the look-back of the tick of the 20th is the 18th only.
    let out = bad.tick_with(bad.cli().env("CATCH_UP_LIMIT", "1"), "2026-01-20").success();
    let e = bad.entry(BAD);
    assert_eq!((e.status.as_str(), e.attempts), ("succeeded", 2), "{e:?}\n{}", out.stderr);
    assert!(is_file(&bad.csv(BAD)));
    let runs = history(&bad.db, Some("FileGeneration"));
    let last = e.run_id.clone();
    let starts: Vec<_> = runs.iter().filter(|r| r.run_id == last).map(|r| r.window_start.clone()).collect();
    assert_eq!(
        starts,
        [&format!("{BAD}T00:00:00Z"), "2026-01-18T00:00:00Z", "2026-01-19T00:00:00Z"],
        "the old failed day first, then the look-back and the due day; missed days older than the look-back are not"
    );
}
