//! `infra apply` and `infra plan` against moto: create from nothing, read everything back,
//! idempotence, and a one-field change.

use aws_sdk_ecs::types::{ClusterField, TaskDefinitionField};

use crate::infra::harness::{BUCKET, Deploy, SECRET, policy_json, resource_count, strings};
use crate::support::{Moto, process_names};

/// The schedule of process `p` in the default group, with its name.
async fn schedule(
    sch: &aws_sdk_scheduler::Client,
    p: &str,
) -> (String, aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput) {
    let name = format!("Run-IntervalProcessing-{p}");
    let s = sch
        .get_schedule()
        .group_name("intervalprocessing")
        .name(&name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    (name, s)
}

#[tokio::test]
async fn apply_from_nothing_creates_every_resource_as_configured() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    let out = d.infra(&moto, &["apply", "--auto-approve"]).success();
    let created = format!("Apply complete: {} created, 0 updated.", resource_count());
    assert!(out.stdout.contains(&created), "{}", out.stdout);
    let conf = moto.sdk_config().await;
    let tagged = |tags: Vec<(String, String)>, what: &str| {
        assert!(tags.contains(&("ManagedBy".into(), "intervalprocessing".into())), "{what}: {tags:?}");
        assert!(tags.contains(&("Team".into(), "metering".into())), "{what}: {tags:?}");
    };

    // ECR: scan on push.
    let ecr = aws_sdk_ecr::Client::new(&conf);
    let repos = ecr
        .describe_repositories()
        .repository_names("intervalprocessing")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let repo = &repos.repositories()[0];
    assert_eq!(repo.image_scanning_configuration().map(|c| c.scan_on_push()), Some(true));
    let tags = ecr
        .list_tags_for_resource()
        .resource_arn(repo.repository_arn().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    tagged(tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(), "ecr");

    // ECS cluster: FARGATE + FARGATE_SPOT.
    let ecs = aws_sdk_ecs::Client::new(&conf);
    let clusters = ecs
        .describe_clusters()
        .clusters("intervalprocessing")
        .include(ClusterField::Tags)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let cluster = &clusters.clusters()[0];
    assert_eq!(cluster.status(), Some("ACTIVE"));
    assert_eq!(cluster.capacity_providers(), ["FARGATE", "FARGATE_SPOT"]);
    tagged(
        cluster
            .tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default().into(), t.value().unwrap_or_default().into()))
            .collect(),
        "cluster",
    );

    // Log groups with the configured retention.
    let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
    let groups = logs
        .describe_log_groups()
        .log_group_name_prefix("/ecs/IntervalProcessing-")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(groups.log_groups().len(), process_names().len());
    for g in groups.log_groups() {
        assert_eq!(g.retention_in_days(), Some(14), "{:?}", g.log_group_name());
    }

    // Task definitions: Fargate, awsvpc, the runtime's environment, the URI as a secret, awslogs.
    for p in process_names() {
        let family = format!("IntervalProcessing-{p}");
        let td = ecs
            .describe_task_definition()
            .task_definition(&family)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        tagged(
            td.tags()
                .iter()
                .map(|t| (t.key().unwrap_or_default().into(), t.value().unwrap_or_default().into()))
                .collect(),
            &family,
        );
        let t = td.task_definition().unwrap_or_else(|| panic!("no task definition {family}"));
        let (cpu, mem) = if p == "NightlyDataChange" { ("512", "2048") } else { ("1024", "3072") };
        assert_eq!((t.cpu(), t.memory()), (Some(cpu), Some(mem)), "{family}");
        assert_eq!(t.network_mode().map(|m| m.as_str()), Some("awsvpc"));
        assert_eq!(t.requires_compatibilities().iter().map(|c| c.as_str()).collect::<Vec<_>>(), ["FARGATE"]);
        assert_eq!(t.execution_role_arn(), Some("arn:aws:iam::123456789012:role/IntervalProcessing-TaskExecution"));
        assert_eq!(t.task_role_arn(), Some("arn:aws:iam::123456789012:role/IntervalProcessing-Task"));
        assert_eq!(t.ephemeral_storage().map(|e| e.size_in_gib()), Some(21));
        let c = &t.container_definitions()[0];
        assert_eq!(c.name(), Some(format!("intervalprocessing-{}", p.to_lowercase()).as_str()));
        assert_eq!(c.image(), Some("123456789012.dkr.ecr.us-east-1.amazonaws.com/intervalprocessing:1.0.0"));
        assert_eq!(c.stop_timeout(), Some(90));
        assert_eq!(c.memory_reservation(), Some(mem.parse().unwrap_or(0)));
        let env: std::collections::BTreeMap<&str, &str> =
            c.environment().iter().map(|kv| (kv.name().unwrap_or_default(), kv.value().unwrap_or_default())).collect();
        assert_eq!(env.get("processToRun"), Some(&p));
        assert_eq!(env.get("SCHEDULE_TIMEZONE"), Some(&"Europe/Berlin"));
        assert_eq!(env.get("OUTPUT_URL"), Some(&format!("s3://{BUCKET}/GeneratedFiles/").as_str()));
        assert_eq!(env.get("MONGODB_DATABASE"), Some(&"ipdb"));
        assert_eq!(env.get("LOG_FORMAT"), Some(&"json"));
        // stopTimeout 90 s less the 20 s the runtime needs after the grace to record and release.
        assert_eq!(env.get("SHUTDOWN_GRACE"), Some(&"1m 10s"));
        assert!(env.contains_key("RUN_TIMEOUT"));
        assert!(!env.contains_key("MONGODB_URI"), "the URI must not be plain environment");
        assert_eq!(
            c.secrets().iter().map(|s| (s.name(), s.value_from())).collect::<Vec<_>>(),
            [("MONGODB_URI", SECRET)]
        );
        let log = c.log_configuration().unwrap_or_else(|| panic!("no log configuration"));
        assert_eq!(log.log_driver().as_str(), "awslogs");
        assert_eq!(
            log.options().and_then(|o| o.get("awslogs-group")).map(String::as_str),
            Some(format!("/ecs/{family}").as_str())
        );
        if p == "NightlyDataChange" {
            assert_eq!(env.get("RUN_TIMEOUT"), Some(&"1h 30m"));
        }
    }

    // S3: public access blocked, SSE-S3, TLS-only policy, abort incomplete uploads.
    let s3 = moto.s3().await;
    let pab = s3.get_public_access_block().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let c = pab.public_access_block_configuration().unwrap_or_else(|| panic!("no public access block"));
    assert_eq!(
        [c.block_public_acls(), c.ignore_public_acls(), c.block_public_policy(), c.restrict_public_buckets()],
        [Some(true); 4]
    );
    let enc = s3.get_bucket_encryption().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let rule = &enc.server_side_encryption_configuration().map(|c| c.rules().to_vec()).unwrap_or_default()[0];
    assert_eq!(rule.apply_server_side_encryption_by_default().map(|d| d.sse_algorithm().as_str()), Some("AES256"));
    let policy = s3.get_bucket_policy().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let policy = policy_json(policy.policy().unwrap_or_default());
    assert_eq!(policy["Statement"][0]["Effect"], "Deny");
    // Sent as written: a plain string, not the one-item list policy linters choke on.
    assert_eq!(policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"], "false");
    let lc = s3.get_bucket_lifecycle_configuration().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(lc.rules()[0].abort_incomplete_multipart_upload().and_then(|a| a.days_after_initiation()), Some(7));
    let tags = s3.get_bucket_tagging().bucket(BUCKET).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    tagged(tags.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(), "bucket");

    // IAM roles with their trust.
    let iam = aws_sdk_iam::Client::new(&conf);
    for (role, service) in [
        ("IntervalProcessing-TaskExecution", "ecs-tasks.amazonaws.com"),
        ("IntervalProcessing-Task", "ecs-tasks.amazonaws.com"),
        ("IntervalProcessing-Scheduler", "scheduler.amazonaws.com"),
    ] {
        let r = iam.get_role().role_name(role).send().await.unwrap_or_else(|e| panic!("{role}: {e:?}"));
        let trust =
            policy_json(r.role().map(|r| r.assume_role_policy_document().unwrap_or_default()).unwrap_or_default());
        assert_eq!(strings(&trust["Statement"][0]["Principal"]["Service"]), [service], "{role}");
        let tags = iam.list_role_tags().role_name(role).send().await.unwrap_or_else(|e| panic!("{e:?}"));
        tagged(tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(), role);
        let names = iam.list_role_policies().role_name(role).send().await.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(names.policy_names().len(), 1, "{role}");
    }

    // Schedule group and schedules: DISABLED, cron + time zone, window OFF, retry within cadence, ECS target.
    let sch = aws_sdk_scheduler::Client::new(&conf);
    let group = sch.get_schedule_group().name("intervalprocessing").send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let tags = sch
        .list_tags_for_resource()
        .resource_arn(group.arn().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    tagged(tags.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect(), "schedule group");
    // The reference guide's crons.
    for (p, cron) in [
        ("FileGeneration", "cron(30 2 * * ? *)"),
        ("NightlyDataChange", "cron(0 2 * * ? *)"),
        ("HourlyDataChange", "cron(0 * * * ? *)"),
        ("HalfHourlyDataChange", "cron(0/30 * * * ? *)"),
        ("QuarterHourlyDataChange", "cron(0/15 * * * ? *)"),
    ] {
        let (name, s) = schedule(&sch, p).await;
        assert_eq!(s.schedule_expression(), Some(cron), "{name}");
        assert_eq!(s.schedule_expression_timezone(), Some("Europe/Berlin"));
        assert_eq!(s.state().map(|s| s.as_str()), Some("DISABLED"));
        assert_eq!(s.flexible_time_window().map(|f| f.mode().as_str()), Some("OFF"));
        let t = s.target().unwrap_or_else(|| panic!("no target"));
        assert_eq!(t.arn(), "arn:aws:ecs:us-east-1:123456789012:cluster/intervalprocessing");
        assert_eq!(t.role_arn(), "arn:aws:iam::123456789012:role/IntervalProcessing-Scheduler");
        let retry = t.retry_policy().unwrap_or_else(|| panic!("no retry policy"));
        let age = retry.maximum_event_age_in_seconds().unwrap_or(0);
        let cadence = match p {
            "QuarterHourlyDataChange" => 900,
            "HalfHourlyDataChange" => 1800,
            "HourlyDataChange" => 3600,
            _ => 86_400,
        };
        assert!((60..=cadence).contains(&age), "{name}: event age {age} beyond one cadence");
        if p == "NightlyDataChange" {
            assert_eq!((retry.maximum_retry_attempts(), Some(age)), (Some(2), Some(1800)));
        }
        let ecs_params = t.ecs_parameters().unwrap_or_else(|| panic!("no ECS parameters"));
        assert_eq!(
            ecs_params.task_definition_arn(),
            format!("arn:aws:ecs:us-east-1:123456789012:task-definition/IntervalProcessing-{p}")
        );
        assert_eq!(ecs_params.task_count(), Some(1));
        assert_eq!(ecs_params.capacity_provider_strategy()[0].capacity_provider(), "FARGATE");
        let vpc = ecs_params
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration())
            .unwrap_or_else(|| panic!("no awsvpc"));
        assert_eq!(vpc.subnets(), [d.subnet.as_str()]);
        assert_eq!(vpc.assign_public_ip().map(|a| a.as_str()), Some("DISABLED"));
        let input: serde_json::Value =
            serde_json::from_str(t.input().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
        let env = &input["containerOverrides"][0]["environment"];
        assert!(
            env.as_array().is_some_and(|a| a
                .contains(&serde_json::json!({"name": "SCHEDULED_TIME", "value": "<aws.scheduler.scheduled-time>"}))),
            "{input}"
        );
        assert!(
            env.as_array().is_some_and(|a| a.contains(&serde_json::json!({"name": "processToRun", "value": p}))),
            "{input}"
        );
    }
    // Every schedule's tasks carry the managed tags: propagated from the task definition, plus
    // ECS's own (cluster, service) tags.
    for p in process_names() {
        let (name, s) = schedule(&sch, p).await;
        let ecs_params =
            s.target().and_then(|t| t.ecs_parameters()).unwrap_or_else(|| panic!("{name}: no ECS parameters"));
        assert_eq!(ecs_params.propagate_tags().map(|p| p.as_str()), Some("TASK_DEFINITION"), "{name}");
        assert_eq!(ecs_params.enable_ecs_managed_tags(), Some(true), "{name}");
    }
}

#[tokio::test]
async fn second_plan_is_empty_and_one_cron_edit_plans_and_applies_exactly_that_change() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.infra(&moto, &["apply", "--auto-approve"]).success();

    let out = d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(0);
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);
    assert!(!out.stdout.contains("+ create") && !out.stdout.contains("~ update"), "{}", out.stdout);
    let out = d.infra(&moto, &["apply", "--auto-approve"]).success();
    assert!(out.stdout.contains("Nothing to apply."), "a second apply changes nothing:\n{}", out.stdout);

    d.edit("cron = \"cron(0 2 * * ? *)\"", "cron = \"cron(0 3 * * ? *)\"");
    let out = d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(2);
    let changed: Vec<&str> =
        out.stdout.lines().filter(|l| !l.starts_with("= no change") && !l.trim().is_empty()).collect();
    assert_eq!(
        changed,
        [
            "~ update    schedule         intervalprocessing/Run-IntervalProcessing-NightlyDataChange",
            "      expression: \"cron(0 2 * * ? *)\" -> \"cron(0 3 * * ? *)\"",
            format!("Plan: 0 to create, 1 to update, 0 to delete, {} unchanged.", resource_count() - 1).as_str(),
        ],
        "{}",
        out.stdout
    );

    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let sch = aws_sdk_scheduler::Client::new(&moto.sdk_config().await);
    let (_, s) = schedule(&sch, "NightlyDataChange").await;
    assert_eq!(s.schedule_expression(), Some("cron(0 3 * * ? *)"));
    assert_eq!(s.state().map(|s| s.as_str()), Some("DISABLED"), "the state survives UpdateSchedule");
    assert!(s.target().and_then(|t| t.ecs_parameters()).is_some(), "the target survives UpdateSchedule");
    d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(0);
}

#[tokio::test]
async fn apply_refuses_without_approval_when_stdin_is_not_a_terminal() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    let out = d.infra(&moto, &["apply"]).expect_code(2);
    assert!(
        out.stderr.contains("standard input is not a terminal") && out.stderr.contains("--auto-approve"),
        "{}",
        out.stderr
    );
    let sch = aws_sdk_scheduler::Client::new(&moto.sdk_config().await);
    assert!(sch.get_schedule_group().name("intervalprocessing").send().await.is_err(), "nothing was created");
}
