//! Malformed environment, flags and deployment file: each is rejected before anything is
//! touched, with one `error:` line that names the variable, flag or file, and the documented
//! exit code (3 configuration, 2 usage).

use std::net::SocketAddr;

use crate::support::{Cli, Output, Proxy, TestDb};

/// Checks `out` exited `code` with exactly one `error:` line, and that the error's message (that
/// line and its continuation lines, up to the hint) contains each of `words`.
#[track_caller]
pub(super) fn rejected(case: &str, out: &Output, code: i32, words: &[&str]) {
    assert_eq!(out.code, Some(code), "{case}: exit code\n{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{case}: a panic\n{}", out.stderr);
    let human: Vec<&str> = out.stderr.lines().filter(|l| !l.starts_with('{')).collect();
    let errors = human.iter().filter(|l| l.starts_with("error:")).count();
    assert_eq!(errors, 1, "{case}: exactly one error: line\n{}", out.stderr);
    let message: String = human
        .iter()
        .skip_while(|l| !l.starts_with("error:"))
        .take_while(|l| !l.starts_with("hint:") && !l.starts_with("Usage:"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    for w in words {
        assert!(message.contains(w), "{case}: {w:?} missing from the error:\n{message}");
    }
}

/// Both ways the binary is started: by ECS (processToRun) and by a person (run --process).
pub(super) fn both_starts(db: &TestDb) -> [Cli; 2] {
    [
        db.cli().env("processToRun", "FileGeneration"),
        db.cli().args(["run", "--process", "FileGeneration", "--at", "2026-01-16T02:30:00Z"]),
    ]
}

/// Nothing was written to the test database: no collection exists.
pub(super) async fn untouched(db: &TestDb, case: &str) {
    let names = db.db.list_collection_names().await.expect("list collections");
    assert!(names.is_empty(), "{case}: the run wrote {names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_environment_exits_3_naming_the_variable_and_touches_nothing() {
    let db = TestDb::new().await;
    let cases: &[(&str, &str)] = &[
        ("MONGODB_URI", "postgres://127.0.0.1:5432/db"),
        ("MONGODB_URI", "mongodb://127.0.0.1:notaport"),
        ("MONGODB_URI", "mongodb://"),
        ("MONGODB_DATABASE", "a/b"),
        ("SCHEDULE_TIMEZONE", "Europe/Londn"),
        ("SCHEDULED_TIME", "tomorrow at two"),
        ("OUTPUT_URL", "ftp://files.example.com/out/"),
        ("OUTPUT_URL", "s3://"),
        ("OUTPUT_URL", "file://relative/dir"),
        ("RUN_TIMEOUT", "soon"),
        ("RUN_TIMEOUT", "0"),
        ("LEASE_TTL", "1s"),
        ("LEASE_TTL", "forever"),
        ("SHUTDOWN_GRACE", "-5"),
        ("CATCH_UP_LIMIT", "-1"),
        ("RETENTION_DAYS", "0"),
        ("LOG_FORMAT", "xml"),
    ];
    for (var, value) in cases {
        let case = format!("{var}={value:?}");
        for cli in both_starts(&db) {
            rejected(&case, &cli.env(*var, *value).run(), 3, &[var]);
        }
    }
    untouched(&db, "malformed environment").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_times_and_flags_are_usage_errors_naming_the_flag_and_touch_nothing() {
    let db = TestDb::new().await;
    let cases: &[(&[&str], &str)] = &[
        (&["--at", "yesterday"], "--at"),
        (&["--at", "2026-02-30"], "--at"),
        (&["--at", "2026-03-08T02:30"], "--at"),
        (&["--from", "2026-01-15", "--to", "2026-01-14"], "--from"),
        (&["--from", "2026-01-15", "--to", "2026-01-15"], "--from"),
        (&["--from", "last week", "--to", "2026-01-15"], "--from"),
        (&["--from", "2026-01-14", "--to", "15/01/2026"], "--to"),
        (&["--from", "2026-01-14"], "--to"),
        (&["--at", "2026-01-15", "--from", "2026-01-14", "--to", "2026-01-15"], "--at"),
        (&["--from", "2000-01-01", "--to", "2026-01-01"], "--from/--to"),
        (&["--timeout", "soon"], "--timeout"),
    ];
    for (args, flag) in cases {
        let case = args.join(" ");
        let cli =
            db.cli().env("SCHEDULE_TIMEZONE", "America/New_York").args(["run", "--process", "QuarterHourlyDataChange"]);
        rejected(&case, &cli.args(args.iter().copied()).run(), 2, &[flag]);
    }
    untouched(&db, "malformed flags").await;
}

#[test]
fn an_unusable_infra_config_file_exits_3_naming_the_file_and_calls_no_aws_api() {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/intervalprocessing.toml"))
        .expect("example deployment file");
    let file = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write a deployment file");
        p.display().to_string()
    };
    let missing = dir.path().join("missing.toml").display().to_string();
    let directory = dir.path().display().to_string();
    let not_utf8 = file("latin1.toml", b"region = \"us-east-1\"\nimage = \"caf\xe9\"\n");
    let syntax = file("syntax.toml", b"region = \"us-east-1\nimage = \n");
    let wrong_type = file("type.toml", example.replacen("region = ", "region = 42 #", 1).as_bytes());
    let unknown_key = file("unknown.toml", format!("{example}\nregoin = \"us-east-1\"\n").as_bytes());
    let bad_value = file("value.toml", example.replacen("subnets = [", "subnets = [\"net-1\", ", 1).as_bytes());
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        ("missing", missing.as_str(), vec!["missing.toml", "No such file"]),
        ("a directory", directory.as_str(), vec!["Is a directory"]),
        ("not UTF-8", not_utf8.as_str(), vec!["latin1.toml", "UTF-8"]),
        ("bad TOML", syntax.as_str(), vec!["syntax.toml", "line 1"]),
        ("a wrong type", wrong_type.as_str(), vec!["type.toml", "region"]),
        ("an unknown key", unknown_key.as_str(), vec!["unknown.toml", "regoin"]),
        ("a bad value", bad_value.as_str(), vec!["value.toml", "subnets", "net-1"]),
    ];
    // Every AWS call would go through this proxy (to a closed port): none may be made.
    let aws = Proxy::start(SocketAddr::from(([127, 0, 0, 1], 9)));
    for (case, path, words) in &cases {
        for cmd in [
            &["infra", "validate"][..],
            &["infra", "plan"],
            &["infra", "apply", "--auto-approve"],
            &["infra", "status"],
        ] {
            let cli =
                Cli::new().env("AWS_ENDPOINT_URL", aws.endpoint()).args(cmd.iter().copied()).args(["--config", path]);
            rejected(&format!("{} with {case}", cmd.join(" ")), &cli.run(), 3, words);
        }
    }
    assert_eq!(aws.connections(), 0, "an AWS API was called despite the unusable file");
}
