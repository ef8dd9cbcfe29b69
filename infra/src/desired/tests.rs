use intervalprocessing_jobs::Process;
use serde_json::Value;

use super::{Arns, desired, execution_role, scheduler_role, task_definition, task_role};
use crate::config::Deployment;
use crate::model::Resource;
use crate::policy;
use crate::validate::{Settings, validate};

fn settings() -> Settings {
    let text = include_str!("../../../deploy/intervalprocessing.toml");
    let d: Deployment = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    validate(&d).unwrap_or_else(|p| panic!("{p:?}"))
}

fn arns() -> Arns {
    Arns { region: "us-east-1".into(), account: "123456789012".into() }
}

#[test]
fn every_resource_is_tagged_and_ordered() {
    let all = desired(&settings(), &arns());
    assert_eq!(all.len(), 22);
    for r in &all {
        if let Some(t) = r.tags() {
            assert_eq!(t.get("ManagedBy").map(String::as_str), Some("intervalprocessing"), "{}", r.id());
        }
    }
    let first_schedule = all.iter().position(|r| matches!(r, Resource::Schedule(_)));
    let group = all.iter().position(|r| matches!(r, Resource::ScheduleGroup(_)));
    assert!(group < first_schedule);
}

#[test]
fn task_definition_carries_the_runtime_environment_and_the_secret() {
    let s = settings();
    let ps = s.processes.iter().find(|p| p.process == Process::QuarterHourlyDataChange).cloned();
    let td = task_definition(&s, &arns(), &ps.unwrap_or_else(|| panic!("no process")));
    let env = &td.container.environment;
    assert_eq!(env["processToRun"], "QuarterHourlyDataChange");
    assert_eq!(env["SCHEDULE_TIMEZONE"], "Europe/Berlin");
    assert_eq!(env["OUTPUT_URL"], "s3://intervalprocessing-example/GeneratedFiles/");
    assert_eq!(env["RUN_TIMEOUT"], "12m");
    assert_eq!(env["SHUTDOWN_GRACE"], "1m 40s");
    assert_eq!(env["LOG_FORMAT"], "json");
    assert!(!env.contains_key("MONGODB_URI"), "the URI is a secret, never plain environment");
    assert!(td.container.secrets["MONGODB_URI"].starts_with("arn:aws:secretsmanager:"));
    assert_eq!(td.container.name, "intervalprocessing-quarterhourlydatachange");
    assert_eq!(td.container.log_options["awslogs-group"], "/ecs/IntervalProcessing-QuarterHourlyDataChange");
    assert_eq!(td.container.memory_reservation, Some(3072));
}

#[test]
fn iam_policies_have_no_wildcard_action_and_star_resources_only_where_unavoidable() {
    let s = settings();
    let a = arns();
    for role in [execution_role(&s, &a), task_role(&s, &a), scheduler_role(&s, &a)] {
        for (name, doc) in &role.policies {
            for (_, action) in policy::actions(doc) {
                assert!(!action.contains('*'), "{} {name}: action {action}", role.name);
            }
            for (_, actions, resource) in policy::resources(doc) {
                if resource == "*" {
                    assert_eq!(actions, ["ecr:GetAuthorizationToken"], "{} {name}", role.name);
                }
            }
        }
    }
}

#[test]
fn task_role_writes_only_under_the_prefix_and_scheduler_passes_exactly_two_roles() {
    let s = settings();
    let a = arns();
    let doc = &task_role(&s, &a).policies["output"];
    let resources: Vec<String> = policy::resources(doc).into_iter().map(|(_, _, r)| r).collect();
    assert!(
        resources.contains(&"arn:aws:s3:::intervalprocessing-example/GeneratedFiles/*".to_owned()),
        "{resources:?}"
    );
    let doc = &scheduler_role(&s, &a).policies["run-tasks"];
    let pass: Vec<String> = policy::resources(doc)
        .into_iter()
        .filter(|(_, acts, _)| acts == &["iam:PassRole"])
        .map(|(_, _, r)| r)
        .collect();
    assert_eq!(
        pass,
        [
            "arn:aws:iam::123456789012:role/IntervalProcessing-Task",
            "arn:aws:iam::123456789012:role/IntervalProcessing-TaskExecution"
        ]
    );
}

#[test]
fn schedules_start_disabled_with_the_scheduled_time_override() {
    let all = desired(&settings(), &arns());
    let schedules: Vec<_> =
        all.iter().filter_map(|r| if let Resource::Schedule(s) = r { Some(s) } else { None }).collect();
    assert_eq!(schedules.len(), 5);
    for s in schedules {
        assert_eq!(s.state, "DISABLED");
        assert_eq!(s.flexible_time_window, "OFF");
        assert_eq!(s.target.assign_public_ip, "DISABLED");
        let env = &s.target.input["containerOverrides"][0]["environment"];
        assert_eq!(env[1], serde_json::json!({"name": "SCHEDULED_TIME", "value": "<aws.scheduler.scheduled-time>"}));
        assert!(matches!(env[0]["value"], Value::String(_)));
    }
}

#[test]
fn canonical_policies_compare_equal_whatever_the_shape() {
    let a = serde_json::json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["b", "a"]}});
    let b = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["a", "b"]}]});
    assert_eq!(policy::canonical(&a), policy::canonical(&b));
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%7D";
    assert_eq!(policy::parse_document(encoded), Some(serde_json::json!({"Version": "2012-10-17"})));
}

#[test]
fn task_role_grants_exactly_the_s3_calls_file_generation_makes() {
    let role = task_role(&settings(), &arns());
    let doc = &role.policies["output"];
    let mut actions: Vec<String> = policy::actions(doc).into_iter().map(|(_, a)| a).collect();
    actions.sort();
    // PutObject covers create/upload-part/complete of a multipart upload; abort_stale lists the
    // bucket's unfinished uploads. Nothing reads or lists objects.
    assert_eq!(actions, ["s3:AbortMultipartUpload", "s3:ListBucketMultipartUploads", "s3:PutObject"]);
    for (_, acts, resource) in policy::resources(doc) {
        if acts.iter().any(|a| a == "s3:ListBucketMultipartUploads") {
            assert_eq!(resource, "arn:aws:s3:::intervalprocessing-example");
        } else {
            assert_eq!(resource, "arn:aws:s3:::intervalprocessing-example/GeneratedFiles/*");
        }
    }
}

#[test]
fn shutdown_grace_leaves_the_runtime_its_bookkeeping_time_before_sigkill() {
    use intervalprocessing_jobs::process::SHUTDOWN_BOOKKEEPING;
    let bookkeeping = i32::try_from(SHUTDOWN_BOOKKEEPING.as_secs()).unwrap_or(i32::MAX);
    for stop in [30, 40, 60, 120] {
        let grace = crate::validate::shutdown_grace(stop);
        assert!(grace >= 1 && grace + bookkeeping <= stop, "stopTimeout {stop}: grace {grace}");
    }
    assert_eq!(crate::validate::shutdown_grace(120), 100);
}
