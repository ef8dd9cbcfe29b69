//! What `infra apply` creates and the first run needs at once: the log groups (awslogs does not
//! create them) and an ACTIVE schedule group.

use aws_sdk_scheduler::types::ScheduleGroupState;

use super::check::Check;
use super::requests::schedule_group_request;
use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::names;
use crate::remote::log_group;
use crate::validate::Settings;

/// One check per process's log group.
pub async fn log_groups(aws: &Aws, s: &Settings) -> Vec<Check> {
    let mut out = Vec::new();
    for p in &s.processes {
        let name = names::log_group(p.process);
        out.push(log_group_found(&name, log_group(aws, &name).await.map(|g| g.is_some())));
    }
    out
}

pub fn log_group_found(name: &str, found: Result<bool, InfraError>) -> Check {
    let subject = format!("log group {name}");
    match found {
        Ok(true) => Check::ok(subject, "exists"),
        Ok(false) => Check::problem(subject, "does not exist (infra apply creates it)"),
        Err(e) => Check::failed(subject, &e),
    }
}

pub async fn schedule_group(aws: &Aws, name: &str) -> Check {
    let subject = format!("schedule group {name}");
    match schedule_group_request(name).send_with(&aws.scheduler).await {
        Ok(o) => group_state(subject, o.state()),
        Err(e) if is_missing(&e, &["ResourceNotFoundException"]) => {
            Check::problem(subject, "does not exist (infra apply creates it)")
        }
        Err(e) => Check::failed(subject, &aws_err(name, "scheduler:GetScheduleGroup", e)),
    }
}

/// Only an ACTIVE group runs its schedules; a DELETING one is on its way out.
pub fn group_state(subject: String, state: Option<&ScheduleGroupState>) -> Check {
    match state {
        Some(ScheduleGroupState::Active) => Check::ok(subject, "ACTIVE"),
        Some(s) => Check::problem(subject, format!("is {}, not ACTIVE", s.as_str())),
        None => Check::problem(subject, "has no state, not ACTIVE"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::verify::check::Status;

    #[test]
    fn a_log_group_that_is_missing_is_a_problem_and_one_that_cannot_be_read_is_unchecked() {
        assert_eq!(log_group_found("/ecs/x", Ok(true)).status, Status::Ok);
        let c = log_group_found("/ecs/x", Ok(false));
        assert_eq!((c.status, c.subject.as_str()), (Status::Problem, "log group /ecs/x"));
        let denied = InfraError::Aws {
            resource: "log group /ecs/x".into(),
            call: "logs:DescribeLogGroups",
            message: "m".into(),
            code: Some("AccessDeniedException".into()),
        };
        let c = log_group_found("/ecs/x", Err(denied));
        assert_eq!(c.status, Status::Unchecked);
        assert!(c.detail.starts_with("logs:DescribeLogGroups was denied"), "{}", c.detail);
    }

    #[test]
    fn only_an_active_schedule_group_is_ok() {
        assert_eq!(group_state("g".into(), Some(&ScheduleGroupState::Active)).status, Status::Ok);
        let c = group_state("g".into(), Some(&ScheduleGroupState::Deleting));
        assert_eq!((c.status, c.detail.as_str()), (Status::Problem, "is DELETING, not ACTIVE"));
        assert_eq!(group_state("g".into(), None).status, Status::Problem);
    }
}
