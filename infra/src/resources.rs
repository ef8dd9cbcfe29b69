//! The normalised shape that both the desired state (from the file) and the remote state (read
//! from AWS) are mapped to. Lists are sorted, defaults filled and policies canonical, so two equal
//! deployments compare equal and a plan after an apply is empty.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::policy::canonical;

mod alerting;
pub use alerting::{Alarm, EventRule, RuleTarget, Topic};

pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcrRepository {
    pub name: String,
    pub scan_on_push: bool,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, PartialOrd, Ord)]
pub struct CapacityProvider {
    pub capacity_provider: String,
    pub weight: i32,
    pub base: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cluster {
    pub name: String,
    pub capacity_providers: Vec<String>,
    pub default_strategy: Vec<CapacityProvider>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogGroup {
    pub name: String,
    pub retention_days: Option<i32>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Role {
    pub name: String,
    pub assume_role_policy: Value,
    /// Inline policies by name.
    pub policies: BTreeMap<String, Value>,
    /// ARNs of attached managed policies, sorted (infra attaches none; others' are drift).
    pub attached_policies: Vec<String>,
    pub tags: Tags,
}

/// A service-linked role AWS needs before a resource can be created (the ECS one for a cluster
/// with capacity providers). Created when missing, never deleted: the whole account shares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceLinkedRole {
    pub name: String,
    /// The service that owns it, e.g. `ecs.amazonaws.com`.
    pub service: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    pub name: String,
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
    /// Default encryption algorithm (`AES256` = SSE-S3), if any.
    pub encryption: Option<String>,
    pub bucket_key: bool,
    pub policy: Option<Value>,
    pub abort_incomplete_uploads_after_days: Option<i32>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub essential: bool,
    pub memory_reservation: Option<i32>,
    pub stop_timeout: Option<i32>,
    pub environment: BTreeMap<String, String>,
    /// Secret name -> valueFrom ARN.
    pub secrets: BTreeMap<String, String>,
    pub log_driver: Option<String>,
    pub log_options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskDefinition {
    pub family: String,
    pub cpu: String,
    pub memory: String,
    pub network_mode: String,
    pub requires_compatibilities: Vec<String>,
    pub operating_system: String,
    pub cpu_architecture: String,
    pub execution_role_arn: String,
    pub task_role_arn: String,
    pub ephemeral_storage_gib: i32,
    pub container: Container,
    pub tags: Tags,
}

/// The schedules' dead-letter queue: a standard SQS queue, encrypted with SQS-managed keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Queue {
    pub name: String,
    /// SSE-SQS (`SqsManagedSseEnabled`).
    pub sse_sqs: bool,
    /// How long a dead-lettered invocation waits for `infra redrive`.
    pub message_retention_seconds: i32,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleGroup {
    pub name: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    pub name: String,
    pub group: String,
    pub expression: String,
    pub timezone: String,
    /// `ENABLED` or `DISABLED`.
    pub state: String,
    pub description: String,
    pub flexible_time_window: String,
    pub target: EcsTarget,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EcsTarget {
    pub cluster_arn: String,
    pub role_arn: String,
    /// The RunTask overrides (canonical JSON).
    pub input: Value,
    pub retry_attempts: i32,
    pub max_event_age_seconds: i32,
    pub task_definition_arn: String,
    pub task_count: i32,
    pub capacity_provider_strategy: Vec<CapacityProvider>,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: String,
    /// `TASK_DEFINITION`: the tasks get the task definition's tags.
    pub propagate_tags: Option<String>,
    /// ECS adds `aws:ecs:clusterName` and friends to the tasks.
    pub enable_ecs_managed_tags: bool,
    /// The dead-letter queue a schedule sends an invocation to once its retries are spent.
    pub dead_letter_arn: Option<String>,
}

/// One managed resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    EcrRepository(EcrRepository),
    Cluster(Cluster),
    LogGroup(LogGroup),
    Role(Role),
    Bucket(Bucket),
    TaskDefinition(TaskDefinition),
    ScheduleGroup(ScheduleGroup),
    Schedule(Schedule),
    ServiceLinkedRole(ServiceLinkedRole),
    Queue(Queue),
    Topic(Topic),
    Alarm(Alarm),
    EventRule(EventRule),
}

impl Resource {
    /// The kind, as printed in plans.
    pub fn kind(&self) -> &'static str {
        match self {
            Resource::EcrRepository(_) => "ecr_repository",
            Resource::Cluster(_) => "ecs_cluster",
            Resource::LogGroup(_) => "log_group",
            Resource::Role(_) => "iam_role",
            Resource::Bucket(_) => "s3_bucket",
            Resource::TaskDefinition(_) => "task_definition",
            Resource::ScheduleGroup(_) => "schedule_group",
            Resource::Schedule(_) => "schedule",
            Resource::ServiceLinkedRole(_) => "service_linked_role",
            Resource::Queue(_) => "sqs_queue",
            Resource::Topic(_) => "sns_topic",
            Resource::Alarm(_) => "cloudwatch_alarm",
            Resource::EventRule(_) => "events_rule",
        }
    }

    /// The name that identifies it within its kind.
    pub fn id(&self) -> String {
        match self {
            Resource::EcrRepository(r) => r.name.clone(),
            Resource::Cluster(r) => r.name.clone(),
            Resource::LogGroup(r) => r.name.clone(),
            Resource::Role(r) => r.name.clone(),
            Resource::Bucket(r) => r.name.clone(),
            Resource::TaskDefinition(r) => r.family.clone(),
            Resource::ScheduleGroup(r) => r.name.clone(),
            Resource::Schedule(r) => format!("{}/{}", r.group, r.name),
            Resource::ServiceLinkedRole(r) => r.name.clone(),
            Resource::Queue(r) => r.name.clone(),
            Resource::Topic(r) => r.name.clone(),
            Resource::Alarm(r) => r.name.clone(),
            Resource::EventRule(r) => r.name.clone(),
        }
    }

    /// Its tags (schedules have none of their own: they belong to the managed schedule group).
    pub fn tags(&self) -> Option<&Tags> {
        match self {
            Resource::EcrRepository(r) => Some(&r.tags),
            Resource::Cluster(r) => Some(&r.tags),
            Resource::LogGroup(r) => Some(&r.tags),
            Resource::Role(r) => Some(&r.tags),
            Resource::Bucket(r) => Some(&r.tags),
            Resource::TaskDefinition(r) => Some(&r.tags),
            Resource::ScheduleGroup(r) => Some(&r.tags),
            Resource::Queue(r) => Some(&r.tags),
            Resource::Topic(r) => Some(&r.tags),
            Resource::Alarm(r) => Some(&r.tags),
            Resource::EventRule(r) => Some(&r.tags),
            Resource::Schedule(_) | Resource::ServiceLinkedRole(_) => None,
        }
    }

    /// The fields as JSON, for field-level diffs.
    pub fn to_json(&self) -> Value {
        let v = match self {
            Resource::EcrRepository(r) => serde_json::to_value(r),
            Resource::Cluster(r) => serde_json::to_value(r),
            Resource::LogGroup(r) => serde_json::to_value(r),
            Resource::Role(r) => serde_json::to_value(r),
            Resource::Bucket(r) => serde_json::to_value(r),
            Resource::TaskDefinition(r) => serde_json::to_value(r),
            Resource::ScheduleGroup(r) => serde_json::to_value(r),
            Resource::Schedule(r) => serde_json::to_value(r),
            Resource::ServiceLinkedRole(r) => serde_json::to_value(r),
            Resource::Queue(r) => serde_json::to_value(r),
            Resource::Topic(r) => serde_json::to_value(r),
            Resource::Alarm(r) => serde_json::to_value(r),
            Resource::EventRule(r) => serde_json::to_value(r),
        };
        v.unwrap_or(Value::Null)
    }
}

impl Resource {
    /// Mutable tags, for ignoring tags the file does not manage.
    pub fn tags_mut(&mut self) -> Option<&mut Tags> {
        match self {
            Resource::EcrRepository(r) => Some(&mut r.tags),
            Resource::Cluster(r) => Some(&mut r.tags),
            Resource::LogGroup(r) => Some(&mut r.tags),
            Resource::Role(r) => Some(&mut r.tags),
            Resource::Bucket(r) => Some(&mut r.tags),
            Resource::TaskDefinition(r) => Some(&mut r.tags),
            Resource::ScheduleGroup(r) => Some(&mut r.tags),
            Resource::Queue(r) => Some(&mut r.tags),
            Resource::Topic(r) => Some(&mut r.tags),
            Resource::Alarm(r) => Some(&mut r.tags),
            Resource::EventRule(r) => Some(&mut r.tags),
            Resource::Schedule(_) | Resource::ServiceLinkedRole(_) => None,
        }
    }

    /// The same resource with its policy documents in canonical form: what plans compare.
    /// (What `apply` sends is the document as written.)
    pub fn normalized(&self) -> Resource {
        let mut r = self.clone();
        match &mut r {
            Resource::Role(role) => {
                role.assume_role_policy = canonical(&role.assume_role_policy);
                for doc in role.policies.values_mut() {
                    *doc = canonical(doc);
                }
            }
            Resource::Bucket(b) => b.policy = b.policy.as_ref().map(canonical),
            Resource::Topic(t) => t.policy = canonical(&t.policy),
            _ => {}
        }
        r
    }
}
