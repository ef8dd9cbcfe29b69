//! Offline validation of the deployment file: every rule that AWS would enforce (or that keeps the
//! runtime correct) is checked here, before any AWS call. Each problem names the key and the rule.

use std::time::Duration;

use chrono_tz::Tz;
use intervalprocessing_jobs::spec::SHUTDOWN_BOOKKEEPING;
use intervalprocessing_jobs::{Cadence, Process};
use intervalprocessing_jobs::{OutputUrl, retention, task_env};

use crate::aws_rules;
use crate::config::{Deployment, ProcessConfig};
use crate::cron::AwsSchedule;
use crate::image::ImageRef;
use crate::partition::Partition;
pub use crate::problem::Problem;
use crate::secret_ref::SecretRef;
use crate::{fargate, names};

/// The deployment file after validation: parsed values, defaults filled, processes in catalog order.
#[derive(Debug, Clone)]
pub struct Settings {
    pub file: Deployment,
    pub tz: Tz,
    pub partition: Partition,
    /// The image the task definitions run: the file's (or `--image`), pinned to a digest once
    /// resolved (see [`crate::commands`]).
    pub image: ImageRef,
    /// The MongoDB URI secret, parsed.
    pub secret: SecretRef,
    pub bucket: String,
    /// The key prefix inside the bucket, `""` or ending in `/`.
    pub prefix: String,
    /// `SHUTDOWN_GRACE` in seconds, below the stop timeout.
    pub shutdown_grace_seconds: i32,
    pub processes: Vec<ProcessSettings>,
}

#[derive(Debug, Clone)]
pub struct ProcessSettings {
    pub process: Process,
    pub expression: String,
    pub schedule: AwsSchedule,
    pub cpu: i32,
    pub memory: i32,
    pub timeout: Duration,
    pub enabled: bool,
    pub retry_attempts: i32,
    pub max_event_age_seconds: i32,
    /// Cadences without a successful window before its alarm fires.
    pub alarm_after_cadences: i32,
}

impl Settings {
    /// The warning when the tasks' `RETENTION_DAYS` is shorter than their catch-up horizon: a
    /// daily window caught up late would find its readings removed and be refused.
    pub fn retention_warning(&self) -> Option<String> {
        let days = self.file.retention_days.unwrap_or(retention::DEFAULT_RETENTION_DAYS);
        let limit = self.file.catch_up_limit.unwrap_or(retention::DEFAULT_CATCH_UP_LIMIT);
        retention::shorter_than_catch_up(days, limit).map(|needed| {
            format!(
                "retention_days = {days} is shorter than the catch-up horizon of catch_up_limit = {limit} \
                 ({needed} days for the daily processes): a daily window caught up late may find its readings \
                 removed and be refused; keep at least {needed} days"
            )
        })
    }

    pub fn output_url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }
}

const LOG_RETENTION_DAYS: [i32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// Checks every rule; all problems are reported at once.
pub fn validate(d: &Deployment) -> Result<Settings, Vec<Problem>> {
    let mut p = Vec::new();
    let mut bad = |key: &str, rule: String| p.push(Problem { key: key.to_owned(), rule });

    let partition = match Partition::of_region(&d.region) {
        Ok(p) => Some(p),
        Err(rule) => {
            bad("region", rule);
            None
        }
    };
    let image = match ImageRef::parse(&d.image) {
        Ok(i) => Some(i),
        Err(rule) => {
            bad("image", rule);
            None
        }
    };
    if let Some(rule) = aws_rules::cluster_name(&d.cluster) {
        bad("cluster", rule);
    }
    if let Some(rule) = aws_rules::scheduler_name(&d.schedule_group) {
        bad("schedule_group", rule);
    }
    if let Some(rule) = aws_rules::ecr_repository_name(&d.ecr_repository) {
        bad("ecr_repository", rule);
    }
    let tz = match task_env::time_zone(&d.schedule_timezone) {
        Ok(tz) => Some(tz),
        Err(rule) => {
            bad("schedule_timezone", rule);
            None
        }
    };
    check_ids(&mut bad, "subnets", &d.subnets, "subnet-", 16);
    check_ids(&mut bad, "security_groups", &d.security_groups, "sg-", 5);
    let secret = match SecretRef::parse(&d.mongodb_uri_secret, &d.region) {
        Ok(s) => Some(s),
        Err(rule) => {
            bad("mongodb_uri_secret", rule);
            None
        }
    };
    if let Some(key) = &d.mongodb_uri_kms_key
        && let Some(rule) = aws_rules::kms_key_arn(key, &d.region)
    {
        bad("mongodb_uri_kms_key", rule);
    }
    if let Err(rule) = task_env::database_name(&d.mongodb_database) {
        bad("mongodb_database", rule);
    }
    let output = s3_output(&d.output_url);
    if let Err(rule) = &output {
        bad("output_url", rule.clone());
    }
    if !LOG_RETENTION_DAYS.contains(&d.log_retention_days) {
        bad(
            "log_retention_days",
            format!("{} is not a CloudWatch Logs retention; allowed: {LOG_RETENTION_DAYS:?}", d.log_retention_days),
        );
    }
    let ranges = [
        ("retention_days", d.retention_days, retention::RETENTION_DAYS_RANGE),
        ("catch_up_limit", d.catch_up_limit, retention::CATCH_UP_LIMIT_RANGE),
    ];
    for (key, value, range) in ranges {
        if let Some(Err(rule)) = value.map(|v| task_env::in_range(v, &range)) {
            bad(key, rule);
        }
    }
    if let Some(rule) = fargate::check_ephemeral_storage(d.ephemeral_storage_gib) {
        bad("ephemeral_storage_gib", rule);
    }
    if !(2..=120).contains(&d.stop_timeout_seconds) {
        bad("stop_timeout_seconds", format!("Fargate allows 2-120 seconds, not {}", d.stop_timeout_seconds));
    }
    if d.abort_incomplete_uploads_after_days < 1 {
        bad("abort_incomplete_uploads_after_days", "must be at least 1 day".to_owned());
    }
    if d.tags.len() > aws_rules::MAX_FILE_TAGS {
        bad(
            "tags",
            format!("at most {} tags (AWS allows 50 per resource and infra adds ManagedBy)", aws_rules::MAX_FILE_TAGS),
        );
    }
    for (k, v) in &d.tags {
        let key = format!("tags.{k}");
        if k == names::MANAGED_BY_KEY {
            bad(&key, format!("{k} is reserved: infra sets it on everything it manages"));
        } else if let Some(rule) = aws_rules::tag_key(k).or_else(|| aws_rules::tag_value(v)) {
            bad(&key, rule);
        }
    }
    for (i, email) in d.alarm_emails.iter().enumerate() {
        if let Some(rule) = alarms::email(email) {
            bad(&format!("alarm_emails[{i}]"), rule);
        }
    }
    for name in d.process.keys() {
        if !Process::all().any(|p| p.name() == name) {
            bad(
                &format!("process.{name}"),
                format!("unknown process; valid processes are: {}", Process::valid_names()),
            );
        }
    }
    let mut processes = Vec::new();
    for process in Process::all() {
        let fallback = ProcessConfig {
            cron: None,
            cpu: 1024,
            memory: 3072,
            timeout: None,
            enabled: false,
            retry_attempts: 3,
            max_event_age_seconds: None,
            alarm_after_cadences: crate::config::default_alarm_after_cadences(),
        };
        let c = d.process.get(process.name()).unwrap_or(&fallback);
        if let Some(ps) = check_process(&mut bad, process, c) {
            processes.push(ps);
        }
    }
    match (p.is_empty(), tz, output, partition, image, secret) {
        (true, Some(tz), Ok((bucket, prefix)), Some(partition), Some(image), Some(secret)) => Ok(Settings {
            file: d.clone(),
            tz,
            partition,
            image,
            secret,
            bucket,
            prefix,
            shutdown_grace_seconds: shutdown_grace(d.stop_timeout_seconds),
            processes,
        }),
        _ => Err(p),
    }
}

fn check_ids(bad: &mut impl FnMut(&str, String), key: &str, ids: &[String], prefix: &str, max: usize) {
    if ids.is_empty() || ids.len() > max {
        bad(key, format!("give 1-{max} ids"));
    }
    for id in ids {
        if !id.starts_with(prefix)
            || id.len() <= prefix.len()
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            bad(key, format!("{id:?} is not an id like {prefix}0123abcd"));
        }
    }
}

fn check_process(bad: &mut impl FnMut(&str, String), process: Process, c: &ProcessConfig) -> Option<ProcessSettings> {
    let key = |field: &str| format!("process.{}.{field}", process.name());
    let cadence = process.cadence();
    let expression = c.cron.clone().unwrap_or_else(|| process.default_cron().to_owned());
    let schedule = match AwsSchedule::parse(&expression) {
        Ok(s) => Some(s),
        Err(e) => {
            bad(&key("cron"), format!("{expression}: {e}"));
            None
        }
    };
    if let Some(s) = &schedule {
        if s.min_period() < Duration::from_secs(60) {
            bad(&key("cron"), format!("{expression} fires more often than once a minute"));
        }
        let fits = match cadence {
            Cadence::Minutes(m) => s.fixed_period() == Some(Duration::from_secs(u64::from(m) * 60)),
            Cadence::Daily => s.min_period() >= Duration::from_secs(86_400),
        };
        if !fits {
            let want = match cadence {
                Cadence::Minutes(m) => format!("fire every {m} minutes, every day"),
                Cadence::Daily => "fire at most once a day".to_owned(),
            };
            bad(
                &key("cron"),
                format!(
                    "{expression} does not match the {} cadence of {}: it must {want}",
                    cadence.label(),
                    process.name()
                ),
            );
        }
    }
    if let Some(rule) = fargate::check_size(c.cpu, c.memory) {
        bad(&key("memory"), rule);
    }
    let timeout = match &c.timeout {
        None => Some(process.default_timeout()),
        Some(t) => match humantime::parse_duration(t) {
            Ok(d) if d.as_secs() >= 1 => Some(d),
            Ok(_) => {
                bad(&key("timeout"), "must be at least 1s".to_owned());
                None
            }
            Err(e) => {
                bad(&key("timeout"), format!("{t:?} is not a duration like 12m or 2h: {e}"));
                None
            }
        },
    };
    if let Some(t) = timeout
        && t >= cadence.nominal_length()
    {
        bad(
            &key("timeout"),
            format!("{} must be shorter than the {} cadence", humantime::format_duration(t), cadence.label()),
        );
    }
    if !(0..=185).contains(&c.retry_attempts) {
        bad(&key("retry_attempts"), format!("Scheduler allows 0-185 attempts, not {}", c.retry_attempts));
    }
    let cadence_secs = i32::try_from(cadence.nominal_length().as_secs()).unwrap_or(i32::MAX);
    let max_age = c.max_event_age_seconds.unwrap_or(cadence_secs.min(3600));
    if !(60..=86_400).contains(&max_age) || max_age > cadence_secs {
        bad(
            &key("max_event_age_seconds"),
            format!("must be 60-86400 seconds and at most one cadence ({cadence_secs} s), not {max_age}"),
        );
    }
    if let Some(rule) = alarms::alarm_after_cadences(cadence.nominal_length(), c.alarm_after_cadences) {
        bad(&key("alarm_after_cadences"), rule);
    }
    Some(ProcessSettings {
        process,
        expression,
        schedule: schedule?,
        cpu: c.cpu,
        memory: c.memory,
        timeout: timeout?,
        enabled: c.enabled,
        retry_attempts: c.retry_attempts,
        max_event_age_seconds: max_age,
        alarm_after_cadences: c.alarm_after_cadences,
    })
}

/// `OUTPUT_URL` of the tasks, by the runtime's own rule; and S3, since infra manages the bucket.
/// -> (bucket, prefix ending in `/` or empty).
fn s3_output(url: &str) -> Result<(String, String), String> {
    match task_env::output_url(url)? {
        OutputUrl::S3 { bucket, prefix } => Ok((bucket, prefix)),
        OutputUrl::File { .. } => {
            Err("infra deploys to S3: use s3://BUCKET/PREFIX/ (file:// is for local runs)".into())
        }
    }
}

mod alarms;
#[cfg(test)]
mod tests;

/// `SHUTDOWN_GRACE` for a container `stopTimeout`: the runtime needs [`SHUTDOWN_BOOKKEEPING`] after
/// the grace (ledger, lease), plus 5 s of slack, before ECS sends SIGKILL. A stop timeout too short
/// for that keeps a quarter of it for the job (at least 1 s) and the rest for the bookkeeping.
pub fn shutdown_grace(stop_timeout_seconds: i32) -> i32 {
    let reserve = i32::try_from(SHUTDOWN_BOOKKEEPING.as_secs()).unwrap_or(15) + 5;
    if stop_timeout_seconds >= 2 * reserve { stop_timeout_seconds - reserve } else { (stop_timeout_seconds / 4).max(1) }
}
