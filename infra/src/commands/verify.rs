//! `infra verify`: a preflight of what `validate` cannot see offline and the first run would find
//! out too late. The image exists (an ECR tag resolves, and to which digest), the subnets and
//! security groups exist in the region and share one VPC, the MongoDB URI secret exists, the log
//! groups exist and the schedule group is ACTIVE. Each check prints one line: ok, problem, or could
//! not check (and why: a denied call is named). Any problem fails the command (exit 1).

mod check;
mod deployed;
mod image;
mod network;
mod requests;
mod secret;

use check::{Check, Status, count, summary};

use super::connect::connect;
use crate::InfraOutcome;
use crate::console::Console;
use crate::error::InfraError;
use crate::validate::Settings;

pub async fn run(s: &Settings, out: &Console) -> Result<InfraOutcome, InfraError> {
    let aws = connect(s, out).await?;
    let ec2 = aws_sdk_ec2::Client::new(&aws.conf);
    let mut all: Vec<Check> = Vec::new();
    let mut group = |title: &str, checks: Vec<Check>| {
        out.line(title);
        for c in &checks {
            out.line(c.line());
        }
        all.extend(checks);
    };
    group("image", vec![image::check(&aws, &s.image).await]);
    group("network", network::checks(&ec2, &s.file.region, &s.file.subnets, &s.file.security_groups).await);
    group("MongoDB URI secret", vec![secret::check(&aws, &s.secret).await]);
    group("log groups", deployed::log_groups(&aws, s).await);
    group("schedule group", vec![deployed::schedule_group(&aws, &s.file.schedule_group).await]);
    out.line(summary(&all));
    match count(&all, Status::Problem) {
        0 => Ok(InfraOutcome::Done),
        n => Err(InfraError::Failed(format!(
            "infra verify found {n} problem{} (marked `problem` above)",
            if n == 1 { "" } else { "s" }
        ))),
    }
}

#[cfg(test)]
mod tests {
    /// Every call `verify` makes (the log group lookup is `plan`'s: it reads the tags too).
    const CALLS: [&str; 8] = [
        "ecr:DescribeImages",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "secretsmanager:DescribeSecret",
        "ssm:DescribeParameters",
        "logs:DescribeLogGroups",
        "logs:ListTagsForResource",
        "scheduler:GetScheduleGroup",
    ];

    #[test]
    fn the_operator_policy_allows_every_read_verify_makes() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../operator-policy.json")).unwrap_or_else(|e| panic!("{e}"));
        let statements = doc["Statement"].as_array().cloned().unwrap_or_default();
        let allowed: Vec<String> = statements
            .iter()
            .flat_map(|s| match &s["Action"] {
                serde_json::Value::String(a) => vec![a.clone()],
                other => other.as_array().into_iter().flatten().filter_map(|a| a.as_str().map(str::to_owned)).collect(),
            })
            .collect();
        for call in CALLS {
            assert!(allowed.iter().any(|a| a == call), "{call} missing from infra/operator-policy.json");
        }
    }
}
