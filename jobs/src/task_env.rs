//! The rules of the task environment, stated once: the runtime checks the variables it reads with
//! them, and `infra validate` checks the deployment file values it writes into the task
//! definitions with them, so a value `infra validate` accepts never makes a task exit 3, and both
//! give the same reason text.

use std::ops::RangeInclusive;

use chrono_tz::Tz;

use crate::store::OutputUrl;

/// What EventBridge Scheduler puts into `SCHEDULED_TIME` (the schedule's container override
/// passes it); the runtime treats the literal, unsubstituted text as absent.
pub const SCHEDULED_TIME_PLACEHOLDER: &str = "<aws.scheduler.scheduled-time>";

/// `MONGODB_DATABASE`: a MongoDB database name, or why not.
pub fn database_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 63 || name.contains(['/', '\\', '.', ' ', '"', '$', '\0']) {
        return Err("use 1-63 characters and none of / \\ . space \" $".to_owned());
    }
    Ok(())
}

/// `OUTPUT_URL`: `s3://BUCKET/PREFIX/` or `file:///ABSOLUTE/DIR`, or why not.
pub fn output_url(url: &str) -> Result<OutputUrl, String> {
    OutputUrl::parse(url).map_err(|e| e.reason)
}

/// `SCHEDULE_TIMEZONE`: an IANA time zone name, or why not.
pub fn time_zone(name: &str) -> Result<Tz, String> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| "not an IANA time zone name (e.g. UTC, Europe/London, America/New_York)".to_owned())
}

/// A whole-number setting (`RETENTION_DAYS`, `CATCH_UP_LIMIT`, ...) inside `range`, or why not.
pub fn in_range(n: u32, range: &RangeInclusive<u32>) -> Result<u32, String> {
    if range.contains(&n) { Ok(n) } else { Err(format!("must be between {} and {}", range.start(), range.end())) }
}

/// The variables that point the SDK's S3 client at another endpoint (a local stand-in).
pub const S3_ENDPOINT_VARIABLES: [&str; 2] = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"];

/// Whether S3 is addressed path-style: yes when an endpoint variable is set (a local stand-in
/// such as moto or MinIO serves buckets under its own host name), no for AWS itself.
/// `is_set` answers whether an environment variable is set (`std::env::var_os(v).is_some()`).
pub fn s3_path_style(is_set: impl Fn(&str) -> bool) -> bool {
    S3_ENDPOINT_VARIABLES.iter().any(|v| is_set(v))
}

/// [`s3_path_style`] from this process's environment.
pub fn s3_path_style_from_env() -> bool {
    s3_path_style(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

/// Values the runtime rejects, by variable: the tests of both sides (here, in the runner and in
/// `infra validate`) iterate this one list.
pub fn rejected_examples() -> Vec<(&'static str, String)> {
    let output_urls = [
        "s3://bucket/a b/",
        "s3://bucket/a/../b/",
        "s3://bucket/./x/",
        "s3://bucket/caf\u{e9}/",
        "s3://bucket/a+b/",
        "s3://bucket/a*b/",
        &format!("s3://bucket/{}/", "p".repeat(129)),
        "s3://Bad_Bucket/x/",
        "s3://10.0.0.1/x/",
        "s3://xn--bucket/x/",
        "s3://ab/",
        "s3://",
        "ftp://files.example.com/out/",
    ]
    .map(|v| ("OUTPUT_URL", v.to_owned()));
    let databases =
        ["a/b", "a.b", "a b", "a$b", "a\"b", "a\\b", &"d".repeat(64)].map(|v| ("MONGODB_DATABASE", v.to_owned()));
    let zones = ["Europe/Londn", "CEST"].map(|v| ("SCHEDULE_TIMEZONE", v.to_owned()));
    output_urls.into_iter().chain(databases).chain(zones).collect()
}

/// The reason the runtime's rule for `var` gives for `value`, or `None` when it accepts it.
pub fn rejection(var: &str, value: &str) -> Option<String> {
    match var {
        "OUTPUT_URL" => output_url(value).err(),
        "MONGODB_DATABASE" => database_name(value).err(),
        "SCHEDULE_TIMEZONE" => time_zone(value).err(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_value_is_rejected_by_its_rule() {
        for (var, value) in rejected_examples() {
            assert!(rejection(var, &value).is_some(), "{var}={value:?} must be rejected");
        }
        assert_eq!(database_name(""), Err("use 1-63 characters and none of / \\ . space \" $".to_owned()));
        assert_eq!(database_name("intervalprocessing"), Ok(()));
        assert!(output_url("s3://intervalprocessing/GeneratedFiles/").is_ok());
    }

    #[test]
    fn an_endpoint_variable_means_path_style() {
        assert!(!s3_path_style(|_| false));
        assert!(s3_path_style(|v| v == "AWS_ENDPOINT_URL"));
        assert!(s3_path_style(|v| v == "AWS_ENDPOINT_URL_S3"));
        assert!(!s3_path_style(|v| v == "AWS_ENDPOINT_URL_SQS"));
    }

    #[test]
    fn out_of_range_numbers_say_the_range() {
        assert_eq!(in_range(0, &(1..=36500)), Err("must be between 1 and 36500".to_owned()));
        assert_eq!(in_range(5, &(1..=36500)), Ok(5));
    }
}
