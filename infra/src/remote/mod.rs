//! Remote state: reads AWS and maps what it finds to the same normalised shape as the desired
//! state ([`crate::resources`]), so the two can be compared field by field.

mod alarm_states;
mod alerting;
mod compute;
mod iam;
mod image;
mod queue;
mod scheduler;
mod storage;

use crate::aws::Aws;
use crate::error::InfraError;
use crate::resources::Resource;

pub use alarm_states::{AlarmState, alarm_states};
pub use alerting::{alarm, subscriptions};
pub use compute::log_group;
pub(crate) use compute::task_definition_revisions;
pub use image::{
    DEFAULT_TAG as DEFAULT_IMAGE_TAG, Found as FoundImage, Resolved, find as find_image, resolve as resolve_image,
};
pub use queue::queue_url;
pub use scheduler::{schedule, schedule_names};
pub use storage::bucket_is_empty;

/// The remote counterpart of `want` (same kind and name), or `None` when it does not exist.
pub async fn read(aws: &Aws, want: &Resource) -> Result<Option<Resource>, InfraError> {
    Ok(match want {
        Resource::EcrRepository(r) => compute::ecr_repository(aws, &r.name).await?.map(Resource::EcrRepository),
        Resource::Cluster(r) => compute::cluster(aws, &r.name).await?.map(Resource::Cluster),
        Resource::LogGroup(r) => compute::log_group(aws, &r.name).await?.map(Resource::LogGroup),
        Resource::TaskDefinition(r) => compute::task_definition(aws, &r.family).await?.map(Resource::TaskDefinition),
        Resource::Role(r) => iam::role(aws, &r.name).await?.map(Resource::Role),
        Resource::Bucket(r) => storage::bucket(aws, &r.name).await?.map(Resource::Bucket),
        Resource::ScheduleGroup(r) => scheduler::schedule_group(aws, &r.name).await?.map(Resource::ScheduleGroup),
        Resource::Schedule(r) => scheduler::schedule(aws, &r.group, &r.name).await?.map(Resource::Schedule),
        Resource::ServiceLinkedRole(r) => iam::service_linked_role(aws, r).await?.map(Resource::ServiceLinkedRole),
        Resource::Queue(r) => queue::queue(aws, &r.name).await?.map(Resource::Queue),
        Resource::Topic(r) => alerting::topic(aws, &r.name).await?.map(Resource::Topic),
        Resource::Alarm(r) => alerting::alarm(aws, &r.name).await?.map(Resource::Alarm),
        Resource::EventRule(r) => alerting::event_rule(aws, &r.name).await?.map(Resource::EventRule),
    })
}

/// Reads the remote counterpart of every desired resource, in order.
pub async fn read_all(aws: &Aws, desired: &[Resource]) -> Result<Vec<Option<Resource>>, InfraError> {
    let mut out = Vec::with_capacity(desired.len());
    for want in desired {
        out.push(read(aws, want).await?);
    }
    Ok(out)
}
