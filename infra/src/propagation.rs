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
        // The execution or task role created moments ago (Terraform's task definition resource
        // retries the same message).
        ("ecs:RegisterTaskDefinition", Some("ClientException")) => message.contains("Role is not valid"),
        _ => false,
    }
}

/// The wait before retry number `attempt` (1-based): 1 s, 2 s, 4 s, 8 s, then every 10 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(4)).min(Duration::from_secs(10))
}

/// Runs `call` until it succeeds, fails with another error, or [`BUDGET`] has passed; prints a
/// progress line on `out` before each retry.
pub async fn retry<T, F, Fut>(out: &Console, call: F) -> Result<T, InfraError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, InfraError>>,
{
    retry_within(out, BUDGET, call).await
}

/// [`retry`] with a budget of its own (tests use a short one).
async fn retry_within<T, F, Fut>(out: &Console, budget: Duration, mut call: F) -> Result<T, InfraError>
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
        if started.elapsed() + wait > budget {
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
    use std::cell::Cell;
    use std::time::Duration;

    use super::{backoff, is_propagation_error, retry, retry_within};
    use crate::console::Console;
    use crate::error::InfraError;

    const SCHEDULER: &str = "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.";

    fn aws_error(call: &'static str, code: Option<&str>, message: &str) -> InfraError {
        InfraError::Aws {
            resource: "schedule intervalprocessing/Run-IntervalProcessing-FileGeneration".into(),
            call,
            message: message.into(),
            code: code.map(str::to_owned),
        }
    }

    #[test]
    fn only_propagation_errors_are_retried() {
        let slr = "Unable to assume the service linked role. Please verify that the ECS service linked role exists.";
        assert!(is_propagation_error("scheduler:CreateSchedule", Some("ValidationException"), SCHEDULER));
        assert!(is_propagation_error("scheduler:UpdateSchedule", Some("ValidationException"), SCHEDULER));
        assert!(is_propagation_error("ecs:CreateCluster", Some("InvalidParameterException"), slr));
        assert!(is_propagation_error("ecs:RegisterTaskDefinition", Some("ClientException"), "Role is not valid"));
        assert!(!is_propagation_error("scheduler:CreateSchedule", Some("ValidationException"), "Invalid cron"));
        assert!(!is_propagation_error("scheduler:CreateSchedule", Some("AccessDeniedException"), SCHEDULER));
        assert!(!is_propagation_error("ecs:CreateCluster", Some("InvalidParameterException"), "bad name"));
        assert!(!is_propagation_error("iam:CreateRole", Some("ValidationException"), SCHEDULER));
        assert!(!is_propagation_error("ecs:RegisterTaskDefinition", Some("ClientException"), "Invalid cpu"));
        assert!(!is_propagation_error(
            "ecs:RegisterTaskDefinition",
            Some("InvalidParameterException"),
            "Role is not valid"
        ));
        assert!(!is_propagation_error("ecs:CreateCluster", Some("ClientException"), "Role is not valid"));
    }

    #[test]
    fn backoff_doubles_then_stays_at_ten_seconds() {
        let waits: Vec<u64> = (1..=7).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 10, 10, 10]);
        let total: Duration = (1..=16).map(backoff).sum();
        assert!(total >= super::BUDGET, "the retries cover the budget: {total:?}");
    }

    #[tokio::test]
    async fn another_error_returns_at_once_after_one_attempt() {
        let (out, stdout, _) = Console::captured();
        for (code, message) in [
            (Some("ValidationException"), "Invalid request provided: the cron expression is not valid"),
            (Some("AccessDeniedException"), SCHEDULER),
            // Without a code it cannot be told apart from a network error: never retried.
            (None, SCHEDULER),
        ] {
            let attempts = Cell::new(0);
            let result: Result<(), InfraError> = retry(&out, || {
                attempts.set(attempts.get() + 1);
                async { Err(aws_error("scheduler:CreateSchedule", code, message)) }
            })
            .await;
            let Err(InfraError::Aws { code: got, message: m, .. }) = result else { panic!("{result:?}") };
            assert_eq!((got.as_deref(), m.as_str()), (code, message), "the error is returned as it was");
            assert_eq!(attempts.get(), 1, "{code:?} {message}: one attempt");
        }
        let result: Result<(), InfraError> = retry(&out, || async { Err(InfraError::Failed("other".into())) }).await;
        assert!(matches!(result, Err(InfraError::Failed(m)) if m == "other"));
        assert_eq!(stdout.text(), "", "no progress line for an error that is not retried");
    }

    #[tokio::test]
    async fn a_propagation_error_is_retried_until_the_call_succeeds() {
        let (out, stdout, _) = Console::captured();
        let attempts = Cell::new(0);
        let result = retry(&out, || {
            attempts.set(attempts.get() + 1);
            let n = attempts.get();
            async move {
                match n {
                    1 => Err(aws_error("ecs:RegisterTaskDefinition", Some("ClientException"), "Role is not valid")),
                    _ => Ok(n),
                }
            }
        })
        .await;
        assert!(matches!(result, Ok(2)), "{result:?}");
        let lines: Vec<String> = stdout.text().lines().map(str::to_owned).collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("waiting for IAM to propagate… ecs:RegisterTaskDefinition for schedule ")
                && lines[0].ends_with("not accepted yet (0s so far), retrying in 1s"),
            "{lines:?}"
        );
    }

    #[tokio::test]
    async fn when_the_budget_runs_out_the_last_error_is_returned_with_how_long_it_waited() {
        let (out, stdout, _) = Console::captured();
        let attempts = Cell::new(0);
        // 1.5 s: the first retry (after 1 s) fits, the second (after 2 s more) does not.
        let result: Result<(), InfraError> = retry_within(&out, Duration::from_millis(1500), || {
            attempts.set(attempts.get() + 1);
            let message = format!("{SCHEDULER} (attempt {})", attempts.get());
            async move { Err(aws_error("scheduler:CreateSchedule", Some("ValidationException"), &message)) }
        })
        .await;
        assert_eq!(attempts.get(), 2);
        let Err(InfraError::Failed(message)) = result else { panic!("{result:?}") };
        assert!(message.contains("(attempt 2)"), "the last error: {message}");
        assert!(message.contains("IAM had not propagated after 1s of retries"), "{message}");
        assert_eq!(stdout.text().lines().count(), 1, "one progress line: {}", stdout.text());
    }
}
