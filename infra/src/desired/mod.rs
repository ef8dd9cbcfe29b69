//! Desired state: pure functions from the validated deployment file (and the account id) to the
//! normalised resources, in the order they must be created. No AWS call happens here.

mod compute;
mod iam;
mod schedules;
mod storage;

use intervalprocessing_jobs::Process;

use crate::model::{Resource, Tags};
use crate::names;
use crate::partition::partition_of;
use crate::validate::Settings;

pub use compute::{cluster, ecr_repository, log_group, task_definition};
pub use iam::{ecs_service_linked_role, execution_role, scheduler_role, tag_started_tasks, task_role};
pub use schedules::{run_overrides, schedule, schedule_group};
pub use storage::bucket;

/// Where the resources live: builds ARNs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arns {
    pub region: String,
    pub account: String,
}

impl Arns {
    /// `aws`, `aws-cn` or `aws-us-gov`, from the region.
    pub fn partition(&self) -> &'static str {
        partition_of(&self.region).name()
    }
    /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
    fn regional(&self, service: &str, resource: &str) -> String {
        format!("arn:{}:{service}:{}:{}:{resource}", self.partition(), self.region, self.account)
    }
    pub fn role(&self, name: &str) -> String {
        format!("arn:{}:iam::{}:role/{name}", self.partition(), self.account)
    }
    pub fn cluster(&self, name: &str) -> String {
        self.regional("ecs", &format!("cluster/{name}"))
    }
    /// Tasks started in the cluster (what `ecs:TagResource` on RunTask applies to).
    pub fn cluster_tasks(&self, name: &str) -> String {
        self.regional("ecs", &format!("task/{name}/*"))
    }
    /// The task definition family without a revision: RunTask then uses the latest ACTIVE one.
    pub fn task_family(&self, p: Process) -> String {
        self.regional("ecs", &format!("task-definition/{}", names::task_family(p)))
    }
    pub fn log_group(&self, name: &str) -> String {
        self.regional("logs", &format!("log-group:{name}"))
    }
    pub fn ecr_repository(&self, name: &str) -> String {
        self.regional("ecr", &format!("repository/{name}"))
    }
    pub fn schedule_group(&self, name: &str) -> String {
        self.regional("scheduler", &format!("schedule-group/{name}"))
    }
    pub fn bucket(&self, name: &str) -> String {
        format!("arn:{}:s3:::{name}", self.partition())
    }
}

/// The tags of every managed resource: the file's `[tags]` plus `ManagedBy=intervalprocessing`.
pub fn tags(settings: &Settings) -> Tags {
    let mut t = settings.file.tags.clone();
    t.insert(names::MANAGED_BY_KEY.to_owned(), names::MANAGED_BY_VALUE.to_owned());
    t
}

/// What AWS needs before the deployment can be created, shared by the whole account: created
/// when missing, never deleted.
pub fn prerequisites() -> Vec<Resource> {
    vec![Resource::ServiceLinkedRole(ecs_service_linked_role())]
}

/// Everything the deployment consists of, in creation order.
pub fn desired(settings: &Settings, arns: &Arns) -> Vec<Resource> {
    let mut out = vec![Resource::EcrRepository(ecr_repository(settings)), Resource::Bucket(bucket(settings, arns))];
    out.extend(Process::all().map(|p| Resource::LogGroup(log_group(settings, p))));
    out.push(Resource::Role(execution_role(settings, arns)));
    out.push(Resource::Role(task_role(settings, arns)));
    out.push(Resource::Role(scheduler_role(settings, arns)));
    out.push(Resource::Cluster(cluster(settings)));
    out.extend(settings.processes.iter().map(|p| Resource::TaskDefinition(task_definition(settings, arns, p))));
    out.push(Resource::ScheduleGroup(schedule_group(settings)));
    out.extend(settings.processes.iter().map(|p| Resource::Schedule(schedule(settings, arns, p))));
    out
}

#[cfg(test)]
mod tests;
