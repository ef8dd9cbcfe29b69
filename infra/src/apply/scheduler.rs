//! Creating, replacing and deleting the schedule group and the schedules: sends the requests that
//! [`requests`] builds from the desired resources.

mod requests;

use std::future::Future;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::error::InfraError;
use crate::resources::{Schedule, ScheduleGroup};

pub use requests::schedule_target;
use requests::{
    create_schedule_group_request, create_schedule_request, delete_schedule_group_request, delete_schedule_request,
    schedule_group_tag_request, state_change_request, update_schedule_request,
};

pub async fn create_schedule_group(aws: &Aws, g: &ScheduleGroup) -> Result<(), InfraError> {
    create_schedule_group_request(g)?
        .send_with(&aws.scheduler)
        .await
        .map_err(|e| aws_err(&format!("schedule group {}", g.name), "scheduler:CreateScheduleGroup", e))?;
    Ok(())
}

pub async fn tag_schedule_group(aws: &Aws, g: &ScheduleGroup) -> Result<(), InfraError> {
    schedule_group_tag_request(g, &aws.arns)?
        .send_with(&aws.scheduler)
        .await
        .map_err(|e| aws_err(&format!("schedule group {}", g.name), "scheduler:TagResource", e))?;
    Ok(())
}

pub async fn delete_schedule_group(aws: &Aws, g: &ScheduleGroup) -> Result<(), InfraError> {
    delete_schedule_group_request(g)
        .send_with(&aws.scheduler)
        .await
        .map_err(|e| aws_err(&format!("schedule group {}", g.name), "scheduler:DeleteScheduleGroup", e))?;
    Ok(())
}

pub async fn delete_schedule(aws: &Aws, s: &Schedule) -> Result<(), InfraError> {
    delete_schedule_request(s)
        .send_with(&aws.scheduler)
        .await
        .map_err(|e| aws_err(&format!("schedule {}/{}", s.group, s.name), "scheduler:DeleteSchedule", e))?;
    Ok(())
}

/// Sends a CreateSchedule or UpdateSchedule of `s`. Right after its role was created or changed,
/// Scheduler may not be able to assume it yet: that error is retried.
async fn send_retried<T, E, Fut>(
    aws: &Aws,
    s: &Schedule,
    call: &'static str,
    send: impl Fn() -> Fut,
) -> Result<(), InfraError>
where
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    let what = format!("schedule {}/{}", s.group, s.name);
    crate::propagation::retry(&aws.out, || async { send().await.map(|_| ()).map_err(|e| aws_err(&what, call, e)) })
        .await
}

/// Creates the schedule with every field.
pub async fn create_schedule(aws: &Aws, s: &Schedule) -> Result<(), InfraError> {
    let req = create_schedule_request(s)?;
    send_retried(aws, s, "scheduler:CreateSchedule", || req.clone().send_with(&aws.scheduler)).await
}

/// Replaces the schedule whole with `s` (UpdateSchedule).
pub async fn update_schedule(aws: &Aws, s: &Schedule) -> Result<(), InfraError> {
    let req = update_schedule_request(s)?;
    send_retried(aws, s, "scheduler:UpdateSchedule", || req.clone().send_with(&aws.scheduler)).await
}

/// Sets only the state of the schedule as it is now (`current`).
pub async fn change_schedule_state(aws: &Aws, current: &Schedule, state: &str) -> Result<(), InfraError> {
    let req = state_change_request(current, state)?;
    send_retried(aws, current, "scheduler:UpdateSchedule", || req.clone().send_with(&aws.scheduler)).await
}

#[cfg(test)]
mod tests;
