//! What others own in a shared account stays theirs: foreign tags, policies added by hand.

use aws_sdk_s3::types::{Tag, Tagging};

use crate::infra::harness::{BUCKET, Deploy, resource_count};
use crate::support::Moto;

/// An administrator policy attached by hand (moto does not load AWS's managed policies, so it is a
/// customer-managed copy of AdministratorAccess).
const ADMIN: &str = "arn:aws:iam::123456789012:policy/AdministratorAccessByHand";

/// The names of the role's inline policies, sorted.
async fn inline(iam: &aws_sdk_iam::Client, role: &str) -> Vec<String> {
    let out = iam.list_role_policies().role_name(role).send().await.unwrap_or_else(|e| panic!("{role}: {e:?}"));
    let mut names = out.policy_names().to_vec();
    names.sort();
    names
}

/// The ARNs of the managed policies attached to the role.
async fn attached(iam: &aws_sdk_iam::Client, role: &str) -> Vec<String> {
    let out =
        iam.list_attached_role_policies().role_name(role).send().await.unwrap_or_else(|e| panic!("{role}: {e:?}"));
    out.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_owned)).collect()
}

#[tokio::test]
async fn foreign_tags_and_hand_added_policies_survive_apply_and_show_as_drift() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let conf = moto.sdk_config().await;
    let s3 = moto.s3().await;
    let iam = aws_sdk_iam::Client::new(&conf);

    // Someone adds a cost-center tag to the bucket (keeping the others), attaches a managed policy
    // to the task role and an inline policy to the execution role.
    let mut tags: Vec<Tag> =
        s3.get_bucket_tagging().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("{e:?}")).tag_set().to_vec();
    tags.push(Tag::builder().key("cost-center").value("x").build().unwrap_or_else(|e| panic!("{e}")));
    let tagging = Tagging::builder().set_tag_set(Some(tags)).build().unwrap_or_else(|e| panic!("{e}"));
    s3.put_bucket_tagging().bucket(BUCKET).tagging(tagging).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    iam.create_policy()
        .policy_name("AdministratorAccessByHand")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    iam.attach_role_policy()
        .role_name("IntervalProcessing-Task")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let by_hand = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}"#;
    iam.put_role_policy()
        .role_name("IntervalProcessing-TaskExecution")
        .policy_name("kms-by-hand")
        .policy_document(by_hand)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));

    let plan = d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(2);
    let drift: Vec<&str> = plan.stdout.lines().filter(|l| l.starts_with("! drift")).collect();
    assert_eq!(
        drift,
        [
            "! drift     iam_role         IntervalProcessing-TaskExecution: inline policy kms-by-hand",
            "! drift     iam_role         IntervalProcessing-Task: attached managed policy arn:aws:iam::123456789012:policy/AdministratorAccessByHand",
        ],
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("~ update") && !plan.stdout.contains("cost-center"), "{}", plan.stdout);
    let unchanged = format!("No changes: {} resources match", resource_count());
    assert!(plan.stdout.contains(&unchanged), "{}", plan.stdout);

    // A change of the bucket: apply updates it, keeps the foreign tag, and leaves both policies.
    d.edit("stop_timeout_seconds = 90", "stop_timeout_seconds = 90\nabort_incomplete_uploads_after_days = 3");
    let out = d.infra(&moto, &["apply", "--auto-approve"]).success();
    assert!(out.stdout.contains("updated s3_bucket ip-infra-test"), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("left attached managed policy {ADMIN} on iam_role IntervalProcessing-Task")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("left inline policy kms-by-hand on iam_role IntervalProcessing-TaskExecution"),
        "{}",
        out.stdout
    );

    let tags = s3.get_bucket_tagging().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let tags: Vec<(&str, &str)> = tags.tag_set().iter().map(|t| (t.key(), t.value())).collect();
    for want in [("cost-center", "x"), ("ManagedBy", "intervalprocessing"), ("Team", "metering")] {
        assert!(tags.contains(&want), "{want:?} in {tags:?}");
    }
    let lc = s3.get_bucket_lifecycle_configuration().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(lc.rules()[0].abort_incomplete_multipart_upload().and_then(|a| a.days_after_initiation()), Some(3));
    assert_eq!(attached(&iam, "IntervalProcessing-Task").await, [ADMIN]);
    assert_eq!(inline(&iam, "IntervalProcessing-TaskExecution").await, ["kms-by-hand", "task-execution"]);

    // Still drift, and nothing else.
    let plan = d.infra(&moto, &["apply", "--auto-approve"]).success();
    assert!(plan.stdout.contains("Nothing to apply."), "{}", plan.stdout);
    assert!(plan.stdout.contains("left inline policy kms-by-hand"), "{}", plan.stdout);
    d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(2);

    // destroy keeps the two roles with someone else's policies whole, deletes everything else, says
    // which roles it kept, why and what to do, and exits 1 (incomplete).
    let out = d.infra(&moto, &["destroy", "--auto-approve"]).expect_code(1);
    let deleted = format!("Destroy complete: {} deleted.", resource_count() - 2);
    assert!(out.stdout.contains(&deleted), "{}", out.stdout);
    assert!(out.stdout.contains("deleted iam_role IntervalProcessing-Scheduler"), "{}", out.stdout);
    let keeping: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("keeping ")).collect();
    assert_eq!(keeping.len(), 2, "{}", out.stdout);
    for (role, policy, command) in [
        (
            "IntervalProcessing-TaskExecution",
            "inline policy kms-by-hand",
            "aws iam delete-role-policy --role-name IntervalProcessing-TaskExecution --policy-name kms-by-hand",
        ),
        (
            "IntervalProcessing-Task",
            &format!("attached managed policy {ADMIN}") as &str,
            &format!("aws iam detach-role-policy --role-name IntervalProcessing-Task --policy-arn {ADMIN}") as &str,
        ),
    ] {
        let line = keeping
            .iter()
            .find(|l| l.starts_with(&format!("keeping iam_role {role} (")))
            .unwrap_or_else(|| panic!("{role} kept:\n{}", out.stdout));
        assert!(line.contains(policy) && line.contains(command) && line.contains("run destroy again"), "{line}");
    }
    assert!(out.stderr.contains("destroy is incomplete: 2 managed resource(s) were kept"), "{}", out.stderr);
    // Untouched: the file's own inline policies stay too.
    assert_eq!(inline(&iam, "IntervalProcessing-TaskExecution").await, ["kms-by-hand", "task-execution"]);
    assert_eq!(inline(&iam, "IntervalProcessing-Task").await, ["output"]);
    assert_eq!(attached(&iam, "IntervalProcessing-Task").await, [ADMIN]);

    // Once the policies are removed by hand, destroy deletes the two roles.
    iam.detach_role_policy()
        .role_name("IntervalProcessing-Task")
        .policy_arn(ADMIN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    iam.delete_role_policy()
        .role_name("IntervalProcessing-TaskExecution")
        .policy_name("kms-by-hand")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let out = d.infra(&moto, &["destroy", "--auto-approve"]).success();
    assert!(out.stdout.contains("Destroy complete: 2 deleted."), "{}", out.stdout);
    for role in ["IntervalProcessing-TaskExecution", "IntervalProcessing-Task"] {
        assert!(iam.get_role().role_name(role).send().await.is_err(), "{role} deleted");
    }
}
