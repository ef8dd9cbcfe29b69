//! The three IAM roles and their least-privilege inline policies.
//!
//! `*` as a resource appears only for `ecr:GetAuthorizationToken`, which has no resource-level
//! permissions in AWS. No statement ever has a `*` action.

use std::collections::BTreeMap;

use intervalprocessing_jobs::Process;
use serde_json::json;

use super::{Arns, tags};
use crate::model::Role;
use crate::names;
use crate::policy::{allow, document, trust, with_condition};
use crate::validate::Settings;

/// Pulls the image, writes the five log groups, reads the MongoDB URI secret.
pub fn execution_role(s: &Settings, arns: &Arns) -> Role {
    let secret = &s.file.mongodb_uri_secret;
    let secret_statement = if secret.contains(":ssm:") {
        allow("ReadMongoUri", &["ssm:GetParameters"], vec![secret.clone()])
    } else {
        allow("ReadMongoUri", &["secretsmanager:GetSecretValue"], vec![secret.clone()])
    };
    let log_streams = Process::ALL.map(|p| format!("{}:log-stream:*", arns.log_group(&names::log_group(p)))).to_vec();
    let policy = document(vec![
        allow("EcrAuth", &["ecr:GetAuthorizationToken"], vec!["*".to_owned()]),
        allow(
            "PullImage",
            &["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            vec![arns.ecr_repository(&s.file.ecr_repository)],
        ),
        allow("WriteLogs", &["logs:CreateLogStream", "logs:PutLogEvents"], log_streams),
        secret_statement,
    ]);
    Role {
        name: names::EXECUTION_ROLE.to_owned(),
        assume_role_policy: trust("ecs-tasks.amazonaws.com", &arns.account),
        policies: BTreeMap::from([("task-execution".to_owned(), policy)]),
        tags: tags(s),
    }
}

/// What the running job may do, exactly what FileGeneration calls: write objects (single and
/// multipart uploads) and abort uploads under the output prefix, and list the bucket's unfinished
/// multipart uploads to abort those a killed run left behind. It reads and lists no objects.
pub fn task_role(s: &Settings, arns: &Arns) -> Role {
    let bucket_arn = format!("arn:aws:s3:::{}", s.bucket);
    let policy = document(vec![
        allow("WriteOutput", &["s3:AbortMultipartUpload", "s3:PutObject"], vec![format!("{bucket_arn}/{}*", s.prefix)]),
        // ListMultipartUploads is a bucket-level action with no prefix condition key.
        allow("FindUnfinishedUploads", &["s3:ListBucketMultipartUploads"], vec![bucket_arn]),
    ]);
    Role {
        name: names::TASK_ROLE.to_owned(),
        assume_role_policy: trust("ecs-tasks.amazonaws.com", &arns.account),
        policies: BTreeMap::from([("output".to_owned(), policy)]),
        tags: tags(s),
    }
}

/// What EventBridge Scheduler may do: run the five task definitions on the cluster and pass exactly
/// the execution and task roles to ECS.
pub fn scheduler_role(s: &Settings, arns: &Arns) -> Role {
    let families: Vec<String> =
        Process::ALL.iter().flat_map(|p| [arns.task_family(*p), format!("{}:*", arns.task_family(*p))]).collect();
    let policy = document(vec![
        with_condition(
            allow("RunTasks", &["ecs:RunTask"], families),
            json!({ "ArnEquals": { "ecs:cluster": arns.cluster(&s.file.cluster) } }),
        ),
        with_condition(
            allow(
                "PassTaskRoles",
                &["iam:PassRole"],
                vec![arns.role(names::EXECUTION_ROLE), arns.role(names::TASK_ROLE)],
            ),
            json!({ "StringLike": { "iam:PassedToService": "ecs-tasks.amazonaws.com" } }),
        ),
    ]);
    Role {
        name: names::SCHEDULER_ROLE.to_owned(),
        assume_role_policy: trust("scheduler.amazonaws.com", &arns.account),
        policies: BTreeMap::from([("run-tasks".to_owned(), policy)]),
        tags: tags(s),
    }
}
