use intervalprocessing_jobs::task_env;

use super::{Problem, validate};
use crate::config::Deployment;
use intervalprocessing_jobs::Process;

pub(crate) const BASE: &str = r#"
region = "us-east-1"
image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/intervalprocessing:latest"
schedule_timezone = "Europe/Berlin"
subnets = ["subnet-0123ab45678cd9"]
security_groups = ["sg-01ab2cd34e5678ff9"]
mongodb_uri_secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mongo-AbCdEf"
output_url = "s3://intervalprocessing-test/GeneratedFiles/"
"#;

fn problems(extra: &str) -> Vec<Problem> {
    let d: Deployment = toml::from_str(&format!("{BASE}\n{extra}")).unwrap_or_else(|e| panic!("{e}"));
    match validate(&d) {
        Ok(_) => Vec::new(),
        Err(p) => p,
    }
}

fn assert_rejects(extra: &str, key: &str, word: &str) {
    let p = problems(extra);
    assert!(p.iter().any(|p| p.key == key && p.rule.contains(word)), "expected {key} ({word}) for {extra}, got {p:?}");
}

#[test]
fn the_example_deployment_is_valid() {
    let text = include_str!("../../../deploy/intervalprocessing.toml");
    let d: Deployment = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    let s = validate(&d).unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(s.processes.len(), Process::all().count());
    assert_eq!(s.output_url(), "s3://intervalprocessing-example/GeneratedFiles/");
}

#[test]
fn defaults_fill_missing_process_tables() {
    assert_eq!(problems(""), Vec::new());
}

#[test]
fn each_rule_names_its_key() {
    assert_rejects(
        "[process.NightlyDataChange]\ncron = \"cron(0 2 * * * *)\"",
        "process.NightlyDataChange.cron",
        "day-of-week",
    );
    assert_rejects(
        "[process.NightlyDataChange]\ncron = \"cron(0 25 * * ? *)\"",
        "process.NightlyDataChange.cron",
        "hours",
    );
    assert_rejects(
        "[process.QuarterHourlyDataChange]\ncron = \"cron(0/15 * * * ?)\"",
        "process.QuarterHourlyDataChange.cron",
        "6 fields",
    );
    assert_rejects(
        "[process.NightlyDataChange]\ncron = \"cron(0 2 ? * 8 *)\"",
        "process.NightlyDataChange.cron",
        "day-of-week",
    );
    assert_rejects("[process.HourlyDataChange]\ncpu = 256\nmemory = 4096", "process.HourlyDataChange.memory", "256");
    assert_rejects(
        "[process.HourlyDataChange]\ntimeout = \"2h\"",
        "process.HourlyDataChange.timeout",
        "shorter than the 60 min cadence",
    );
    assert_rejects(
        "[process.HourlyDataChange]\ncron = \"cron(0/15 * * * ? *)\"",
        "process.HourlyDataChange.cron",
        "cadence",
    );
    assert_rejects(
        "[process.NightlyDataChange]\ncron = \"cron(0 * * * ? *)\"",
        "process.NightlyDataChange.cron",
        "at most once a day",
    );
    assert_rejects(
        "[process.QuarterHourlyDataChange]\nmax_event_age_seconds = 3600",
        "process.QuarterHourlyDataChange.max_event_age_seconds",
        "cadence",
    );
    assert_rejects(
        "[process.QuarterHourlyDataChange]\nretry_attempts = 186",
        "process.QuarterHourlyDataChange.retry_attempts",
        "0-185",
    );
    assert_rejects("[process.Weekly]\ncpu = 256", "process.Weekly", "valid processes");
    assert_rejects("log_retention_days = 10", "log_retention_days", "retention");
    assert_rejects("ephemeral_storage_gib = 20", "ephemeral_storage_gib", "21-200");
    assert_rejects("cluster = \"has space\"", "cluster", "1-255");
    assert_rejects("[tags]\nManagedBy = \"me\"", "tags.ManagedBy", "reserved");
}

#[test]
fn top_level_values_are_checked() {
    let d: Deployment =
        toml::from_str(&BASE.replace("Europe/Berlin", "Mars/Olympus").replace("subnet-0123ab45678cd9", "net-1"))
            .unwrap_or_else(|e| panic!("{e}"));
    let p = validate(&d).err().unwrap_or_default();
    let keys: Vec<&str> = p.iter().map(|p| p.key.as_str()).collect();
    assert!(keys.contains(&"schedule_timezone") && keys.contains(&"subnets"), "{p:?}");
    let d: Deployment =
        toml::from_str(&BASE.replace("s3://intervalprocessing-test/GeneratedFiles/", "s3://Bad_Bucket/x"))
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(validate(&d).err().unwrap_or_default().iter().any(|p| p.key == "output_url"));
}

#[test]
fn accepts_the_issue_examples_on_matching_processes() {
    assert_eq!(problems("[process.FileGeneration]\ncron = \"cron(0 18 ? * MON-FRI *)\""), Vec::new());
    assert_eq!(problems("[process.NightlyDataChange]\ncron = \"cron(0 10 L * ? *)\""), Vec::new());
    assert_eq!(problems("[process.QuarterHourlyDataChange]\ncron = \"rate(15 minutes)\""), Vec::new());
}

#[test]
fn unknown_keys_are_rejected_by_the_parser() {
    assert!(toml::from_str::<Deployment>(&format!("{BASE}\nregoin = \"x\"")).is_err());
}

/// `BASE` with `key = value` replaced or added at the top level.
fn top_level(key: &str, value: &str) -> Vec<Problem> {
    let mut lines: Vec<String> =
        BASE.lines().filter(|l| !l.starts_with(&format!("{key} ="))).map(str::to_owned).collect();
    lines.insert(1, format!("{key} = {value}"));
    let d: Deployment = toml::from_str(&lines.join("\n")).unwrap_or_else(|e| panic!("{e}"));
    validate(&d).err().unwrap_or_default()
}

#[test]
fn validation_rejects_what_aws_rejects() {
    // (key, TOML value, accepted by AWS?)
    let table: &[(&str, &str, bool)] = &[
        ("region", r#""us-east-1""#, true),
        ("region", r#""us-iso-east-1""#, false),
        ("region", r#""US-EAST-1""#, false),
        ("region", r#""moon-1""#, false),
        ("cluster", r#""Prod_Cluster-2""#, true),
        ("cluster", r#""prod.cluster""#, false),
        ("cluster", &format!("{:?}", "c".repeat(256)), false),
        ("schedule_group", r#""group.v1""#, true),
        ("schedule_group", r#""group/v1""#, false),
        ("ecr_repository", r#""team/intervalprocessing""#, true),
        ("ecr_repository", r#""Team/App""#, false),
        ("ecr_repository", r#""app-""#, false),
        ("ecr_repository", r#""a//b""#, false),
        ("output_url", r#""s3://ip-out/files/""#, true),
        ("output_url", r#""s3://xn--ip-out/files/""#, false),
        ("output_url", r#""s3://ip..out/""#, false),
        ("output_url", r#""s3://10.0.0.1/""#, false),
        ("image", r#""ghcr.io/x/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef""#, true),
        ("image", r#""App:Latest""#, false),
        ("mongodb_uri_secret", r#""/intervalprocessing/mongodb-uri""#, true),
        ("mongodb_uri_secret", r#""arn:aws:secretsmanager:us-east-1:123456789012:secret:mongo:uri::""#, true),
        ("mongodb_uri_secret", r#""arn:aws:secretsmanager:us-east-1:123456789012:secret:mongo:uri""#, false),
        ("mongodb_uri_secret", r#""arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:mongo-AbCdEf""#, false),
        (
            "mongodb_uri_kms_key",
            r#""arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab""#,
            true,
        ),
        ("mongodb_uri_kms_key", r#""arn:aws:kms:us-east-1:123456789012:alias/mongo""#, false),
        ("mongodb_uri_kms_key", r#""arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/abc""#, false),
    ];
    for (key, value, ok) in table {
        let p = top_level(key, value);
        if *ok {
            assert!(p.is_empty(), "{key} = {value} is valid, got {p:?}");
        } else {
            assert!(p.iter().any(|p| p.key == *key), "{key} = {value} must be rejected under {key}, got {p:?}");
        }
    }
    // A China region with a secret of partition aws: the partition comes from the region.
    let cn = top_level("region", r#""cn-north-1""#);
    assert!(cn.iter().any(|p| p.key == "mongodb_uri_secret" && p.rule.contains("partition")), "{cn:?}");
    let alias = top_level("mongodb_uri_kms_key", r#""arn:aws:kms:us-east-1:123456789012:alias/mongo""#);
    assert!(alias.iter().any(|p| p.rule.contains("is an alias")), "{alias:?}");
}

#[test]
fn tags_follow_aws_rules() {
    for (tags, key) in [
        ("[tags]\n\"aws:owner\" = \"x\"", "tags.aws:owner"),
        ("[tags]\n\"AWS:Owner\" = \"x\"", "tags.AWS:Owner"),
        ("[tags]\nOwner = \"\"", "tags.Owner"),
        ("[tags]\nOwner = \"aws:x\"", "tags.Owner"),
        ("[tags]\n\"semi;colon\" = \"x\"", "tags.semi;colon"),
        ("[tags]\nOwner = \"a,b\"", "tags.Owner"),
    ] {
        let p = problems(tags);
        assert!(p.iter().any(|p| p.key == key), "{tags}: expected {key}, got {p:?}");
    }
    assert_eq!(problems("[tags]\n\"cost-center\" = \"Kostenstelle 4711 / Ü\""), Vec::new());
    let many: String = (0..50).map(|i| format!("k{i} = \"v\"\n")).collect();
    assert!(problems(&format!("[tags]\n{many}")).iter().any(|p| p.key == "tags"));
}

#[test]
fn retention_and_catch_up_outside_what_the_runtime_accepts_are_rejected() {
    assert_rejects("retention_days = 0", "retention_days", "between 1 and 36500");
    assert_rejects("catch_up_limit = 97", "catch_up_limit", "between 0 and 96");
    assert_eq!(problems("retention_days = 30\ncatch_up_limit = 10"), Vec::new());
}

#[test]
fn retention_shorter_than_the_catch_up_horizon_is_warned_about_not_refused() {
    let settings = |extra: &str| {
        let d: Deployment = toml::from_str(&format!("{BASE}\n{extra}")).unwrap_or_else(|e| panic!("{e}"));
        validate(&d).unwrap_or_else(|p| panic!("{p:?}"))
    };
    assert_eq!(settings("").retention_warning(), None, "the defaults (90 days, 4 windows) fit");
    let w = settings("retention_days = 3").retention_warning().unwrap_or_default();
    assert!(w.contains("retention_days = 3") && w.contains("keep at least 5 days"), "{w}");
    assert_eq!(settings("retention_days = 3\ncatch_up_limit = 2").retention_warning(), None);
}

/// The deployment key that becomes the task variable `var`.
fn key_of(var: &str) -> &'static str {
    match var {
        "OUTPUT_URL" => "output_url",
        "MONGODB_DATABASE" => "mongodb_database",
        "SCHEDULE_TIMEZONE" => "schedule_timezone",
        other => panic!("no deployment key writes {other}"),
    }
}

#[test]
fn every_value_the_runtime_rejects_is_rejected_with_the_runtimes_reason() {
    for (var, value) in task_env::rejected_examples() {
        let key = key_of(var);
        let reason = task_env::rejection(var, &value).unwrap_or_else(|| panic!("{var}={value:?} is accepted"));
        let p = top_level(key, &toml::Value::String(value.clone()).to_string());
        assert!(p.iter().any(|p| p.key == key && p.rule == reason), "{key} = {value:?}: want {reason:?}, got {p:?}");
    }
}

#[test]
fn a_local_output_url_is_not_a_deployment() {
    let p = top_level("output_url", r#""file:///tmp/out""#);
    assert!(p.iter().any(|p| p.key == "output_url" && p.rule.contains("infra deploys to S3")), "{p:?}");
}
