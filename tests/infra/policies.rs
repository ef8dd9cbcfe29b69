//! Least privilege, read back from AWS: no `*` action in any IAM policy infra writes, and a `*`
//! resource only for ecr:GetAuthorizationToken (which has no resource-level permissions).

use crate::infra::harness::{Deploy, inline_policy, role_policies, strings};
use crate::support::Moto;

#[tokio::test]
async fn no_written_iam_policy_has_a_wildcard_action_or_an_avoidable_wildcard_resource() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    let mut statements = 0;
    for (role, name, doc) in role_policies(&iam).await {
        for s in doc["Statement"].as_array().unwrap_or(&Vec::new()) {
            statements += 1;
            assert_eq!(s["Effect"], "Allow", "{role}/{name}: {s}");
            assert!(s.get("NotAction").is_none() && s.get("NotResource").is_none(), "{role}/{name}: {s}");
            let actions = strings(&s["Action"]);
            assert!(!actions.is_empty(), "{role}/{name}: {s}");
            for a in &actions {
                assert!(!a.contains('*'), "{role}/{name}: wildcard action {a}");
            }
            if strings(&s["Resource"]).iter().any(|r| r == "*") {
                assert_eq!(actions, ["ecr:GetAuthorizationToken"], "{role}/{name}: * resource for {actions:?}");
            }
        }
    }
    assert!(statements >= 6, "read {statements} statements");
    // The task role may write only under the output prefix.
    let doc = inline_policy(&iam, "IntervalProcessing-Task", "output").await;
    let resources: Vec<String> =
        doc["Statement"].as_array().unwrap_or(&Vec::new()).iter().flat_map(|s| strings(&s["Resource"])).collect();
    assert!(
        resources.contains(&format!("arn:aws:s3:::{}/GeneratedFiles/*", crate::infra::harness::BUCKET)),
        "{resources:?}"
    );
    assert!(
        !resources
            .iter()
            .any(|r| r.ends_with(":::*") || r == &format!("arn:aws:s3:::{}/*", crate::infra::harness::BUCKET)),
        "{resources:?}"
    );
}
