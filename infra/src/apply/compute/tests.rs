use super::requests::{
    RetentionRequest, build_err, cluster_capacity_request, cluster_tag_request, create_cluster_request,
    create_log_group_request, create_repository_request, delete_cluster_request, delete_log_group_request,
    delete_repository_request, deregister_task_definition_request, log_group_tag_request, repository_scanning_request,
    repository_tag_request, retention_request, task_definition_request,
};
use crate::desired::{cluster, ecr_repository, log_group, task_definition};
use crate::fixtures::{arns, process, settings};
use crate::resources::Tags;

fn ecs_tags(tags: &[aws_sdk_ecs::types::Tag]) -> Tags {
    tags.iter().map(|t| (t.key().unwrap_or_default().to_owned(), t.value().unwrap_or_default().to_owned())).collect()
}

#[test]
fn the_ecr_repository_requests_send_scan_on_push_and_our_tags_to_the_repository() {
    let s = settings();
    let want = ecr_repository(&s);
    let create = create_repository_request(&want).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(create.get_repository_name().as_deref(), Some(want.name.as_str()));
    assert_eq!(create.get_image_scanning_configuration().as_ref().map(|c| c.scan_on_push()), Some(true));
    let tags: Tags = create.get_tags().iter().flatten().map(|t| (t.key().to_owned(), t.value().to_owned())).collect();
    assert_eq!(tags, want.tags);
    assert!(tags.contains_key("ManagedBy"), "{tags:?}");

    let scanning = repository_scanning_request(&want);
    assert_eq!(scanning.get_repository_name().as_deref(), Some(want.name.as_str()));
    assert_eq!(scanning.get_image_scanning_configuration().as_ref().map(|c| c.scan_on_push()), Some(true));

    let tag = repository_tag_request(&want, &arns()).unwrap_or_else(|e| panic!("{e}"));
    let arn = format!("arn:aws:ecr:us-east-1:123456789012:repository/{}", want.name);
    assert_eq!(tag.get_resource_arn().as_deref(), Some(arn.as_str()));
    let tags: Tags = tag.get_tags().iter().flatten().map(|t| (t.key().to_owned(), t.value().to_owned())).collect();
    assert_eq!(tags, want.tags);
}

#[test]
fn the_cluster_requests_send_both_fargate_providers_the_on_demand_default_and_our_tags() {
    let s = settings();
    let want = cluster(&s);
    let strategy = |items: &[aws_sdk_ecs::types::CapacityProviderStrategyItem]| -> Vec<(String, i32, i32)> {
        items.iter().map(|c| (c.capacity_provider().to_owned(), c.weight(), c.base())).collect()
    };
    let create = create_cluster_request(&want).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(create.get_cluster_name().as_deref(), Some(want.name.as_str()));
    assert_eq!(
        create.get_capacity_providers().as_deref(),
        Some(&["FARGATE".to_owned(), "FARGATE_SPOT".to_owned()][..])
    );
    let default = create.get_default_capacity_provider_strategy().as_deref().map(strategy);
    assert_eq!(default, Some(vec![("FARGATE".to_owned(), 1, 0)]));
    assert_eq!(ecs_tags(create.get_tags().as_deref().unwrap_or_default()), want.tags);

    let capacity = cluster_capacity_request(&want).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(capacity.get_cluster().as_deref(), Some(want.name.as_str()));
    assert_eq!(capacity.get_capacity_providers(), create.get_capacity_providers());
    assert_eq!(capacity.get_default_capacity_provider_strategy().as_deref().map(strategy), default);

    let tag = cluster_tag_request(&want, &arns());
    let arn = format!("arn:aws:ecs:us-east-1:123456789012:cluster/{}", want.name);
    assert_eq!(tag.get_resource_arn().as_deref(), Some(arn.as_str()));
    assert_eq!(ecs_tags(tag.get_tags().as_deref().unwrap_or_default()), want.tags);
}

#[test]
fn the_log_group_requests_send_its_name_and_our_tags_to_the_group() {
    let s = settings();
    let want = log_group(&s, process(&s).process);
    let create = create_log_group_request(&want);
    assert_eq!(create.get_log_group_name().as_deref(), Some(want.name.as_str()));
    let tags: Option<Tags> = create.get_tags().clone().map(|t| t.into_iter().collect());
    assert_eq!(tags.as_ref(), Some(&want.tags));

    let tag = log_group_tag_request(&want, &arns());
    let arn = format!("arn:aws:logs:us-east-1:123456789012:log-group:{}", want.name);
    assert_eq!(tag.get_resource_arn().as_deref(), Some(arn.as_str()));
    let tags: Option<Tags> = tag.get_tags().clone().map(|t| t.into_iter().collect());
    assert_eq!(tags.as_ref(), Some(&want.tags));
}

#[test]
fn a_log_group_retention_is_put_when_set_and_removed_when_not() {
    let s = settings();
    let mut want = log_group(&s, process(&s).process);
    want.retention_days = Some(14);
    match retention_request(&want) {
        RetentionRequest::Put(r) => {
            assert_eq!(r.get_log_group_name().as_deref(), Some(want.name.as_str()));
            assert_eq!(r.get_retention_in_days(), &Some(14));
        }
        other => panic!("expected PutRetentionPolicy, got {other:?}"),
    }
    want.retention_days = None;
    match retention_request(&want) {
        RetentionRequest::Delete(r) => assert_eq!(r.get_log_group_name().as_deref(), Some(want.name.as_str())),
        other => panic!("expected DeleteRetentionPolicy, got {other:?}"),
    }
}

#[test]
fn the_compute_delete_requests_name_the_resource_and_never_force() {
    let s = settings();
    let repo = ecr_repository(&s);
    let delete = delete_repository_request(&repo);
    assert_eq!(delete.get_repository_name().as_deref(), Some(repo.name.as_str()));
    assert_eq!(delete.get_force(), &None, "a repository with images is kept");
    let c = cluster(&s);
    assert_eq!(delete_cluster_request(&c).get_cluster().as_deref(), Some(c.name.as_str()));
    let g = log_group(&s, process(&s).process);
    assert_eq!(delete_log_group_request(&g).get_log_group_name().as_deref(), Some(g.name.as_str()));
    let arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/x:3";
    assert_eq!(deregister_task_definition_request(arn).get_task_definition().as_deref(), Some(arn));
}

#[test]
fn the_task_definition_request_sends_the_desired_definition_and_the_uri_only_as_a_secret() {
    let s = settings();
    let ps = process(&s);
    let want = task_definition(&s, &arns(), &ps);
    let req = task_definition_request(&want).and_then(|b| b.build().map_err(|e| build_err("test", e)));
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
