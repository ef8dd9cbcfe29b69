use intervalprocessing_jobs::Process;
use serde_json::Value;

use super::{Arns, desired, execution_role, scheduler_role, task_definition, task_role};
use crate::config::Deployment;
use crate::fixtures::{arns, settings};
use crate::policy;
use crate::resources::Resource;
use crate::validate::{Settings, validate};

#[test]
fn every_resource_is_tagged_and_ordered() {
    let all = desired(&settings(), &arns());
    // Eight shared resources (roles, cluster, bucket, queue, schedule group, ...), six for alerting
    // (topic, four Scheduler alarms, the rule) and four per process (+ its no-successful-window alarm).
    assert_eq!(all.len(), 14 + 4 * Process::all().count());
    for r in &all {
        if let Some(t) = r.tags() {
            assert_eq!(t.get("ManagedBy").map(String::as_str), Some("intervalprocessing"), "{}", r.id());
        }
    }
    let first_schedule = all.iter().position(|r| matches!(r, Resource::Schedule(_)));
    let group = all.iter().position(|r| matches!(r, Resource::ScheduleGroup(_)));
    assert!(group < first_schedule);
    let topic = all.iter().position(|r| matches!(r, Resource::Topic(_)));
    let first_alarm = all.iter().position(|r| matches!(r, Resource::Alarm(_)));
    let rule = all.iter().position(|r| matches!(r, Resource::EventRule(_)));
    assert!(topic.is_some() && topic < first_alarm && topic < rule, "the topic the others notify comes first");
}

#[test]
fn task_definition_carries_the_runtime_environment_and_the_secret() {
    let s = settings();
    let ps = s.processes.iter().find(|p| p.process.name() == "QuarterHourlyDataChange").cloned();
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
    assert_eq!(schedules.len(), Process::all().count());
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
    use intervalprocessing_jobs::spec::SHUTDOWN_BOOKKEEPING;
    let bookkeeping = i32::try_from(SHUTDOWN_BOOKKEEPING.as_secs()).unwrap_or(i32::MAX);
    for stop in [30, 40, 60, 120] {
        let grace = crate::validate::shutdown_grace(stop);
        assert!(grace >= 1 && grace + bookkeeping <= stop, "stopTimeout {stop}: grace {grace}");
    }
    assert_eq!(crate::validate::shutdown_grace(120), 100);
}

fn settings_with(extra: &[(&str, &str)]) -> Settings {
    let mut text = include_str!("../../../deploy/intervalprocessing.toml").to_owned();
    for (from, to) in extra {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let d: Deployment = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    validate(&d).unwrap_or_else(|p| panic!("{p:?}"))
}

fn statement(doc: &Value, sid: &str) -> Option<Value> {
    doc["Statement"].as_array().and_then(|a| a.iter().find(|s| s["Sid"] == sid)).cloned()
}

#[test]
fn the_kms_key_is_decryptable_only_through_the_service_that_holds_the_secret() {
    let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let line = "mongodb_database = \"intervalprocessing\"";
    let s = settings_with(&[(line, &format!("{line}\nmongodb_uri_kms_key = \"{key}\""))]);
    let doc = &execution_role(&s, &arns()).policies["task-execution"];
    let decrypt = statement(doc, "DecryptMongoUri").unwrap_or_else(|| panic!("no decrypt statement: {doc}"));
    assert_eq!(decrypt["Action"], serde_json::json!(["kms:Decrypt"]));
    assert_eq!(decrypt["Resource"], serde_json::json!([key]));
    assert_eq!(
        decrypt["Condition"],
        serde_json::json!({"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}})
    );
    let without = &execution_role(&settings(), &arns()).policies["task-execution"];
    assert!(statement(without, "DecryptMongoUri").is_none());
}

#[test]
fn ecr_pull_is_scoped_to_the_image_repository_and_absent_for_other_registries() {
    let s = settings_with(&[(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/intervalprocessing:latest",
        "210987654321.dkr.ecr.eu-west-1.amazonaws.com/shared/app:1",
    )]);
    let doc = &execution_role(&s, &arns()).policies["task-execution"];
    let pull = statement(doc, "PullImage").unwrap_or_else(|| panic!("no pull statement"));
    assert_eq!(pull["Resource"], serde_json::json!(["arn:aws:ecr:eu-west-1:210987654321:repository/shared/app"]));
    let s =
        settings_with(&[("123456789012.dkr.ecr.us-east-1.amazonaws.com/intervalprocessing:latest", "ghcr.io/x/app:1")]);
    let doc = &execution_role(&s, &arns()).policies["task-execution"];
    assert!(policy::actions(doc).iter().all(|(_, a)| !a.starts_with("ecr:")), "{doc}");
}

#[test]
fn scheduled_tasks_carry_tags_and_the_scheduler_may_tag_only_tasks_it_starts() {
    let s = settings();
    let all = desired(&s, &arns());
    for r in &all {
        if let Resource::Schedule(sch) = r {
            assert_eq!(sch.target.propagate_tags.as_deref(), Some("TASK_DEFINITION"));
            assert!(sch.target.enable_ecs_managed_tags);
        }
    }
    let doc = &scheduler_role(&s, &arns()).policies["run-tasks"];
    let tag = statement(doc, "TagStartedTasks").unwrap_or_else(|| panic!("no tag statement"));
    assert_eq!(tag["Action"], serde_json::json!(["ecs:TagResource"]));
    assert_eq!(tag["Resource"], serde_json::json!(["arn:aws:ecs:us-east-1:123456789012:task/intervalprocessing/*"]));
    assert_eq!(tag["Condition"], serde_json::json!({"StringEquals": {"ecs:CreateAction": "RunTask"}}));
}

#[test]
fn arns_follow_the_partition_of_the_region() {
    let cn = Arns { region: "cn-north-1".into(), account: "123456789012".into() };
    assert_eq!(cn.role("R"), "arn:aws-cn:iam::123456789012:role/R");
    assert_eq!(cn.bucket("b"), "arn:aws-cn:s3:::b");
    let gov = Arns { region: "us-gov-west-1".into(), account: "123456789012".into() };
    assert_eq!(gov.cluster("c"), "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/c");
}

#[test]
fn documents_are_sent_as_written_and_compared_canonically() {
    let s = settings();
    let bucket = super::bucket(&s, &arns());
    let policy = bucket.policy.clone().unwrap_or_default();
    // A plain string, not a one-item list (linters reject the list form for Bool).
    assert_eq!(policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"], "false");
    let role = task_role(&s, &arns());
    assert_eq!(role.assume_role_policy["Statement"][0]["Principal"]["Service"], "ecs-tasks.amazonaws.com");
    let canonical = policy::canonical(&policy);
    assert!(policy::same(&policy, &canonical));
    assert_ne!(policy, canonical, "the canonical form is only for comparing");
}

#[test]
fn undeclared_policies_on_managed_roles_are_drift_not_changes() {
    let s = settings();
    let want = task_role(&s, &arns());
    let mut have = want.clone();
    have.policies.insert("by-hand".into(), serde_json::json!({"Version": "2012-10-17", "Statement": []}));
    have.attached_policies.push("arn:aws:iam::aws:policy/AdministratorAccess".into());
    // AWS returns the policy canonicalised differently; still no change.
    have.policies.insert("output".into(), policy::canonical(&want.policies["output"]));
    let plan = crate::plan::Plan::build(vec![Resource::Role(want)], vec![Some(Resource::Role(have))]);
    assert!(!plan.has_changes(), "{}", plan.render());
    assert!(plan.needs_attention());
    let what: Vec<&str> = plan.drift.iter().map(|d| d.what.as_str()).collect();
    assert_eq!(what, ["inline policy by-hand", "attached managed policy arn:aws:iam::aws:policy/AdministratorAccess"]);
    assert!(plan.render().contains("! drift     iam_role         IntervalProcessing-Task: inline policy by-hand"));
}

#[test]
fn the_operator_policy_limits_service_linked_roles_to_ecs_and_tagging_to_run_task() {
    let doc: Value = serde_json::from_str(include_str!("../../operator-policy.json")).unwrap_or_else(|e| panic!("{e}"));
    let statements = doc["Statement"].as_array().cloned().unwrap_or_default();
    let find = |action: &str, condition_key: &str| {
        statements.iter().find(|s| {
            strings(&s["Action"]).iter().any(|a| a == action)
                && s["Condition"]["StringEquals"].get(condition_key).is_some()
        })
    };
    let slr = find("iam:CreateServiceLinkedRole", "iam:AWSServiceName").unwrap_or_else(|| panic!("no SLR statement"));
    assert_eq!(slr["Condition"]["StringEquals"]["iam:AWSServiceName"], "ecs.amazonaws.com");
    let tag = find("ecs:TagResource", "ecs:CreateAction").unwrap_or_else(|| panic!("no RunTask tagging statement"));
    assert_eq!(tag["Condition"]["StringEquals"]["ecs:CreateAction"], "RunTask");
    let all: Vec<String> = statements.iter().flat_map(|s| strings(&s["Action"])).collect();
    for needed in ["ecr:DescribeImages", "iam:ListAttachedRolePolicies", "iam:ListRoles", "s3:GetBucketTagging"] {
        assert!(all.iter().any(|a| a == needed), "{needed} missing from the operator policy");
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn the_readme_shows_the_operator_policy_file_verbatim() {
    let readme = include_str!("../../README.md");
    let policy = include_str!("../../operator-policy.json");
    assert!(readme.contains(&format!("```json\n{policy}```")), "infra/README.md must embed operator-policy.json as is");
}

#[test]
fn retention_and_catch_up_reach_the_task_environment_only_when_set() {
    let s = settings_with(&[("output_url =", "retention_days = 30\noutput_url =")]);
    let td = task_definition(&s, &arns(), &s.processes[0]);
    assert_eq!(td.container.environment.get("RETENTION_DAYS").map(String::as_str), Some("30"));
    assert!(!td.container.environment.contains_key("CATCH_UP_LIMIT"), "unset: the runtime's default applies");
    let td = task_definition(&settings(), &arns(), &settings().processes[0]);
    assert!(!td.container.environment.contains_key("RETENTION_DAYS"));
}
