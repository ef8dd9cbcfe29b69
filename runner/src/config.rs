//! Runtime configuration from the environment (12-factor), validated up front: a bad value is a
//! configuration error (exit 3) that names the variable, before anything is touched.

use std::ops::RangeInclusive;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use intervalprocessing_jobs::OutputUrl;
use intervalprocessing_jobs::{retention, task_env};

use crate::error::AppError;
use crate::secret::{SecretUri, redact};

pub const DEFAULT_MONGODB_URI: &str = "mongodb://127.0.0.1:27017";
pub const DEFAULT_DATABASE: &str = "intervalprocessing";
pub const DEFAULT_OUTPUT_URL: &str = "s3://intervalprocessing/GeneratedFiles/";

/// Upper bounds of the duration settings: past them a value is a mistake (a unit typo), and
/// bounded values keep every deadline and lease expiry far inside the range of time arithmetic.
/// `RUN_TIMEOUT` and `--timeout`: a week.
pub const MAX_RUN_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);
/// `SHUTDOWN_GRACE`: ten minutes (ECS gives a stopping task at most 120 s).
pub const MAX_SHUTDOWN_GRACE: Duration = Duration::from_secs(10 * 60);
/// `LEASE_TTL`: ten minutes (a holder killed with SIGKILL blocks the next run that long).
pub const MAX_LEASE_TTL: Duration = Duration::from_secs(10 * 60);

/// `DEPENDENCY_WAIT`: an hour (a dependant waits at most half its own deadline anyway).
pub const MAX_DEPENDENCY_WAIT: Duration = Duration::from_secs(3600);

/// What EventBridge Scheduler sends when it did not substitute its context attribute.
pub use intervalprocessing_jobs::task_env::SCHEDULED_TIME_PLACEHOLDER;

#[derive(Debug, Clone)]
pub struct Config {
    /// `MONGODB_URI`; shown only redacted.
    pub mongodb_uri: SecretUri,
    pub mongodb_database: String,
    pub output_url: OutputUrl,
    pub tz: Tz,
    /// `SCHEDULED_TIME`, set by EventBridge Scheduler through the container override.
    pub scheduled_time: Option<DateTime<Utc>>,
    /// `RUN_TIMEOUT`: overrides the process's default deadline.
    pub run_timeout: Option<Duration>,
    /// `SHUTDOWN_GRACE`: how long a stopping job may take to reach a safe point.
    pub shutdown_grace: Duration,
    /// `LEASE_TTL`: how long a lease lives without a heartbeat.
    pub lease_ttl: Duration,
    /// `CATCH_UP_LIMIT`: how many windows before the due one a scheduled run looks back at.
    pub catch_up_limit: u32,
    /// `MAX_WINDOW_ATTEMPTS`: attempts at a window after which catch-up gives up on it.
    pub max_window_attempts: u32,
    /// `RETENTION_DAYS`: raw readings kept by NightlyDataChange.
    pub retention_days: u32,
    /// `DEPENDENCY_WAIT`: how long a run waits in all for the upstream windows its windows depend
    /// on before it records them `skipped`; 0 does not wait.
    pub dependency_wait: Duration,
}

/// Looks a variable up.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn bad(var: &'static str, value: &str, reason: impl Into<String>) -> AppError {
    AppError::Config { var, value: value.to_owned(), reason: reason.into() }
}

fn duration(
    var: Lookup,
    name: &'static str,
    default: Duration,
    range: RangeInclusive<Duration>,
) -> Result<Duration, AppError> {
    let Some(v) = var(name) else { return Ok(default) };
    bounded_duration(&v, range).map_err(|e| bad(name, &v, e))
}

/// A duration within `range`, or why not.
pub fn bounded_duration(v: &str, range: RangeInclusive<Duration>) -> Result<Duration, String> {
    let d = parse_duration(v)?;
    if !range.contains(&d) {
        let (min, max) = (humantime::format_duration(*range.start()), humantime::format_duration(*range.end()));
        return Err(format!("must be between {min} and {max}"));
    }
    Ok(d)
}

/// `90`, `90s`, `15m`, `2h 30m`: plain numbers are seconds.
pub fn parse_duration(v: &str) -> Result<Duration, String> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(v.trim()).map_err(|e| format!("{e} (use seconds or a duration like 90s, 15m, 2h)"))
}

fn number(var: Lookup, name: &'static str, default: u32, range: RangeInclusive<u32>) -> Result<u32, AppError> {
    let Some(v) = var(name) else { return Ok(default) };
    let n: u32 = v.trim().parse().map_err(|_| bad(name, &v, "not a whole number"))?;
    task_env::in_range(n, &range).map_err(|reason| bad(name, &v, reason))
}

pub fn parse_tz(name: &'static str, v: &str) -> Result<Tz, AppError> {
    task_env::time_zone(v).map_err(|reason| bad(name, v, reason))
}

impl Config {
    pub fn from_env() -> Result<Config, AppError> {
        Config::from_lookup(&|name| std::env::var(name).ok())
    }

    /// The configuration from the variables `get` looks up; unset and empty are the same.
    pub fn from_lookup(get: Lookup) -> Result<Config, AppError> {
        let non_empty = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let var: Lookup = &non_empty;
        let mongodb_uri = var("MONGODB_URI").unwrap_or_else(|| DEFAULT_MONGODB_URI.to_owned());
        if !(mongodb_uri.starts_with("mongodb://") || mongodb_uri.starts_with("mongodb+srv://")) {
            return Err(bad("MONGODB_URI", &redact(&mongodb_uri), "must start with mongodb:// or mongodb+srv://"));
        }
        let mongodb_database = var("MONGODB_DATABASE").unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
        task_env::database_name(&mongodb_database)
            .map_err(|reason| bad("MONGODB_DATABASE", &mongodb_database, reason))?;
        let output = var("OUTPUT_URL").unwrap_or_else(|| DEFAULT_OUTPUT_URL.to_owned());
        let output_url = task_env::output_url(&output).map_err(|reason| bad("OUTPUT_URL", &output, reason))?;
        let tz = match var("SCHEDULE_TIMEZONE") {
            Some(v) => parse_tz("SCHEDULE_TIMEZONE", &v)?,
            None => Tz::UTC,
        };
        let scheduled_time = match var("SCHEDULED_TIME") {
            Some(v) => scheduled_time(&v)?,
            None => None,
        };
        let run_timeout = match var("RUN_TIMEOUT") {
            Some(_) => Some(duration(var, "RUN_TIMEOUT", Duration::ZERO, Duration::from_secs(1)..=MAX_RUN_TIMEOUT)?),
            None => None,
        };
        Ok(Config {
            mongodb_uri: SecretUri::new(mongodb_uri),
            mongodb_database,
            output_url,
            tz,
            scheduled_time,
            run_timeout,
            shutdown_grace: duration(
                var,
                "SHUTDOWN_GRACE",
                Duration::from_secs(20),
                Duration::from_secs(1)..=MAX_SHUTDOWN_GRACE,
            )?,
            lease_ttl: duration(var, "LEASE_TTL", Duration::from_secs(30), Duration::from_secs(3)..=MAX_LEASE_TTL)?,
            catch_up_limit: number(
                var,
                "CATCH_UP_LIMIT",
                retention::DEFAULT_CATCH_UP_LIMIT,
                retention::CATCH_UP_LIMIT_RANGE,
            )?,
            max_window_attempts: number(var, "MAX_WINDOW_ATTEMPTS", 3, 1..=100)?,
            dependency_wait: duration(
                var,
                "DEPENDENCY_WAIT",
                Duration::from_secs(120),
                Duration::ZERO..=MAX_DEPENDENCY_WAIT,
            )?,
            retention_days: number(
                var,
                "RETENTION_DAYS",
                retention::DEFAULT_RETENTION_DAYS,
                retention::RETENTION_DAYS_RANGE,
            )?,
        })
    }
}

/// `SCHEDULED_TIME`: RFC 3339. The literal placeholder means the schedule did not substitute it
/// (nothing public confirms substitution inside an ECS target's container overrides): warn and
/// use the current time, which gives the right due window for any start within one cadence.
fn scheduled_time(v: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    if v.trim() == SCHEDULED_TIME_PLACEHOLDER {
        tracing::warn!(
            "SCHEDULED_TIME is the literal {SCHEDULED_TIME_PLACEHOLDER}: the schedule did not substitute it; using the current time"
        );
        return Ok(None);
    }
    let t = DateTime::parse_from_rfc3339(v.trim())
        .map_err(|e| bad("SCHEDULED_TIME", v, format!("not an RFC 3339 time ({e}), e.g. 2026-11-22T02:00:00Z")))?;
    Ok(Some(t.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_past_their_bound_are_refused_without_overflow() {
        let lease = Duration::from_secs(3)..=MAX_LEASE_TTL;
        assert_eq!(bounded_duration("30s", lease.clone()), Ok(Duration::from_secs(30)));
        assert_eq!(bounded_duration("10m", lease.clone()), Ok(MAX_LEASE_TTL));
        for huge in
            ["601", "9000000000000", "10000000000000000", "100000000000000000000", "18446744073709551615", "500000y"]
        {
            let e = bounded_duration(huge, lease.clone());
            assert!(e.is_err(), "{huge}: {e:?}");
        }
        assert_eq!(bounded_duration("2s", lease), Err("must be between 3s and 10m".into()));
    }

    #[test]
    fn the_unsubstituted_scheduler_placeholder_means_now_and_other_garbage_is_an_error() {
        assert!(matches!(scheduled_time("<aws.scheduler.scheduled-time>"), Ok(None)));
        assert!(matches!(scheduled_time(" <aws.scheduler.scheduled-time> "), Ok(None)));
        assert!(matches!(scheduled_time("2026-01-02T03:04:05Z"), Ok(Some(_))));
        for v in ["<aws.scheduler.scheduled-time", "<aws.scheduler.execution-id>", "now"] {
            assert_eq!(scheduled_time(v).map_err(|e| e.outcome().exit_code()).err(), Some(3), "{v}");
        }
    }

    /// One list of bad values through both the runtime's check and `infra validate`: both reject
    /// each, with the same reason text.
    #[test]
    fn every_value_the_runtime_rejects_infra_validate_rejects_with_the_same_reason() {
        use intervalprocessing_infra::config::Deployment;
        use intervalprocessing_jobs::task_env;
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/intervalprocessing.toml");
        let deployment = Deployment::load(&example).unwrap_or_else(|e| panic!("{e}"));
        for (var, value) in task_env::rejected_examples() {
            let runtime = Config::from_lookup(&|name| (name == var).then(|| value.clone()));
            let Err(AppError::Config { reason, .. }) = runtime else {
                panic!("the runtime accepts {var}={value:?}");
            };
            let mut d = deployment.clone();
            let key = match var {
                "OUTPUT_URL" => {
                    d.output_url = value.clone();
                    "output_url"
                }
                "MONGODB_DATABASE" => {
                    d.mongodb_database = value.clone();
                    "mongodb_database"
                }
                "SCHEDULE_TIMEZONE" => {
                    d.schedule_timezone = value.clone();
                    "schedule_timezone"
                }
                other => panic!("no deployment key writes {other}"),
            };
            let problems = intervalprocessing_infra::validate::validate(&d).err().unwrap_or_default();
            assert!(
                problems.iter().any(|p| p.key == key && p.rule == reason),
                "{var}={value:?}: the runtime says {reason:?}, infra validate says {problems:?}"
            );
        }
    }

    #[test]
    fn durations_accept_seconds_and_humantime() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert!(parse_duration("soon").is_err());
    }
}
