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

/// A deployment file of top-level `key = value` lines: the valid base with `overrides` replacing
/// (or adding) keys, then `tables` (e.g. `[tags]`). Values are TOML literals.
fn file_with(overrides: &[(&str, String)], tables: &str) -> (tempfile::TempDir, String) {
    let base = [
        ("region", r#""us-east-1""#.to_owned()),
        ("image", r#""example/intervalprocessing:1""#.to_owned()),
        ("subnets", r#"["subnet-0123456789abcdef0"]"#.to_owned()),
        ("security_groups", r#"["sg-0123456789abcdef0"]"#.to_owned()),
        ("mongodb_uri_secret", r#""arn:aws:secretsmanager:us-east-1:123456789012:secret:m-AbCdEf""#.to_owned()),
        ("output_url", r#""s3://ip-validate/out/""#.to_owned()),
    ];
    let mut lines: Vec<(&str, String)> = base.to_vec();
    for (k, v) in overrides {
        match lines.iter_mut().find(|(key, _)| key == k) {
            Some(line) => line.1 = v.clone(),
            None => lines.push((k, v.clone())),
        }
    }
    let text: String = lines.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("d.toml");
    std::fs::write(&path, format!("{text}\n{tables}\n")).unwrap_or_else(|e| panic!("{e}"));
    (dir, path.display().to_string())
}

/// A TOML string literal (the values here are plain ASCII, so Rust's quoting is TOML's).
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// What the row shows, top-level overrides, tables, and the key named in the error (`None`: accepted).
type Row<'a> = (&'a str, Vec<(&'a str, String)>, String, Option<&'a str>);

#[test]
fn validate_rejects_names_tags_and_partitions_that_aws_rejects_and_accepts_every_supported_partition() {
    let kms = |p: &str, r: &str| lit(&format!("arn:{p}:kms:{r}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
    let secret = |p: &str, r: &str| lit(&format!("arn:{p}:secretsmanager:{r}:123456789012:secret:mongo-AbCdEf"));
    let region = |r: &str| ("region", lit(r));
    let rows: Vec<Row> = vec![
        ("cluster with a dot", vec![("cluster", lit("prod.cluster"))], String::new(), Some("cluster")),
        ("cluster of 256 characters", vec![("cluster", lit(&"c".repeat(256)))], String::new(), Some("cluster")),
        ("cluster of 255 characters", vec![("cluster", lit(&"c".repeat(255)))], String::new(), None),
        (
            "schedule group with a slash",
            vec![("schedule_group", lit("group/v1"))],
            String::new(),
            Some("schedule_group"),
        ),
        ("schedule group of 65", vec![("schedule_group", lit(&"g".repeat(65)))], String::new(), Some("schedule_group")),
        ("schedule group of 64", vec![("schedule_group", lit(&"g".repeat(64)))], String::new(), None),
        ("tag key of 129", vec![], format!("[tags]\n{} = \"x\"", "k".repeat(129)), Some("tags.kkk")),
        ("tag key of 128", vec![], format!("[tags]\n{} = \"x\"", "k".repeat(128)), None),
        ("tag value of 257", vec![], format!("[tags]\nOwner = {}", lit(&"v".repeat(257))), Some("tags.Owner")),
        ("tag value of 256", vec![], format!("[tags]\nOwner = {}", lit(&"v".repeat(256))), None),
        ("tag key aws:", vec![], "[tags]\n\"aws:owner\" = \"x\"".into(), Some("tags.aws:owner")),
        ("tag key AWS:", vec![], "[tags]\n\"AWS:Owner\" = \"x\"".into(), Some("tags.AWS:Owner")),
        ("tag key Aws:", vec![], "[tags]\n\"Aws:Owner\" = \"x\"".into(), Some("tags.Aws:Owner")),
        ("tag value aws:", vec![], "[tags]\nOwner = \"aws:team\"".into(), Some("tags.Owner")),
        ("tag value AWS:", vec![], "[tags]\nOwner = \"AWS:team\"".into(), Some("tags.Owner")),
        ("tag key with ;", vec![], "[tags]\n\"semi;colon\" = \"x\"".into(), Some("tags.semi;colon")),
        ("tag value with ,", vec![], "[tags]\nOwner = \"a,b\"".into(), Some("tags.Owner")),
        ("tag value empty", vec![], "[tags]\nOwner = \"\"".into(), Some("tags.Owner")),
        ("ManagedBy tag", vec![], "[tags]\nManagedBy = \"me\"".into(), Some("tags.ManagedBy")),
        (
            "KMS alias",
            vec![("mongodb_uri_kms_key", lit("arn:aws:kms:us-east-1:123456789012:alias/mongo"))],
            String::new(),
            Some("mongodb_uri_kms_key"),
        ),
        ("KMS key ARN", vec![("mongodb_uri_kms_key", kms("aws", "us-east-1"))], String::new(), None),
        (
            "China",
            vec![
                region("cn-north-1"),
                ("image", lit("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/intervalprocessing:1")),
                ("mongodb_uri_secret", secret("aws-cn", "cn-north-1")),
                ("mongodb_uri_kms_key", kms("aws-cn", "cn-north-1")),
            ],
            String::new(),
            None,
        ),
        (
            "GovCloud",
            vec![
                region("us-gov-west-1"),
                ("image", lit("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/intervalprocessing:1")),
                ("mongodb_uri_secret", secret("aws-us-gov", "us-gov-west-1")),
                ("mongodb_uri_kms_key", kms("aws-us-gov", "us-gov-west-1")),
            ],
            String::new(),
            None,
        ),
        (
            "China with a secret of partition aws",
            vec![region("cn-north-1"), ("mongodb_uri_secret", secret("aws", "us-east-1"))],
            String::new(),
            Some("mongodb_uri_secret"),
        ),
        (
            "secret ARN whose partition does not match its region",
            vec![("mongodb_uri_secret", secret("aws-cn", "us-east-1"))],
            String::new(),
            Some("mongodb_uri_secret"),
        ),
        (
            "GovCloud with a KMS key of partition aws",
            vec![
                region("us-gov-west-1"),
                ("mongodb_uri_secret", secret("aws-us-gov", "us-gov-west-1")),
                ("mongodb_uri_kms_key", kms("aws", "us-east-1")),
            ],
            String::new(),
            Some("mongodb_uri_kms_key"),
        ),
        (
            "KMS key ARN whose partition does not match its region",
            vec![("mongodb_uri_kms_key", kms("aws", "cn-north-1"))],
            String::new(),
            Some("mongodb_uri_kms_key"),
        ),
        ("isolated region us-iso-east-1", vec![region("us-iso-east-1")], String::new(), Some("region")),
        ("isolated region us-isob-east-1", vec![region("us-isob-east-1")], String::new(), Some("region")),
    ];
    for (what, overrides, tables, key) in rows {
        let (_dir, path) = file_with(&overrides, &tables);
        let out = Cli::new()
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .args(["infra", "validate", "--config", &path])
            .run();
        match key {
            None => assert_eq!(out.code, Some(0), "{what}: accepted\n{}\n{}", out.stdout, out.stderr),
            Some(key) => {
                assert_eq!(out.code, Some(3), "{what}: rejected\n{}\n{}", out.stdout, out.stderr);
                // One problem per line, indented; `tags.kkk…` is named in full, the row gives its start.
                let problems: Vec<&str> = out.stderr.lines().filter_map(|l| l.strip_prefix("  ")).collect();
                assert!(
                    !problems.is_empty() && problems.iter().all(|p| p.starts_with(key)),
                    "{what}: expected only {key} named in\n{}",
                    out.stderr
                );
            }
        }
    }
}
