//! The image is pinned by digest: the task definitions run exactly the image that was planned.

use crate::infra::harness::{Deploy, inline_policy, strings};
use crate::support::{Moto, process_names};

const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/intervalprocessing";

/// Pushes an image manifest (unique by `layer`) as `repo:tag`; returns its digest.
pub async fn push(ecr: &aws_sdk_ecr::Client, tag: &str, layer: char) -> String {
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 1000,
            "digest": format!("sha256:{}", "0".repeat(64)),
        },
        // moto derives the digest from the layer digests.
        "layers": [{
            "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "size": 1000,
            "digest": format!("sha256:{}", layer.to_string().repeat(64)),
        }],
    });
    let out = ecr
        .put_image()
        .repository_name("intervalprocessing")
        .image_manifest(manifest.to_string())
        .image_tag(tag)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put_image: {e:?}"));
    out.image().and_then(|i| i.image_id()).and_then(|i| i.image_digest()).map(str::to_owned).unwrap_or_default()
}

async fn images(ecs: &aws_sdk_ecs::Client) -> Vec<String> {
    let mut out = Vec::new();
    for p in process_names() {
        let td = ecs
            .describe_task_definition()
            .task_definition(format!("IntervalProcessing-{p}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        out.push(
            td.task_definition().and_then(|t| t.container_definitions()[0].image()).unwrap_or_default().to_owned(),
        );
    }
    out
}

#[tokio::test]
async fn task_definitions_carry_the_digest_of_the_pushed_tag_and_follow_it_when_it_moves() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    // Before the first push the repository does not exist: used as given, with a warning.
    let out = d.infra(&moto, &["apply", "--auto-approve"]).success();
    assert!(out.stderr.contains("is not in ECR yet"), "{}", out.stderr);
    let conf = moto.sdk_config().await;
    let ecr = aws_sdk_ecr::Client::new(&conf);
    let ecs = aws_sdk_ecs::Client::new(&conf);

    let first = push(&ecr, "1.0.0", 'a').await;
    assert!(first.starts_with("sha256:"), "{first}");
    let plan = d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(2);
    assert_eq!(plan.stdout.matches("~ update    task_definition").count(), process_names().len(), "{}", plan.stdout);
    assert!(plan.stdout.contains(&format!("\"{REPO}:1.0.0\" -> \"{REPO}@{first}\"")), "{}", plan.stdout);
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    assert_eq!(images(&ecs).await, vec![format!("{REPO}@{first}"); process_names().len()]);
    d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(0);

    // The tag moves: the plan shows it, apply follows it.
    let moved = push(&ecr, "1.0.0", 'b').await;
    assert_ne!(moved, first);
    let plan = d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(2);
    assert!(plan.stdout.contains(&format!("\"{REPO}@{first}\" -> \"{REPO}@{moved}\"")), "{}", plan.stdout);
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    assert_eq!(images(&ecs).await, vec![format!("{REPO}@{moved}"); process_names().len()]);

    // --image for one invocation (a CI pipeline that just pushed 2.0.0).
    let second = push(&ecr, "2.0.0", 'c').await;
    d.infra(&moto, &["apply", "--auto-approve", "--image", &format!("{REPO}:2.0.0")]).success();
    assert_eq!(images(&ecs).await, vec![format!("{REPO}@{second}"); process_names().len()]);
    let out = d.infra(&moto, &["plan", "--image", "Not A Ref"]).expect_code(2);
    assert!(out.stderr.contains("--image"), "{}", out.stderr);
}

#[tokio::test]
async fn a_non_ecr_image_is_used_as_given_with_a_warning_and_no_ecr_permission() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    let image = "ghcr.io/example/intervalprocessing:1.0.0";
    let out = d.infra(&moto, &["apply", "--auto-approve", "--image", image]).success();
    assert!(out.stderr.contains("not in ECR and not given by digest"), "{}", out.stderr);
    let conf = moto.sdk_config().await;
    assert_eq!(images(&aws_sdk_ecs::Client::new(&conf)).await, vec![image.to_owned(); process_names().len()]);
    let iam = aws_sdk_iam::Client::new(&conf);
    let doc = inline_policy(&iam, "IntervalProcessing-TaskExecution", "task-execution").await;
    let actions: Vec<String> =
        doc["Statement"].as_array().cloned().unwrap_or_default().iter().flat_map(|s| strings(&s["Action"])).collect();
    assert!(!actions.iter().any(|a| a.starts_with("ecr:")), "no ECR permission for a non-ECR image: {actions:?}");

    // Given by digest: pinned as given, no warning.
    let pinned = format!("ghcr.io/example/intervalprocessing@sha256:{}", "d".repeat(64));
    let out = d.infra(&moto, &["apply", "--auto-approve", "--image", &pinned]).success();
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
    assert_eq!(images(&aws_sdk_ecs::Client::new(&conf)).await, vec![pinned; process_names().len()]);
}
