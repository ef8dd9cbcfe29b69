//! Creating, replacing and deleting the schedule group and the schedules: sends the requests that
//! [`requests`] builds from the desired resources.

mod requests;

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

fn what(s: &Schedule) -> String {
    format!("schedule {}/{}", s.group, s.name)
}

/// Creates the schedule with every field. Right after its role was created or changed, Scheduler
/// may not be able to assume it yet: that error is retried.
pub async fn create_schedule(aws: &Aws, s: &Schedule) -> Result<(), InfraError> {
    let req = create_schedule_request(s)?;
    crate::propagation::retry(&aws.out, || async {
        req.clone()
            .send_with(&aws.scheduler)
            .await
            .map(|_| ())
            .map_err(|e| aws_err(&what(s), "scheduler:CreateSchedule", e))
    })
    .await
}

/// Replaces the schedule whole with `s` (UpdateSchedule); retried like [`create_schedule`].
pub async fn update_schedule(aws: &Aws, s: &Schedule) -> Result<(), InfraError> {
    send_update(aws, s, update_schedule_request(s)?).await
}

/// Sets only the state of the schedule as it is now (`current`); retried like [`create_schedule`].
pub async fn change_schedule_state(aws: &Aws, current: &Schedule, state: &str) -> Result<(), InfraError> {
    send_update(aws, current, state_change_request(current, state)?).await
}

async fn send_update(
    aws: &Aws,
    s: &Schedule,
    req: aws_sdk_scheduler::operation::update_schedule::builders::UpdateScheduleInputBuilder,
) -> Result<(), InfraError> {
    crate::propagation::retry(&aws.out, || async {
        req.clone()
            .send_with(&aws.scheduler)
            .await
            .map(|_| ())
            .map_err(|e| aws_err(&what(s), "scheduler:UpdateSchedule", e))
    })
    .await
}

#[cfg(test)]
mod tests;
