//! Operating a deployment: enable/disable, run, status and destroy.

use aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput;

use crate::infra::harness::{Deploy, resource_count};
use crate::support::{Moto, process_names};

const GROUP: &str = "intervalprocessing";

async fn schedule(sch: &aws_sdk_scheduler::Client, process: &str) -> GetScheduleOutput {
    sch.get_schedule()
        .group_name(GROUP)
        .name(format!("Run-IntervalProcessing-{process}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{process}: {e:?}"))
}

/// Everything of a schedule but its state and modification time.
fn without_state(s: &GetScheduleOutput) -> String {
    format!(
        "{:?} {:?} {:?} {:?} {:?} {:?}",
        s.schedule_expression(),
        s.schedule_expression_timezone(),
        s.description(),
        s.flexible_time_window(),
        s.target(),
        s.group_name()
    )
}

#[tokio::test]
async fn enable_and_disable_change_only_the_schedule_state() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let sch = aws_sdk_scheduler::Client::new(&moto.sdk_config().await);
    let processes = process_names();
    let mut before = Vec::new();
    for p in processes.iter().copied() {
        before.push(without_state(&schedule(&sch, p).await));
    }

    d.infra(&moto, &["enable", "--process", "HourlyDataChange"]).success();
    for (p, b) in processes.iter().zip(&before) {
        let s = schedule(&sch, p).await;
        let want = if *p == "HourlyDataChange" { "ENABLED" } else { "DISABLED" };
        assert_eq!(s.state().map(|s| s.as_str()), Some(want), "{p}");
        assert_eq!(&without_state(&s), b, "{p}: only the state may change");
    }
    let out = d.infra(&moto, &["status"]).success();
    assert!(out.stdout.contains("Run-IntervalProcessing-HourlyDataChange ENABLED"), "{}", out.stdout);
    assert!(out.stdout.contains("cron(0 * * * ? *) in Europe/Berlin"), "{}", out.stdout);
    let next_lines: Vec<&str> = out.stdout.lines().filter(|l| l.trim_start().starts_with("next:")).collect();
    let disabled = next_lines.iter().filter(|l| l.contains("none (disabled)")).count();
    assert_eq!(disabled, processes.len() - 1, "{}", out.stdout);
    let plan = d.infra(&moto, &["plan"]).success();
    assert!(
        plan.stdout.contains("state: \"ENABLED\" -> \"DISABLED\""),
        "plan shows the drift from the file:\n{}",
        plan.stdout
    );

    d.infra(&moto, &["disable"]).success();
    for (p, b) in processes.iter().zip(&before) {
        let s = schedule(&sch, p).await;
        assert_eq!(s.state().map(|s| s.as_str()), Some("DISABLED"), "{p}");
        assert_eq!(&without_state(&s), b, "{p}: only the state may change");
    }
    d.infra(&moto, &["plan", "--detailed-exitcode"]).expect_code(0);
    let out = d.infra(&moto, &["enable", "--process", "Nope"]).expect_code(3);
    assert!(out.stderr.contains("QuarterHourlyDataChange"), "lists valid names: {}", out.stderr);
}

#[tokio::test]
async fn run_starts_a_task_whose_overrides_carry_process_and_scheduled_time() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let before = chrono::Utc::now() - chrono::TimeDelta::seconds(2);
    let out = d.infra(&moto, &["run", "--process", "NightlyDataChange"]).success();
    let arn = out.stdout.trim();
    assert!(arn.starts_with("arn:aws:ecs:us-east-1:123456789012:task/intervalprocessing/"), "{}", out.stdout);

    let ecs = aws_sdk_ecs::Client::new(&moto.sdk_config().await);
    let tasks = ecs.describe_tasks().cluster(GROUP).tasks(arn).send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let task = &tasks.tasks()[0];
    assert!(
        task.task_definition_arn()
            .unwrap_or_default()
            .contains("task-definition/IntervalProcessing-NightlyDataChange:")
    );
    assert_eq!(task.capacity_provider_name(), Some("FARGATE"));
    let o = &task.overrides().map(|o| o.container_overrides().to_vec()).unwrap_or_default()[0];
    assert_eq!(o.name(), Some("intervalprocessing-nightlydatachange"));
    let env: std::collections::BTreeMap<&str, &str> =
        o.environment().iter().map(|kv| (kv.name().unwrap_or_default(), kv.value().unwrap_or_default())).collect();
    assert_eq!(env.get("processToRun"), Some(&"NightlyDataChange"));
    let at = chrono::DateTime::parse_from_rfc3339(env.get("SCHEDULED_TIME").unwrap_or(&"missing"))
        .unwrap_or_else(|e| panic!("{e}: {env:?}"));
    assert!(at >= before && at <= chrono::Utc::now(), "SCHEDULED_TIME {at} is now");
}

#[tokio::test]
async fn run_wait_waits_for_the_task_and_prints_the_stop_reason() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let path = d.path.display().to_string();
    let mut child = moto
        .cli()
        .args([
            "infra",
            "--config",
            &path,
            "run",
            "--process",
            "HourlyDataChange",
            "--wait",
            "--poll-interval",
            "200ms",
        ])
        .command()
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk_config().await);
    let mut arn = None;
    for _ in 0..100 {
        let list = ecs.list_tasks().cluster(GROUP).send().await.unwrap_or_else(|e| panic!("{e:?}"));
        if let Some(a) = list.task_arns().first() {
            arn = Some(a.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let arn = arn.unwrap_or_else(|| panic!("no task started"));
    assert!(child.try_wait().ok().flatten().is_none(), "--wait returned before the task stopped");
    ecs.stop_task()
        .cluster(GROUP)
        .task(&arn)
        .reason("stopped by the test")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&arn) && stdout.contains("stopped: stopped by the test"), "{stdout}");
    // moto reports exit code 0 for a stopped container: --wait exits with it.
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

#[tokio::test]
async fn destroy_removes_what_it_created_and_keeps_an_unmanaged_schedule_and_role() {
    let moto = Moto::start();
    let d = Deploy::new(&moto, "");
    let conf = moto.sdk_config().await;
    let iam = aws_sdk_iam::Client::new(&conf);
    let sch = aws_sdk_scheduler::Client::new(&conf);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role()
        .role_name("SomeoneElsesRole")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let target = aws_sdk_scheduler::types::Target::builder()
        .arn("arn:aws:sqs:us-east-1:123456789012:someone-elses-queue")
        .role_arn("arn:aws:iam::123456789012:role/SomeoneElsesRole")
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let window = aws_sdk_scheduler::types::FlexibleTimeWindow::builder()
        .mode(aws_sdk_scheduler::types::FlexibleTimeWindowMode::Off)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    sch.create_schedule()
        .name("SomeoneElsesSchedule")
        .schedule_expression("rate(1 hour)")
        .flexible_time_window(window)
        .target(target)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));

    d.infra(&moto, &["apply", "--auto-approve"]).success();
    let out = d.infra(&moto, &["destroy"]).expect_code(2);
    assert!(out.stderr.contains("--auto-approve"), "{}", out.stderr);
    let out = d.infra(&moto, &["destroy", "--auto-approve"]).success();
    let n = resource_count();
    assert!(out.stdout.contains(&format!("Destroy complete: {n} deleted.")), "{}", out.stdout);

    // Everything it created is gone: a new plan creates all of it again.
    let plan = d.infra(&moto, &["plan"]).success();
    let again = format!("Plan: {n} to create, 0 to update, 0 to delete, 0 unchanged.");
    assert!(plan.stdout.contains(&again), "{}", plan.stdout);
    for role in ["IntervalProcessing-TaskExecution", "IntervalProcessing-Task", "IntervalProcessing-Scheduler"] {
        assert!(iam.get_role().role_name(role).send().await.is_err(), "{role} survived");
    }
    assert!(sch.get_schedule_group().name(GROUP).send().await.is_err(), "the schedule group survived");
    let s3 = moto.s3().await;
    assert!(s3.head_bucket().bucket(crate::infra::harness::BUCKET).send().await.is_err(), "the bucket survived");

    // What it did not create is still there.
    iam.get_role()
        .role_name("SomeoneElsesRole")
        .send()
        .await
        .unwrap_or_else(|e| panic!("the unmanaged role is gone: {e:?}"));
    sch.get_schedule()
        .name("SomeoneElsesSchedule")
        .send()
        .await
        .unwrap_or_else(|e| panic!("the unmanaged schedule is gone: {e:?}"));
}
