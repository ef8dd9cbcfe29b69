//! A first apply on an account as real AWS behaves: no ECS service-linked role yet, and IAM that
//! takes seconds to propagate (the fault-injecting proxy in tests/support/aws_faults.rs).

use std::time::Duration;

use crate::infra::harness::{Deploy, resource_count};
use crate::support::Moto;
use crate::support::aws_faults::AwsFaults;

/// How many ECS service-linked roles the account has (found by their path, as infra does).
async fn ecs_service_linked_roles(iam: &aws_sdk_iam::Client) -> usize {
    let out = iam
        .list_roles()
        .path_prefix("/aws-service-role/ecs.amazonaws.com/")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    out.roles().len()
}

#[tokio::test]
async fn first_apply_on_a_new_account_with_slow_iam_succeeds_in_one_command() {
    let moto = Moto::start();
    // Schedules are refused for 8 s after their role changed; the cluster until 5 s after the
    // service-linked role was created.
    let faults = AwsFaults::start(moto.port, Duration::from_secs(8), Duration::from_secs(5));
    let d = Deploy::new(&moto, "");

    let plan = d.cli(faults.cli(), &["plan", "--detailed-exitcode"]).expect_code(2);
    assert!(
        plan.stdout.contains("+ create    service_linked_role AWSServiceRoleForECS (prerequisite"),
        "the plan shows the missing service-linked role:\n{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("Prerequisites to create first: 1."), "{}", plan.stdout);

    let out = d.cli(faults.cli(), &["apply", "--auto-approve"]).success();
    let created = format!("Apply complete: {} created, 0 updated.", resource_count());
    assert!(out.stdout.contains(&created), "{}", out.stdout);
    assert!(out.stdout.contains("created service_linked_role AWSServiceRoleForECS"), "{}", out.stdout);
    assert!(out.stdout.contains("waiting for IAM to propagate…"), "says why it waits:\n{}", out.stdout);
    let injected = faults.injected();
    assert!(injected.iter().any(|f| f == "ecs:CreateCluster"), "the cluster met the missing role: {injected:?}");
    assert!(injected.iter().any(|f| f == "scheduler:CreateSchedule"), "a schedule met a fresh role: {injected:?}");

    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    assert_eq!(ecs_service_linked_roles(&iam).await, 1, "exactly one ECS service-linked role");
    let sch = aws_sdk_scheduler::Client::new(&moto.sdk_config().await);
    let schedules =
        sch.list_schedules().group_name("intervalprocessing").send().await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(schedules.schedules().len(), crate::support::process_names().len());

    let plan = d.cli(faults.cli(), &["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(plan.stdout.contains("= no change service_linked_role AWSServiceRoleForECS"), "{}", plan.stdout);

    // A change of the scheduler role (a new cluster) and of every schedule: UpdateSchedule meets the
    // freshly changed role and is retried too.
    d.edit("mongodb_database = \"ipdb\"", "mongodb_database = \"ipdb\"\ncluster = \"ip-second\"");
    let out = d.cli(faults.cli(), &["apply", "--auto-approve"]).success();
    assert!(out.stdout.contains("updated iam_role IntervalProcessing-Scheduler"), "{}", out.stdout);
    let injected = faults.injected();
    assert!(injected.iter().any(|f| f == "scheduler:UpdateSchedule"), "{injected:?}\n{}", out.stdout);
    d.cli(faults.cli(), &["plan", "--detailed-exitcode"]).expect_code(0);

    // destroy never deletes the service-linked role (the whole account shares it).
    let out = d.cli(faults.cli(), &["destroy", "--auto-approve"]);
    assert!(!out.stdout.contains("AWSServiceRoleForECS"), "{}", out.stdout);
    assert_eq!(ecs_service_linked_roles(&iam).await, 1, "destroy left the service-linked role");

    // Applied again at once: the schedule group is still DELETING for a few seconds and is waited for.
    let out = d.cli(faults.cli(), &["apply", "--auto-approve"]).success();
    assert!(out.stdout.contains("waiting for schedule group intervalprocessing to finish deleting"), "{}", out.stdout);
    assert!(faults.injected().iter().any(|f| f == "scheduler:GetScheduleGroup"), "{:?}", faults.injected());
    d.cli(faults.cli(), &["plan", "--detailed-exitcode"]).expect_code(0);
}

#[tokio::test]
async fn an_error_that_is_not_propagation_is_not_retried_and_gets_no_credentials_hint() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    // Nothing listens on port 9: a network error, which is neither retried nor about credentials.
    let out = d.cli(crate::support::Cli::new().env("AWS_ENDPOINT_URL", "http://127.0.0.1:9"), &["plan"]).expect_code(1);
    assert!(!out.stdout.contains("waiting for IAM"), "{}", out.stdout);
    assert!(out.stderr.contains("could not be reached"), "{}", out.stderr);
    assert!(!out.stderr.contains("AWS_PROFILE"), "no credentials hint for a network error: {}", out.stderr);
}
