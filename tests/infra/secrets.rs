//! The MongoDB URI secret in every form ECS accepts: the execution role may read exactly what ECS
//! will request with it, and decrypt with its KMS key only via the service that holds it. One
//! deployment, applied again per form (apply updates the role and registers new revisions).

use crate::infra::harness::{Deploy, SECRET, inline_policy, strings};
use crate::support::Moto;

const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SM: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret";
const SSM: &str = "arn:aws:ssm:us-east-1:123456789012:parameter";

#[tokio::test]
async fn every_secret_form_ecs_accepts_gets_a_matching_read_grant_and_kms_grant_via_its_service() {
    let version = "0a1b2c3d-1111-2222-3333-444455556666";
    let complete = format!("{SM}:mongo-uri-AbCdEf");
    let partial = format!("{SM}:prod/mongo-uri");
    // (reference as written, read action, IAM resources, kms:ViaService service)
    let forms: Vec<(String, &str, Vec<String>, &str)> = vec![
        // A name ending like the random suffix may be complete or partial: both are granted.
        (
            complete.clone(),
            "secretsmanager:GetSecretValue",
            vec![complete.clone(), format!("{complete}-??????")],
            "secretsmanager",
        ),
        (partial.clone(), "secretsmanager:GetSecretValue", vec![format!("{partial}-??????")], "secretsmanager"),
        (
            format!("{complete}:uri:AWSCURRENT:"),
            "secretsmanager:GetSecretValue",
            vec![complete.clone(), format!("{complete}-??????")],
            "secretsmanager",
        ),
        (
            format!("{complete}:uri::{version}"),
            "secretsmanager:GetSecretValue",
            vec![complete.clone(), format!("{complete}-??????")],
            "secretsmanager",
        ),
        (
            format!("{partial}:uri::"),
            "secretsmanager:GetSecretValue",
            vec![format!("{partial}-??????")],
            "secretsmanager",
        ),
        (format!("{SSM}/prod/mongo-uri"), "ssm:GetParameters", vec![format!("{SSM}/prod/mongo-uri")], "ssm"),
        ("/prod/mongo-uri".to_owned(), "ssm:GetParameters", vec![format!("{SSM}/prod/mongo-uri")], "ssm"),
        ("mongo-uri".to_owned(), "ssm:GetParameters", vec![format!("{SSM}/mongo-uri")], "ssm"),
    ];

    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.edit("mongodb_database = \"ipdb\"", &format!("mongodb_database = \"ipdb\"\nmongodb_uri_kms_key = \"{KEY}\""));
    let conf = moto.sdk_config().await;
    let iam = aws_sdk_iam::Client::new(&conf);
    let ecs = aws_sdk_ecs::Client::new(&conf);
    let mut written = SECRET.to_owned();
    for (reference, action, resources, service) in forms {
        d.edit(&format!("mongodb_uri_secret = \"{written}\""), &format!("mongodb_uri_secret = \"{reference}\""));
        written = reference.clone();
        d.infra(&moto, &["apply", "--auto-approve"]).success();
        d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(0);

        let doc = inline_policy(&iam, "IntervalProcessing-TaskExecution", "task-execution").await;
        let statements = doc["Statement"].as_array().cloned().unwrap_or_default();
        let by_sid = |sid: &str| {
            statements
                .iter()
                .find(|s| s["Sid"] == sid)
                .cloned()
                .unwrap_or_else(|| panic!("{reference}: no statement {sid}: {doc}"))
        };
        let read = by_sid("ReadMongoUri");
        assert_eq!(strings(&read["Action"]), [action], "{reference}");
        assert_eq!(strings(&read["Resource"]), resources, "{reference}: the resources ECS's call is checked against");
        let decrypt = by_sid("DecryptMongoUri");
        assert_eq!(strings(&decrypt["Action"]), ["kms:Decrypt"], "{reference}");
        assert_eq!(strings(&decrypt["Resource"]), [KEY], "{reference}");
        assert_eq!(
            decrypt["Condition"]["StringEquals"]["kms:ViaService"],
            format!("{service}.us-east-1.amazonaws.com"),
            "{reference}"
        );

        // ECS gets the reference as written.
        let td = ecs
            .describe_task_definition()
            .task_definition("IntervalProcessing-FileGeneration")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let secrets = td.task_definition().map(|t| t.container_definitions()[0].secrets().to_vec()).unwrap_or_default();
        let secrets: Vec<(&str, &str)> = secrets.iter().map(|s| (s.name(), s.value_from())).collect();
        assert_eq!(secrets, [("MONGODB_URI", reference.as_str())]);
    }
}
