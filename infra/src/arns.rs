//! ARNs of the managed resources, from the region and the account id.

use intervalprocessing_jobs::Process;

use crate::names;
use crate::partition::partition_of;

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
    pub fn queue(&self, name: &str) -> String {
        self.regional("sqs", name)
    }
    pub fn bucket(&self, name: &str) -> String {
        format!("arn:{}:s3:::{name}", self.partition())
    }
    pub fn topic(&self, name: &str) -> String {
        self.regional("sns", name)
    }
    pub fn alarm(&self, name: &str) -> String {
        self.regional("cloudwatch", &format!("alarm:{name}"))
    }
    pub fn events_rule(&self, name: &str) -> String {
        self.regional("events", &format!("rule/{name}"))
    }
}
