//! Every IAM policy document `apply` writes, read back from AWS, passes the `parliament` linter
//! (all auditors, every severity) with exactly the two documented exceptions (infra/README.md):
//! `ecr:GetAuthorizationToken` on `*` (CREDENTIALS_EXPOSURE) in the execution role's policy and
//! `iam:PassRole` on the two task roles (PERMISSIONS_MANAGEMENT_ACTIONS) in the scheduler role's.
//! The operator policy is linted too. Trust policies are not linted: parliament requires a
//! `Resource`, which a trust policy cannot have (see the unit tests of `desired`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::infra::harness::{BUCKET, Deploy};
use crate::support::Moto;

/// `$IP_TEST_PARLIAMENT` (set by scripts/test), else the project venv's.
fn parliament() -> PathBuf {
    let path = std::env::var_os("IP_TEST_PARLIAMENT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/venv/bin/parliament"));
    assert!(path.exists(), "parliament not found at {} (run the tests through scripts/test)", path.display());
    path
}

/// Parliament's findings for one document, as (issue, actions).
fn lint(name: &str, doc: &str) -> Vec<(String, Vec<String>)> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join(format!("{name}.json"));
    std::fs::write(&file, doc).unwrap_or_else(|e| panic!("{e}"));
    // parliament reads a policy from stdin when stdin is not a terminal (and then refuses --file).
    let mut child = Command::new(parliament())
        .args(["--json", "--minimum_severity", "INFO", "--include-community-auditors"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("parliament: {e}"));
    child.stdin.take().map(|mut s| s.write_all(doc.as_bytes())).transpose().unwrap_or_else(|e| panic!("{e}"));
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("parliament: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.trim().is_empty(), "parliament failed on {name} ({}): {stderr}", file.display());
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("parliament output {l:?} for {name}: {e}"));
            let actions = v["location"]["actions"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            (v["issue"].as_str().unwrap_or_default().to_owned(), actions)
        })
        .collect()
}

#[tokio::test]
async fn every_policy_apply_writes_passes_parliament_but_the_two_documented_findings() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    // With a KMS key, so the decrypt statement is linted too.
    d.edit(
        "mongodb_database = \"ipdb\"",
        "mongodb_database = \"ipdb\"\nmongodb_uri_kms_key = \"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\"",
    );
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let conf = moto.sdk_config().await;
    let iam = aws_sdk_iam::Client::new(&conf);
    let mut documents: Vec<(String, String)> = crate::infra::harness::role_policies(&iam)
        .await
        .into_iter()
        .map(|(role, name, doc)| (format!("{role}-{name}"), doc.to_string()))
        .collect();
    let s3 = moto.s3().await;
    let policy = s3.get_bucket_policy().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    documents.push(("bucket".to_owned(), policy.policy().unwrap_or_default().to_owned()));
    let sns = aws_sdk_sns::Client::new(&conf);
    let topic = sns
        .get_topic_attributes()
        .topic_arn("arn:aws:sns:us-east-1:123456789012:IntervalProcessing-Alarms")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let topic_policy = topic.attributes().and_then(|a| a.get("Policy")).cloned().unwrap_or_default();
    documents.push(("alarm-topic".to_owned(), topic_policy));
    assert_eq!(documents.len(), 5, "three role policies, the bucket policy and the alarm topic's policy");

    // Every finding with the document it came from. Exactly the two documented ones, each in the
    // policy that needs it, and nothing anywhere else. The linter ran and saw what it must see: a
    // linter that finds nothing proves nothing.
    let mut findings: Vec<(String, String, Vec<String>)> = Vec::new();
    for (name, doc) in &documents {
        findings.extend(lint(name, doc).into_iter().map(|(issue, actions)| (name.clone(), issue, actions)));
    }
    findings.sort();
    let expected = [
        ("IntervalProcessing-Scheduler-run-tasks", "PERMISSIONS_MANAGEMENT_ACTIONS", "iam:passrole"),
        ("IntervalProcessing-TaskExecution-task-execution", "CREDENTIALS_EXPOSURE", "ecr:getauthorizationtoken"),
    ]
    .map(|(name, issue, action)| (name.to_owned(), issue.to_owned(), vec![action.to_owned()]));
    assert_eq!(findings, expected, "parliament's findings, by document:\n{documents:#?}");
}

#[test]
fn the_operator_policy_passes_parliament_but_the_documented_findings() {
    let policy = include_str!("../../infra/operator-policy.json");
    let mut issues: Vec<String> = lint("operator-policy", policy).into_iter().map(|(issue, _)| issue).collect();
    issues.sort();
    issues.dedup();
    // infra/README.md, "Permissions to run infra": it manages roles and resource policies, which is
    // the point of it; no RESOURCE_MISMATCH (an action on a resource type it does not support).
    assert_eq!(issues, ["PERMISSIONS_MANAGEMENT_ACTIONS", "RESOURCE_POLICY_PRIVILEGE_ESCALATION"], "{policy}");
}
