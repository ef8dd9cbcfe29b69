//! Helpers for the infra end-to-end tests: a deployment file per test, and a few reads from moto
//! that the SDK crates of this workspace do not cover (EC2 subnets).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;

use crate::support::{Cli, Moto, Output};

/// A deployment file in a temporary directory, pointing at one moto server.
pub struct Deploy {
    /// Kept so the directory lives as long as the test.
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    pub subnet: String,
}

/// The resources a deployment manages: eight shared (roles, cluster, bucket, dead-letter queue,
/// schedule group, ...), six for alerting (topic, four Scheduler alarms, the task-failed-to-start
/// rule) and four per process of the catalog (task definition, schedule, log group,
/// no-successful-window alarm).
pub fn resource_count() -> usize {
    14 + 4 * crate::support::process_names().len()
}

pub const BUCKET: &str = "ip-infra-test";
pub const SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mongo-uri-AbCdEf";

impl Deploy {
    /// The standard test deployment with `extra` TOML appended (tables for processes, ...).
    pub fn new(moto: &Moto, extra: &str) -> Deploy {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let path = dir.path().join("intervalprocessing.toml");
        let subnet = default_subnets(moto).into_iter().next().unwrap_or_else(|| panic!("moto has no default subnet"));
        let d = Deploy { _dir: dir, path, subnet };
        d.write(extra);
        d
    }

    pub fn write(&self, extra: &str) {
        let text = format!(
            r#"
region = "us-east-1"
image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/intervalprocessing:1.0.0"
schedule_timezone = "Europe/Berlin"
subnets = ["{subnet}"]
security_groups = ["sg-0123456789abcdef0"]
mongodb_uri_secret = "{SECRET}"
mongodb_database = "ipdb"
output_url = "s3://{BUCKET}/GeneratedFiles/"
log_retention_days = 14
stop_timeout_seconds = 90

[tags]
Team = "metering"

[process.NightlyDataChange]
cron = "cron(0 2 * * ? *)"
cpu = 512
memory = 2048
timeout = "90m"
retry_attempts = 2
max_event_age_seconds = 1800

{extra}
"#,
            subnet = self.subnet
        );
        std::fs::write(&self.path, text).unwrap_or_else(|e| panic!("write {}: {e}", self.path.display()));
    }

    /// `intervalprocessing infra --config FILE ARGS...` against `moto`.
    pub fn infra(&self, moto: &Moto, args: &[&str]) -> Output {
        self.cli(moto.cli(), args)
    }

    pub fn cli(&self, cli: Cli, args: &[&str]) -> Output {
        let path = self.path.display().to_string();
        let mut all = vec!["infra", "--config", path.as_str()];
        all.extend_from_slice(args);
        cli.args(all).run()
    }

    /// Replaces `from` with `to` in the file.
    pub fn edit(&self, from: &str, to: &str) {
        let text = std::fs::read_to_string(&self.path).unwrap_or_else(|e| panic!("{e}"));
        assert!(text.contains(from), "{from:?} is not in the deployment file");
        std::fs::write(&self.path, text.replace(from, to)).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The subnet ids of moto's default VPC (EC2 DescribeSubnets over the query protocol; no SDK crate needed).
pub fn default_subnets(moto: &Moto) -> Vec<String> {
    let body = "Action=DescribeSubnets&Version=2016-11-15";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {len}\r\nConnection: close\r\n\r\n{body}",
        port = moto.port,
        len = body.len()
    );
    let mut stream = TcpStream::connect(("127.0.0.1", moto.port)).unwrap_or_else(|e| panic!("connect moto: {e}"));
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("send: {e}"));
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap_or_else(|e| panic!("read: {e}"));
    let mut ids: Vec<String> = response
        .split("<subnetId>")
        .skip(1)
        .filter_map(|s| s.split_once("</subnetId>").map(|(id, _)| id.to_owned()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Decodes an IAM policy document (IAM returns them URL-encoded; moto may not).
pub fn policy_json(text: &str) -> serde_json::Value {
    if let Ok(v) = serde_json::from_str(text) {
        return v;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = if bytes[i] == b'%' && i + 2 < bytes.len() {
            std::str::from_utf8(&bytes[i + 1..=i + 2]).ok()
        } else {
            None
        };
        if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    serde_json::from_slice(&out).unwrap_or_else(|e| panic!("policy is not JSON ({e}): {text}"))
}

/// Every string in a JSON value that is a list or a single string.
pub fn strings(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

/// The three roles infra manages.
pub const ROLES: [&str; 3] =
    ["IntervalProcessing-TaskExecution", "IntervalProcessing-Task", "IntervalProcessing-Scheduler"];

/// The inline policy `name` of `role`, read back from IAM.
pub async fn inline_policy(iam: &aws_sdk_iam::Client, role: &str, name: &str) -> serde_json::Value {
    let doc = iam
        .get_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{role}/{name}: {e:?}"));
    policy_json(doc.policy_document())
}

/// Every inline policy of the managed roles: (role, policy name, document).
pub async fn role_policies(iam: &aws_sdk_iam::Client) -> Vec<(String, String, serde_json::Value)> {
    let mut out = Vec::new();
    for role in ROLES {
        let names = iam.list_role_policies().role_name(role).send().await.unwrap_or_else(|e| panic!("{e:?}"));
        for name in names.policy_names() {
            out.push((role.to_owned(), name.clone(), inline_policy(iam, role, name).await));
        }
    }
    out
}
