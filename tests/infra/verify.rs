//! `infra verify`: every check ok after apply with the image pushed and the secret created; each
//! missing piece named as a problem, with exit code 1.

use crate::infra::harness::{Deploy, SECRET};
use crate::infra::image::push;
use crate::support::{Moto, Output, process_names};

const FILE_SG: &str = "sg-0123456789abcdef0";

/// The VPC of `subnet`.
async fn vpc_of(ec2: &aws_sdk_ec2::Client, subnet: &str) -> String {
    let out = ec2.describe_subnets().subnet_ids(subnet).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    out.subnets().first().and_then(|s| s.vpc_id()).unwrap_or_else(|| panic!("no VPC for {subnet}")).to_owned()
}

/// A security group for the tasks in `vpc`, as a network team would create it.
async fn security_group(ec2: &aws_sdk_ec2::Client, vpc: &str, name: &str) -> String {
    let out = ec2
        .create_security_group()
        .group_name(name)
        .description("intervalprocessing tasks")
        .vpc_id(vpc)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    out.group_id().unwrap_or_else(|| panic!("no group id")).to_owned()
}

/// The MongoDB URI secret in Secrets Manager; its ARN (moto picks the random suffix).
async fn create_secret(sm: &aws_sdk_secretsmanager::Client, name: &str) -> String {
    let out = sm
        .create_secret()
        .name(name)
        .secret_string("mongodb://u:p%2Fw@db.example:27017/?tls=true")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    out.arn().unwrap_or_else(|| panic!("no ARN")).to_owned()
}

/// The lines of `out` marked `status` (`ok`, `problem`, `could not check`).
fn marked<'a>(out: &'a Output, status: &str) -> Vec<&'a str> {
    out.stdout.lines().filter(|l| l.trim_start().starts_with(&format!("{status} "))).map(str::trim).collect()
}

fn has_problem(out: &Output, subject: &str, detail: &str) -> bool {
    marked(out, "problem").iter().any(|l| l.contains(subject) && l.contains(detail))
}

#[tokio::test]
async fn verify_passes_every_check_after_apply_with_the_image_pushed_and_the_secret_in_place() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    let conf = moto.sdk_config().await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let sg = security_group(&ec2, &vpc_of(&ec2, &d.subnet).await, "ip-tasks").await;
    d.edit(FILE_SG, &sg);
    let arn = create_secret(&aws_sdk_secretsmanager::Client::new(&conf), "mongo-uri").await;
    d.edit(SECRET, &arn);
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let digest = push(&aws_sdk_ecr::Client::new(&conf), "1.0.0", 'a').await;

    let out = d.infra(&moto, &["verify"]).success();
    assert!(marked(&out, "problem").is_empty() && marked(&out, "could not check").is_empty(), "{}", out.stdout);
    // image, subnet, security group, VPC, secret, the log groups, the schedule group.
    assert_eq!(marked(&out, "ok").len(), 6 + process_names().len(), "{}", out.stdout);
    assert!(out.stdout.contains(&format!("tag 1.0.0 resolves to {digest}")), "{}", out.stdout);
    let vpc = vpc_of(&ec2, &d.subnet).await;
    assert!(out.stdout.contains(&format!("subnets and security groups are all in {vpc}")), "{}", out.stdout);
    assert!(out.stdout.contains("schedule group intervalprocessing: ACTIVE"), "{}", out.stdout);
    let summary = format!("summary: {} ok, 0 problems, 0 could not check", 6 + process_names().len());
    assert!(out.stdout.contains(&summary), "{}", out.stdout);
    for group in ["image", "network", "MongoDB URI secret", "log groups", "schedule group"] {
        assert!(out.stdout.lines().any(|l| l == group), "no group {group}: {}", out.stdout);
    }

    // An image outside ECR cannot be checked, and that is not a problem.
    let out = d.infra(&moto, &["verify", "--image", "ghcr.io/example/intervalprocessing:1.0.0"]).success();
    let unchecked = marked(&out, "could not check");
    assert_eq!(
        unchecked,
        ["could not check  image ghcr.io/example/intervalprocessing:1.0.0: not in ECR"],
        "{}",
        out.stdout
    );

    // The secret as an SSM parameter name: found in Parameter Store; by a name nobody created: a problem.
    let ssm = aws_sdk_ssm::Client::new(&conf);
    ssm.put_parameter()
        .name("/intervalprocessing/mongodb-uri")
        .value("mongodb://db.example/")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    d.edit(&arn, "/intervalprocessing/mongodb-uri");
    let out = d.infra(&moto, &["verify"]).success();
    assert!(out.stdout.contains("exists in Parameter Store (SecureString)"), "{}", out.stdout);
    d.edit("/intervalprocessing/mongodb-uri", "/intervalprocessing/nobody-made-this");
    let out = d.infra(&moto, &["verify"]).expect_code(1);
    assert!(
        has_problem(&out, "/intervalprocessing/nobody-made-this", "does not exist in Parameter Store"),
        "{}",
        out.stdout
    );
    assert_eq!(marked(&out, "problem").len(), 1, "{}", out.stdout);
}

#[tokio::test]
async fn verify_before_apply_names_every_missing_piece_and_exits_1() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    // A subnet that does not exist next to one that does; the file's security group and secret were never created.
    d.edit(
        &format!("subnets = [\"{}\"]", d.subnet),
        &format!("subnets = [\"{}\", \"subnet-0badc0ffee0000000\"]", d.subnet),
    );

    let out = d.infra(&moto, &["verify"]).expect_code(1);
    assert!(has_problem(&out, "subnet subnet-0badc0ffee0000000", "does not exist in us-east-1"), "{}", out.stdout);
    assert!(marked(&out, "ok").iter().any(|l| l.contains(&format!("subnet {}", d.subnet))), "{}", out.stdout);
    assert!(has_problem(&out, &format!("security group {FILE_SG}"), "does not exist in us-east-1"), "{}", out.stdout);
    assert!(has_problem(&out, SECRET, "does not exist in Secrets Manager in us-east-1"), "{}", out.stdout);
    assert!(
        has_problem(&out, "image ", "repository intervalprocessing (account 123456789012, us-east-1) does not exist"),
        "{}",
        out.stdout
    );
    for p in process_names() {
        assert!(
            has_problem(&out, &format!("log group /ecs/IntervalProcessing-{p}"), "does not exist"),
            "{}",
            out.stdout
        );
    }
    assert!(has_problem(&out, "schedule group intervalprocessing", "does not exist"), "{}", out.stdout);
    let problems = 5 + process_names().len();
    assert_eq!(marked(&out, "problem").len(), problems, "{}", out.stdout);
    assert!(out.stdout.contains(&format!("summary: 2 ok, {problems} problems, 0 could not check")), "{}", out.stdout);
    assert!(out.stderr.contains(&format!("error: infra verify found {problems} problems")), "{}", out.stderr);
}

#[tokio::test]
async fn verify_after_apply_finds_an_unpushed_tag_and_a_security_group_of_another_vpc() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    let conf = moto.sdk_config().await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let other = ec2.create_vpc().cidr_block("10.99.0.0/16").send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let other = other.vpc().and_then(|v| v.vpc_id()).unwrap_or_else(|| panic!("no VPC id")).to_owned();
    let sg = security_group(&ec2, &other, "ip-tasks-elsewhere").await;
    d.edit(FILE_SG, &sg);
    let arn = create_secret(&aws_sdk_secretsmanager::Client::new(&conf), "mongo-uri").await;
    d.edit(SECRET, &arn);
    d.infra(&moto, &["apply", "--auto-approve"]).success();

    let out = d.infra(&moto, &["verify"]).expect_code(1);
    let tag = "tag 1.0.0 is not in repository intervalprocessing (account 123456789012, us-east-1): push it";
    assert!(has_problem(&out, "image ", tag), "{}", out.stdout);
    let vpc = vpc_of(&ec2, &d.subnet).await;
    assert!(has_problem(&out, "VPC", "must be in one VPC, they are in "), "{}", out.stdout);
    assert!(
        has_problem(&out, "VPC", &format!("({})", d.subnet)) && has_problem(&out, "VPC", &format!("{other} ({sg})")),
        "{}",
        out.stdout
    );
    assert!(
        marked(&out, "ok").iter().any(|l| l.contains(&format!("security group {sg}: exists, in {other}"))),
        "{}",
        out.stdout
    );
    assert!(marked(&out, "ok").iter().any(|l| l.contains(&format!("exists, in {vpc}"))), "{}", out.stdout);
    assert_eq!(marked(&out, "problem").len(), 2, "{}", out.stdout);

    // The secret scheduled for deletion is, for ECS, gone.
    aws_sdk_secretsmanager::Client::new(&conf)
        .delete_secret()
        .secret_id(&arn)
        .recovery_window_in_days(7)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let out = d.infra(&moto, &["verify"]).expect_code(1);
    assert!(has_problem(&out, &arn, "is scheduled for deletion"), "{}", out.stdout);
}
