//! `infra validate`: offline, exit 3 with the key named for each broken rule.

use crate::support::Cli;

fn deployment(process_table: &str, timezone: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("d.toml");
    let text = format!(
        r#"
region = "us-east-1"
image = "example/intervalprocessing:1"
schedule_timezone = "{timezone}"
subnets = ["subnet-0123456789abcdef0"]
security_groups = ["sg-0123456789abcdef0"]
mongodb_uri_secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:m-AbCdEf"
output_url = "s3://ip-validate/out/"
{process_table}
"#
    );
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    (dir, path.display().to_string())
}

fn validate(process_table: &str, timezone: &str) -> crate::support::Output {
    let (_dir, path) = deployment(process_table, timezone);
    // No AWS endpoint and bogus credentials: validate must not call AWS at all.
    Cli::new().env("AWS_ENDPOINT_URL", "http://127.0.0.1:9").args(["infra", "validate", "--config", &path]).run()
}

#[test]
fn validate_exits_3_naming_the_key_for_each_broken_rule() {
    let cases = [
        (
            "[process.NightlyDataChange]\ncron = \"cron(0 2 * * * *)\"",
            "UTC",
            "process.NightlyDataChange.cron",
            "day-of-week",
        ),
        (
            "[process.NightlyDataChange]\ncron = \"cron(0 25 * * ? *)\"",
            "UTC",
            "process.NightlyDataChange.cron",
            "hours",
        ),
        (
            "[process.QuarterHourlyDataChange]\ncron = \"cron(0/15 * * * ?)\"",
            "UTC",
            "process.QuarterHourlyDataChange.cron",
            "6 fields",
        ),
        (
            "[process.NightlyDataChange]\ncron = \"cron(0 2 ? * 8 *)\"",
            "UTC",
            "process.NightlyDataChange.cron",
            "day-of-week",
        ),
        ("", "Europe/Atlantis", "schedule_timezone", "IANA"),
        ("[process.HourlyDataChange]\ncpu = 256\nmemory = 4096", "UTC", "process.HourlyDataChange.memory", "cpu 256"),
        (
            "[process.HalfHourlyDataChange]\ntimeout = \"45m\"",
            "UTC",
            "process.HalfHourlyDataChange.timeout",
            "shorter than the 30 min cadence",
        ),
    ];
    for (table, tz, key, rule) in cases {
        let out = validate(table, tz);
        assert_eq!(out.code, Some(3), "{table} / {tz}: {}\n{}", out.stdout, out.stderr);
        assert!(
            out.stderr.lines().any(|l| l.contains(key) && l.contains(rule)),
            "{table} / {tz}: expected {key} and {rule:?} in\n{}",
            out.stderr
        );
    }
}

#[test]
fn validate_accepts_the_design_crons_and_the_issue_examples_and_prints_fire_times() {
    let design = r#"
[process.FileGeneration]
cron = "cron(30 2 * * ? *)"
[process.NightlyDataChange]
cron = "cron(0 2 * * ? *)"
[process.HourlyDataChange]
cron = "cron(0 * * * ? *)"
[process.HalfHourlyDataChange]
cron = "cron(0/30 * * * ? *)"
[process.QuarterHourlyDataChange]
cron = "cron(0/15 * * * ? *)"
"#;
    let out = validate(design, "Europe/Berlin").success();
    assert!(out.stdout.contains("Run-IntervalProcessing-QuarterHourlyDataChange"), "{}", out.stdout);
    let fire_times = out.stdout.lines().filter(|l| l.starts_with("  20")).count();
    assert_eq!(fire_times, 5 * crate::support::process_names().len(), "five fire times per schedule:\n{}", out.stdout);

    let examples = r#"
[process.FileGeneration]
cron = "cron(0 18 ? * MON-FRI *)"
[process.NightlyDataChange]
cron = "cron(0 10 L * ? *)"
[process.QuarterHourlyDataChange]
cron = "rate(15 minutes)"
"#;
    let out = validate(examples, "America/New_York").success();
    assert!(out.stdout.contains("cron(0 10 L * ? *)"), "{}", out.stdout);
}
