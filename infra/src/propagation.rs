//! IAM is eventually consistent: a role or policy written moments ago may not be visible to the
//! service that must assume it for seconds to a couple of minutes. Calls that name such a role are
//! retried with backoff on exactly those errors (for about two minutes, like Terraform), and say so.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::console::Console;
use crate::error::InfraError;

/// How long to keep retrying a call that fails only because IAM has not propagated yet.
pub const BUDGET: Duration = Duration::from_secs(120);

/// Whether an error of `call` means "a role written moments ago is not visible yet".
pub fn is_propagation_error(call: &str, code: Option<&str>, message: &str) -> bool {
    match (call, code) {
        ("scheduler:CreateSchedule" | "scheduler:UpdateSchedule", Some("ValidationException")) => {
            message.contains("must allow AWS EventBridge Scheduler to assume the role")
        }
        ("ecs:CreateCluster" | "ecs:RunTask", Some("InvalidParameterException")) => {
            message.contains("Unable to assume the service linked role")
        }
        _ => false,
    }
}

/// The wait before retry number `attempt` (1-based): 1 s, 2 s, 4 s, 8 s, then every 10 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(4)).min(Duration::from_secs(10))
}

/// Runs `call` until it succeeds, fails with another error, or [`BUDGET`] has passed; prints a
/// progress line on `out` before each retry.
pub async fn retry<T, F, Fut>(out: &Console, mut call: F) -> Result<T, InfraError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, InfraError>>,
{
    let started = Instant::now();
    let mut attempt = 0;
    loop {
        let err = match call().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let InfraError::Aws { call: name, resource, message, code } = &err else { return Err(err) };
        if !is_propagation_error(name, code.as_deref(), message) {
            return Err(err);
        }
        attempt += 1;
        let wait = backoff(attempt);
        if started.elapsed() + wait > BUDGET {
            return Err(InfraError::Failed(format!(
                "{err}; IAM had not propagated after {}s of retries (run the command again, or check that the \
                 role exists and trusts the service)",
                started.elapsed().as_secs()
            )));
        }
        out.line(format_args!(
            "waiting for IAM to propagate… {name} for {resource} not accepted yet ({}s so far), retrying in {}s",
            started.elapsed().as_secs(),
            wait.as_secs()
        ));
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{backoff, is_propagation_error};

    #[test]
    fn only_propagation_errors_are_retried() {
        let scheduler = "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.";
        let slr = "Unable to assume the service linked role. Please verify that the ECS service linked role exists.";
        assert!(is_propagation_error("scheduler:CreateSchedule", Some("ValidationException"), scheduler));
        assert!(is_propagation_error("scheduler:UpdateSchedule", Some("ValidationException"), scheduler));
        assert!(is_propagation_error("ecs:CreateCluster", Some("InvalidParameterException"), slr));
        assert!(!is_propagation_error("scheduler:CreateSchedule", Some("ValidationException"), "Invalid cron"));
        assert!(!is_propagation_error("scheduler:CreateSchedule", Some("AccessDeniedException"), scheduler));
        assert!(!is_propagation_error("ecs:CreateCluster", Some("InvalidParameterException"), "bad name"));
        assert!(!is_propagation_error("iam:CreateRole", Some("ValidationException"), scheduler));
    }

    #[test]
    fn backoff_doubles_then_stays_at_ten_seconds() {
        let waits: Vec<u64> = (1..=7).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 10, 10, 10]);
        let total: Duration = (1..=16).map(backoff).sum();
        assert!(total >= super::BUDGET, "the retries cover the budget: {total:?}");
    }
}
