//! Least privilege, read back from AWS: no `*` action in any IAM policy infra writes, and a `*`
//! resource only for ecr:GetAuthorizationToken (which has no resource-level permissions).

use crate::harness::{Deploy, policy_json, strings};
use crate::support::Moto;

#[tokio::test]
async fn no_written_iam_policy_has_a_wildcard_action_or_an_avoidable_wildcard_resource() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    let mut statements = 0;
    for role in ["IntervalProcessing-TaskExecution", "IntervalProcessing-Task", "IntervalProcessing-Scheduler"] {
        let names = iam.list_role_policies().role_name(role).send().await.unwrap_or_else(|e| panic!("{e:?}"));
        for name in names.policy_names() {
            let doc = iam
                .get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e:?}"));
            let doc = policy_json(doc.policy_document());
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
    }
    assert!(statements >= 6, "read {statements} statements");
    // The task role may write only under the output prefix.
    let doc = iam
        .get_role_policy()
        .role_name("IntervalProcessing-Task")
        .policy_name("output")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let doc = policy_json(doc.policy_document());
    let resources: Vec<String> =
        doc["Statement"].as_array().unwrap_or(&Vec::new()).iter().flat_map(|s| strings(&s["Resource"])).collect();
    assert!(resources.contains(&format!("arn:aws:s3:::{}/GeneratedFiles/*", crate::harness::BUCKET)), "{resources:?}");
    assert!(
        !resources.iter().any(|r| r.ends_with(":::*") || r == &format!("arn:aws:s3:::{}/*", crate::harness::BUCKET)),
        "{resources:?}"
    );
}
