//! Bounds: a backfill too large to run is counted and refused before anything is allocated, every
//! duration setting has an upper bound with a clear error past it, and times at the ends of the
//! calendar give a window or a usage error. Never a panic, never a silent fallback.

use std::process::Command;
use std::time::{Duration, Instant};

use super::settings::{both_starts, rejected, untouched};
use crate::support::{Cli, Output, TestDb};

/// Runs `cli` under `/usr/bin/time` (when installed) and returns its output, how long it took and
/// its peak resident memory in KiB.
fn measured(cli: &Cli) -> (Output, Duration, Option<u64>) {
    let started = Instant::now();
    let Ok(time) = std::fs::metadata("/usr/bin/time").map(|_| "/usr/bin/time") else {
        eprintln!("/usr/bin/time is not installed: memory not measured");
        return (cli.run(), started.elapsed(), None);
    };
    let inner = cli.command();
    let mut cmd = Command::new(time);
    cmd.arg("-f").arg("peak_rss_kib=%M").arg(inner.get_program()).args(inner.get_args()).env_clear();
    for (k, v) in inner.get_envs() {
        if let Some(v) = v {
            cmd.env(k, v);
        }
    }
    let out = cmd.output().expect("run under /usr/bin/time");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let rss = stderr.lines().find_map(|l| l.strip_prefix("peak_rss_kib=")).and_then(|v| v.trim().parse().ok());
    let out = Output { code: out.status.code(), stdout: String::from_utf8_lossy(&out.stdout).into_owned(), stderr };
    (out, elapsed, rss)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backfill_of_two_centuries_is_refused_at_once_in_little_memory() {
    let db = TestDb::new().await;
    let cli = db.cli().args([
        "run",
        "--process",
        "QuarterHourlyDataChange",
        "--from",
        "1900-01-01",
        "--to",
        "2100-01-01",
        "--dry-run",
    ]);
    let (out, elapsed, rss) = measured(&cli);
    // 73 049 days of 96 quarter-hours, counted exactly.
    rejected("1900-2100", &out, 2, &["--from/--to", "7012704 windows", "at most 100000"]);
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    // Listing the windows first took 178 MB; the binary itself needs a few.
    if let Some(kib) = rss {
        assert!(kib < 40 * 1024, "peak memory {kib} KiB");
    }
    untouched(&db, "1900-2100 backfill").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durations_past_their_upper_bound_exit_3_naming_the_variable_and_never_panic() {
    let db = TestDb::new().await;
    let cases: &[(&str, &str)] = &[
        ("LEASE_TTL", "9000000000000"),
        ("LEASE_TTL", "10000000000000000"),
        ("LEASE_TTL", "1e16"),
        ("LEASE_TTL", "100000000000000000000"),
        ("LEASE_TTL", "1e20"),
        ("LEASE_TTL", "11m"),
        ("SHUTDOWN_GRACE", "9000000000000"),
        ("SHUTDOWN_GRACE", "1h"),
        ("RUN_TIMEOUT", "9000000000000"),
        ("RUN_TIMEOUT", "8days"),
    ];
    for (var, value) in cases {
        let case = format!("{var}={value:?}");
        for cli in both_starts(&db) {
            let out = cli.env(*var, *value).run();
            rejected(&case, &out, 3, &[var]);
            let digits = value.bytes().all(|b| b.is_ascii_digit()) && value.len() < 20;
            if digits || value.ends_with(['m', 'h', 's']) {
                rejected(&case, &out, 3, &["must be between"]);
            }
        }
    }
    untouched(&db, "durations past their bound").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_flag_past_its_bound_is_a_usage_error() {
    let db = TestDb::new().await;
    for value in ["9000000000000", "8days", "0", "1e16"] {
        let cli = db.cli().args(["run", "--process", "HourlyDataChange", "--at", "2026-01-16T02:30:00Z"]);
        rejected(&format!("--timeout {value}"), &cli.args(["--timeout", value]).run(), 2, &["--timeout"]);
    }
    untouched(&db, "--timeout past its bound").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_at_the_ends_of_the_calendar_give_a_window_or_a_usage_error_never_a_panic() {
    let db = TestDb::new().await;
    for tz in ["UTC", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"] {
        for p in crate::support::process_names() {
            let cli = || db.cli().env("SCHEDULE_TIMEZONE", tz).args(["run", "--process", p, "--dry-run"]);
            for at in ["0001-01-01", "0001-01-01T00:00:00Z", "9999-12-31", "9999-12-31T23:59:59Z", "9999-12-31T23:59"] {
                let out = cli().args(["--at", at]).run();
                assert_eq!(out.code, Some(0), "{p} {tz} --at {at}\n{}", out.stderr);
                assert!(out.stdout.contains("would process 1 window"), "{p} {tz} --at {at}\n{}", out.stdout);
            }
            for at in ["10000-01-01", "0000-12-31", "-0001-01-01T00:00"] {
                rejected(&format!("{p} {tz} --at {at}"), &cli().arg(format!("--at={at}")).run(), 2, &["--at"]);
            }
            let out = cli().args(["--from", "9999-12-01", "--to", "9999-12-31T23:59:59Z"]).run();
            assert_eq!(out.code, Some(0), "{p} {tz} December 9999\n{}", out.stderr);
        }
    }
    // The whole calendar is counted, not listed: refused at once for every cadence.
    for p in ["QuarterHourlyDataChange", "NightlyDataChange"] {
        let cli = db.cli().env("SCHEDULE_TIMEZONE", "America/New_York").args(["run", "--process", p, "--dry-run"]);
        let (out, elapsed, rss) = measured(&cli.args(["--from", "0001-01-01", "--to", "9999-12-31"]));
        rejected(&format!("{p} 0001-9999"), &out, 2, &["--from/--to", "at most 100000"]);
        assert!(elapsed < Duration::from_secs(30), "{p}: took {elapsed:?}");
        if let Some(kib) = rss {
            assert!(kib < 40 * 1024, "{p}: peak memory {kib} KiB");
        }
    }
    untouched(&db, "the ends of the calendar").await;
}
