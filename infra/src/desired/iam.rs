//! The three IAM roles and their least-privilege inline policies.
//!
//! `*` as a resource appears only for `ecr:GetAuthorizationToken`, which has no resource-level
//! permissions in AWS (and only when the image is in ECR). No statement ever has a `*` action.

use std::collections::BTreeMap;

use intervalprocessing_jobs::Process;
use serde_json::json;

use super::tags::tags;
use crate::arns::Arns;
use crate::names;
use crate::policy::{allow, document, trust, with_condition};
use crate::resources::{Role, ServiceLinkedRole};
use crate::validate::Settings;

/// The ECS service-linked role, which `CreateCluster` with capacity providers needs.
pub fn ecs_service_linked_role() -> ServiceLinkedRole {
    ServiceLinkedRole { name: names::ECS_SERVICE_LINKED_ROLE.to_owned(), service: "ecs.amazonaws.com".to_owned() }
}

/// Pulls the image (from its ECR repository only), writes the five log groups, reads the MongoDB
/// URI secret, and decrypts it with its KMS key when the file names one.
pub fn execution_role(s: &Settings, arns: &Arns) -> Role {
    let secret = &s.secret;
    let mut statements = Vec::new();
    if let Some(ecr) = s.image.ecr() {
        statements.push(allow("EcrAuth", &["ecr:GetAuthorizationToken"], vec!["*".to_owned()]));
        statements.push(allow(
            "PullImage",
            &["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            vec![ecr.repository_arn(arns.partition())],
        ));
    }
    let log_streams =
        Process::all().map(|p| format!("{}:log-stream:*", arns.log_group(&names::log_group(p)))).collect();
    statements.push(allow("WriteLogs", &["logs:CreateLogStream", "logs:PutLogEvents"], log_streams));
    statements.push(allow(
        "ReadMongoUri",
        &[secret.read_action()],
        secret.iam_resources(arns.partition(), &arns.region, &arns.account),
    ));
    if let Some(key) = &s.file.mongodb_uri_kms_key {
        statements.push(with_condition(
            allow("DecryptMongoUri", &["kms:Decrypt"], vec![key.clone()]),
            json!({ "StringEquals": { "kms:ViaService": secret.kms_via_service(&arns.region) } }),
        ));
    }
    Role {
        name: names::EXECUTION_ROLE.to_owned(),
        assume_role_policy: trust("ecs-tasks.amazonaws.com", &arns.account),
        policies: BTreeMap::from([("task-execution".to_owned(), document(statements))]),
        attached_policies: Vec::new(),
        tags: tags(s),
    }
}

/// What the running job may do, exactly what FileGeneration calls: write objects (single and
/// multipart uploads) and abort uploads under the output prefix, and list the bucket's unfinished
/// multipart uploads to abort those a killed run left behind. It reads and lists no objects.
pub fn task_role(s: &Settings, arns: &Arns) -> Role {
    let bucket_arn = arns.bucket(&s.bucket);
    let policy = document(vec![
        allow("WriteOutput", &["s3:AbortMultipartUpload", "s3:PutObject"], vec![format!("{bucket_arn}/{}*", s.prefix)]),
        // ListMultipartUploads is a bucket-level action with no prefix condition key.
        allow("FindUnfinishedUploads", &["s3:ListBucketMultipartUploads"], vec![bucket_arn]),
    ]);
    Role {
        name: names::TASK_ROLE.to_owned(),
        assume_role_policy: trust("ecs-tasks.amazonaws.com", &arns.account),
        policies: BTreeMap::from([("output".to_owned(), policy)]),
        attached_policies: Vec::new(),
        tags: tags(s),
    }
}

/// The `ecs:TagResource` statement RunTask with tags needs: only on tasks of the cluster, and only
/// while they are being started by RunTask (`ecs:CreateAction`).
pub fn tag_started_tasks(arns: &Arns, cluster: &str) -> serde_json::Value {
    with_condition(
        allow("TagStartedTasks", &["ecs:TagResource"], vec![arns.cluster_tasks(cluster)]),
        json!({ "StringEquals": { "ecs:CreateAction": "RunTask" } }),
    )
}

/// What EventBridge Scheduler may do: run the five task definitions on the cluster, tag the tasks
/// it starts, and pass exactly the execution and task roles to ECS.
pub fn scheduler_role(s: &Settings, arns: &Arns) -> Role {
    let families: Vec<String> =
        Process::all().flat_map(|p| [arns.task_family(p), format!("{}:*", arns.task_family(p))]).collect();
    let policy = document(vec![
        with_condition(
            allow("RunTasks", &["ecs:RunTask"], families),
            json!({ "ArnEquals": { "ecs:cluster": arns.cluster(&s.file.cluster) } }),
        ),
        tag_started_tasks(arns, &s.file.cluster),
        with_condition(
            allow(
                "PassTaskRoles",
                &["iam:PassRole"],
                vec![arns.role(names::EXECUTION_ROLE), arns.role(names::TASK_ROLE)],
            ),
            json!({ "StringLike": { "iam:PassedToService": "ecs-tasks.amazonaws.com" } }),
        ),
        // The AWS docs put the dead-letter permission on the schedule's execution role.
        allow("DeadLetters", &["sqs:SendMessage"], vec![arns.queue(names::DEAD_LETTER_QUEUE)]),
    ]);
    Role {
        name: names::SCHEDULER_ROLE.to_owned(),
        assume_role_policy: trust("scheduler.amazonaws.com", &arns.account),
        policies: BTreeMap::from([("run-tasks".to_owned(), policy)]),
        attached_policies: Vec::new(),
        tags: tags(s),
    }
}
