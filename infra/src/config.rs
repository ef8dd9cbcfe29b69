//! The deployment file (TOML): the single source of truth for `infra`.
//! Every key is documented in `infra/README.md` and in the commented `deploy/intervalprocessing.toml`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::InfraError;

/// The whole deployment file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// AWS region of every resource, e.g. `us-east-1`.
    pub region: String,
    /// Container image, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/intervalprocessing:latest`.
    pub image: String,
    /// ECS cluster name.
    #[serde(default = "default_name")]
    pub cluster: String,
    /// ECR repository name (created with scan on push).
    #[serde(default = "default_name")]
    pub ecr_repository: String,
    /// EventBridge Scheduler schedule group holding the five schedules.
    #[serde(default = "default_name")]
    pub schedule_group: String,
    /// IANA time zone the crons are evaluated in (`SCHEDULE_TIMEZONE`).
    #[serde(default = "default_timezone")]
    pub schedule_timezone: String,
    /// Subnet ids for the tasks (awsvpc).
    pub subnets: Vec<String>,
    /// Security group ids for the tasks.
    pub security_groups: Vec<String>,
    /// ARN of the Secrets Manager secret or SSM parameter holding the MongoDB URI.
    pub mongodb_uri_secret: String,
    /// ARN of the customer-managed KMS key that encrypts the MongoDB URI secret, if any: the
    /// execution role may then decrypt with it, through the secret's service only.
    #[serde(default)]
    pub mongodb_uri_kms_key: Option<String>,
    /// `MONGODB_DATABASE` of the tasks.
    #[serde(default = "default_name")]
    pub mongodb_database: String,
    /// `OUTPUT_URL` of the tasks: `s3://BUCKET/PREFIX/`; the bucket is managed here.
    pub output_url: String,
    /// CloudWatch Logs retention of the five log groups, in days.
    #[serde(default = "default_log_retention")]
    pub log_retention_days: i32,
    /// Fargate ephemeral storage in GiB (21-200).
    #[serde(default = "default_ephemeral")]
    pub ephemeral_storage_gib: i32,
    /// Seconds ECS waits after SIGTERM before SIGKILL (container stopTimeout, 2-120).
    #[serde(default = "default_stop_timeout")]
    pub stop_timeout_seconds: i32,
    /// Days after which incomplete multipart uploads in the bucket are aborted.
    #[serde(default = "default_abort_days")]
    pub abort_incomplete_uploads_after_days: i32,
    /// `RETENTION_DAYS` of the tasks: local days of raw readings NightlyDataChange keeps
    /// (default: the runtime's, 90).
    pub retention_days: Option<u32>,
    /// `CATCH_UP_LIMIT` of the tasks: windows before the due one a scheduled run looks back at
    /// (default: the runtime's, 4).
    pub catch_up_limit: Option<u32>,
    /// Email addresses subscribed to the alarm topic (each must confirm by mail).
    #[serde(default)]
    pub alarm_emails: Vec<String>,
    /// Extra tags on every managed resource (`ManagedBy` is always added).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// One table per process, `[process.<Name>]`.
    #[serde(default)]
    pub process: BTreeMap<String, ProcessConfig>,
}

/// `[process.<Name>]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessConfig {
    /// EventBridge Scheduler expression; default: the process's cron from DESIGN §2.
    pub cron: Option<String>,
    /// Fargate task CPU units (256, 512, 1024, ...).
    #[serde(default = "default_cpu")]
    pub cpu: i32,
    /// Fargate task memory in MiB.
    #[serde(default = "default_memory")]
    pub memory: i32,
    /// The run deadline (`RUN_TIMEOUT`), humantime (`12m`, `2h`); shorter than the cadence.
    pub timeout: Option<String>,
    /// Whether the schedule is ENABLED; schedules are created DISABLED by default.
    #[serde(default)]
    pub enabled: bool,
    /// Scheduler delivery retries (0-185).
    #[serde(default = "default_retry_attempts")]
    pub retry_attempts: i32,
    /// Maximum age of an undelivered event in seconds (60-86400, at most one cadence);
    /// default: the cadence, capped at one hour.
    pub max_event_age_seconds: Option<i32>,
    /// The "no successful window" alarm fires after this many cadences without a success.
    #[serde(default = "default_alarm_after_cadences")]
    pub alarm_after_cadences: i32,
}

fn default_name() -> String {
    "intervalprocessing".to_owned()
}
fn default_timezone() -> String {
    "UTC".to_owned()
}
fn default_log_retention() -> i32 {
    30
}
fn default_ephemeral() -> i32 {
    21
}
fn default_stop_timeout() -> i32 {
    120
}
fn default_abort_days() -> i32 {
    7
}
fn default_cpu() -> i32 {
    1024
}
fn default_memory() -> i32 {
    3072
}
fn default_retry_attempts() -> i32 {
    3
}
pub(crate) fn default_alarm_after_cadences() -> i32 {
    3
}

impl Deployment {
    /// Reads and parses the file (syntax and types only; [`crate::validate`] checks the rules).
    pub fn load(path: &Path) -> Result<Deployment, InfraError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InfraError::ConfigRead { path: path.display().to_string(), reason: e.to_string() })?;
        toml::from_str(&text)
            .map_err(|e| InfraError::ConfigRead { path: path.display().to_string(), reason: e.to_string() })
    }
}
