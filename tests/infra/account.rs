//! A first apply on an account as real AWS behaves: no ECS service-linked role yet, and IAM that
//! takes seconds to propagate (the fault-injecting proxy in tests/support/aws_faults.rs).

use std::time::Duration;

use crate::infra::harness::{Deploy, resource_count};
use crate::support::Moto;
use crate::support::aws_faults::{AwsFaults, Faults};

const SCHEDULER_PROPAGATION: &str =
    "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.";

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
    // In the order apply meets them: the cluster is refused until 3 s after the service-linked role
    // was created, task definitions until 4 s after their roles were created, schedules until 5 s
    // after their role changed; each at least once, however slow the machine.
    let faults = AwsFaults::start(
        moto.port,
        Faults {
            slr_delay: Duration::from_secs(3),
            task_role_delay: Duration::from_secs(4),
            role_delay: Duration::from_secs(5),
            ..Faults::default()
        },
    );
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
    for call in ["ecs:CreateCluster for ecs cluster", "ecs:RegisterTaskDefinition for task definition"] {
        let waiting = format!("waiting for IAM to propagate… {call} ");
        assert!(out.stdout.contains(&waiting), "says why it waits ({call}):\n{}", out.stdout);
    }
    let injected = faults.injected();
    assert!(injected.iter().any(|f| f == "ecs:CreateCluster"), "the cluster met the missing role: {injected:?}");
    assert!(
        injected.iter().any(|f| f == "ecs:RegisterTaskDefinition"),
        "a task definition met a fresh role: {injected:?}"
    );
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

#[tokio::test]
async fn a_service_linked_role_taken_between_plan_and_apply_counts_as_created() {
    let moto = Moto::start();
    // CreateServiceLinkedRole is carried out, but answered with IAM's "has been taken" (as when
    // someone else created the role after infra looked for it).
    let faults = AwsFaults::start(moto.port, Faults { slr_taken: true, ..Faults::default() });
    let d = Deploy::new(&moto, "");
    let out = d.cli(faults.cli(), &["apply", "--auto-approve"]).success();
    assert!(out.stdout.contains("created service_linked_role AWSServiceRoleForECS"), "{}", out.stdout);
    assert!(out.stdout.contains("created ecs_cluster intervalprocessing"), "{}", out.stdout);
    assert_eq!(faults.injected(), ["iam:CreateServiceLinkedRole"], "it met the answer, and nothing else");
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    assert_eq!(ecs_service_linked_roles(&iam).await, 1);
    let plan = d.cli(faults.cli(), &["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(plan.stdout.contains("= no change service_linked_role AWSServiceRoleForECS"), "{}", plan.stdout);
}

#[tokio::test]
async fn a_schedule_error_that_is_not_propagation_stops_at_once_with_a_hint_that_fits_it() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    let cases: [(u16, &str, &str, Option<&str>); 4] = [
        (400, "ValidationException", "Invalid request provided: The target ARN is not valid.", None),
        // The propagation message, but not a ValidationException: not retried either.
        (403, "AccessDeniedException", SCHEDULER_PROPAGATION, Some("operator policy")),
        (
            403,
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: scheduler:CreateSchedule",
            Some("operator policy"),
        ),
        (
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            Some("AWS_PROFILE"),
        ),
    ];
    for (status, code, message, hint) in cases {
        // A proxy of its own per case: every CreateSchedule gets this error.
        let faults =
            AwsFaults::start(moto.port, Faults { schedule_error: Some((status, code, message)), ..Faults::default() });
        let out = d.cli(faults.cli(), &["apply", "--auto-approve"]).expect_code(1);
        assert_eq!(faults.count("scheduler:CreateSchedule"), 1, "{code}: one request, no retry:\n{}", out.stdout);
        assert!(!out.stdout.contains("waiting for IAM"), "{code}: {}", out.stdout);
        let error = out.stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default();
        assert!(error.contains("scheduler:CreateSchedule") && error.contains(code), "{code}: {}", out.stderr);
        let hints: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("hint:")).collect();
        match hint {
            None => assert!(hints.is_empty(), "{code}: no hint fits: {}", out.stderr),
            Some(h) => assert!(hints.len() == 1 && hints[0].contains(h), "{code}: hint with {h:?}: {}", out.stderr),
        }
        let credentials = hints.iter().any(|h| h.contains("credentials"));
        assert_eq!(credentials, code == "UnrecognizedClientException", "{code}: {}", out.stderr);
    }
}
