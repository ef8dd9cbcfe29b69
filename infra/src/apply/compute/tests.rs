use super::task_definition_request;
use crate::desired::task_definition;
use crate::fixtures::{arns, process, settings};

#[test]
fn the_task_definition_request_sends_the_desired_definition_and_the_uri_only_as_a_secret() {
    let s = settings();
    let ps = process(&s);
    let want = task_definition(&s, &arns(), &ps);
    let req = task_definition_request(&want).and_then(|b| b.build().map_err(|e| super::build_err("test", e)));
    let req = req.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(req.family(), Some(want.family.as_str()));
    assert_eq!((req.cpu(), req.memory()), (Some(want.cpu.as_str()), Some(want.memory.as_str())));
    assert_eq!(req.network_mode().map(|m| m.as_str()), Some("awsvpc"));
    let compat: Vec<&str> = req.requires_compatibilities().iter().map(|c| c.as_str()).collect();
    assert_eq!(compat, ["FARGATE"]);
    assert_eq!(req.execution_role_arn(), Some(want.execution_role_arn.as_str()));
    assert_eq!(req.task_role_arn(), Some(want.task_role_arn.as_str()));
    assert_eq!(req.ephemeral_storage().map(|e| e.size_in_gib()), Some(want.ephemeral_storage_gib));
    let platform = req.runtime_platform();
    assert_eq!(platform.and_then(|p| p.operating_system_family()).map(|o| o.as_str()), Some("LINUX"));
    assert_eq!(platform.and_then(|p| p.cpu_architecture()).map(|c| c.as_str()), Some("X86_64"));
    let [c] = req.container_definitions() else { panic!("one container") };
    assert_eq!(c.name(), Some(want.container.name.as_str()));
    assert_eq!(c.image(), Some(want.container.image.as_str()));
    assert_eq!(c.stop_timeout(), want.container.stop_timeout);
    let env: Vec<(&str, &str)> =
        c.environment().iter().map(|e| (e.name().unwrap_or_default(), e.value().unwrap_or_default())).collect();
    let want_env: Vec<(&str, &str)> =
        want.container.environment.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(env, want_env);
    assert!(!env.iter().any(|(k, _)| *k == "MONGODB_URI"), "the URI is never plain environment");
    let secrets: Vec<(&str, &str)> = c.secrets().iter().map(|s| (s.name(), s.value_from())).collect();
    assert_eq!(secrets, [("MONGODB_URI", s.file.mongodb_uri_secret.as_str())]);
    let logs = c.log_configuration().unwrap_or_else(|| panic!("no log configuration"));
    assert_eq!(logs.log_driver().as_str(), "awslogs");
    assert_eq!(logs.options().and_then(|o| o.get("awslogs-group")), want.container.log_options.get("awslogs-group"));
    let tags: Vec<(&str, &str)> =
        req.tags().iter().map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())).collect();
    assert!(tags.contains(&("ManagedBy", "intervalprocessing")), "{tags:?}");
}
