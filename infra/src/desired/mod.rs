//! Desired state: pure functions from the validated deployment file (and the account id) to the
//! normalised resources, in the order they must be created. No AWS call happens here.

mod compute;
mod iam;
mod schedules;
mod storage;

use intervalprocessing_jobs::Process;

use crate::model::{Resource, Tags};
use crate::names;
use crate::validate::Settings;

pub use compute::{cluster, ecr_repository, log_group, task_definition};
pub use iam::{execution_role, scheduler_role, task_role};
pub use schedules::{run_overrides, schedule, schedule_group};
pub use storage::bucket;

/// Where the resources live: builds ARNs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arns {
    pub region: String,
    pub account: String,
}

impl Arns {
    pub fn role(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:role/{name}", self.account)
    }
    pub fn cluster(&self, name: &str) -> String {
        format!("arn:aws:ecs:{}:{}:cluster/{name}", self.region, self.account)
    }
    /// The task definition family without a revision: RunTask then uses the latest ACTIVE one.
    pub fn task_family(&self, p: Process) -> String {
        format!("arn:aws:ecs:{}:{}:task-definition/{}", self.region, self.account, names::task_family(p))
    }
    pub fn log_group(&self, name: &str) -> String {
        format!("arn:aws:logs:{}:{}:log-group:{name}", self.region, self.account)
    }
    pub fn ecr_repository(&self, name: &str) -> String {
        format!("arn:aws:ecr:{}:{}:repository/{name}", self.region, self.account)
    }
}

/// The tags of every managed resource: the file's `[tags]` plus `ManagedBy=intervalprocessing`.
pub fn tags(settings: &Settings) -> Tags {
    let mut t = settings.file.tags.clone();
    t.insert(names::MANAGED_BY_KEY.to_owned(), names::MANAGED_BY_VALUE.to_owned());
    t
}

/// Everything the deployment consists of, in creation order.
pub fn desired(settings: &Settings, arns: &Arns) -> Vec<Resource> {
    let mut out = vec![Resource::EcrRepository(ecr_repository(settings)), Resource::Bucket(bucket(settings))];
    out.extend(Process::ALL.map(|p| Resource::LogGroup(log_group(settings, p))));
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
