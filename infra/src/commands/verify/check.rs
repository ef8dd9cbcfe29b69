//! One check of `infra verify`: ok, a problem, or could not check (and why); how a failed lookup
//! (anything but "it does not exist") becomes "could not check"; the lines and the summary.

use crate::error::InfraError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    Problem,
    /// The lookup itself failed (access denied, throttled, not applicable): nothing is known.
    Unchecked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub status: Status,
    /// What was checked: `subnet subnet-…`, `log group /ecs/…`.
    pub subject: String,
    /// What was found, what is wrong, or why it could not be checked.
    pub detail: String,
}

impl Check {
    pub fn ok(subject: impl Into<String>, detail: impl Into<String>) -> Check {
        Check { status: Status::Ok, subject: subject.into(), detail: detail.into() }
    }

    pub fn problem(subject: impl Into<String>, detail: impl Into<String>) -> Check {
        Check { status: Status::Problem, subject: subject.into(), detail: detail.into() }
    }

    pub fn unchecked(subject: impl Into<String>, why: impl Into<String>) -> Check {
        Check { status: Status::Unchecked, subject: subject.into(), detail: why.into() }
    }

    /// The lookup of `subject` failed with `err` (not "it does not exist"): the call is named, and
    /// a denied call says so, so the operator knows which permission is missing.
    pub fn failed(subject: impl Into<String>, err: &InfraError) -> Check {
        let why = match err {
            InfraError::Aws { call, code: Some(code), .. } if err.is_access_denied() => {
                format!("{call} was denied ({code}); the operator policy in infra/README.md allows it")
            }
            InfraError::Aws { call, message, .. } => format!("{call} failed: {message}"),
            other => other.to_string(),
        };
        Check::unchecked(subject, why)
    }

    /// `  ok               subject: detail`.
    pub fn line(&self) -> String {
        let label = match self.status {
            Status::Ok => "ok",
            Status::Problem => "problem",
            Status::Unchecked => "could not check",
        };
        format!("  {label:<15}  {}: {}", self.subject, self.detail)
    }
}

/// How many checks have `status`.
pub fn count(checks: &[Check], status: Status) -> usize {
    checks.iter().filter(|c| c.status == status).count()
}

/// `summary: 9 ok, 1 problem, 2 could not check`.
pub fn summary(checks: &[Check]) -> String {
    let problems = count(checks, Status::Problem);
    format!(
        "summary: {} ok, {problems} problem{}, {} could not check",
        count(checks, Status::Ok),
        if problems == 1 { "" } else { "s" },
        count(checks, Status::Unchecked)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws_error(call: &'static str, code: Option<&str>, message: &str) -> InfraError {
        InfraError::Aws { resource: "r".into(), call, message: message.into(), code: code.map(str::to_owned) }
    }

    #[test]
    fn a_denied_lookup_could_not_be_checked_and_names_the_call() {
        for code in ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"] {
            let c = Check::failed("subnet subnet-1", &aws_error("ec2:DescribeSubnets", Some(code), "not allowed"));
            assert_eq!(c.status, Status::Unchecked);
            assert!(c.detail.starts_with(&format!("ec2:DescribeSubnets was denied ({code})")), "{}", c.detail);
        }
    }

    #[test]
    fn any_other_failed_lookup_could_not_be_checked_with_its_message() {
        let c = Check::failed(
            "secret s",
            &aws_error("secretsmanager:DescribeSecret", Some("ThrottlingException"), "Rate exceeded"),
        );
        assert_eq!(
            (c.status, c.detail.as_str()),
            (Status::Unchecked, "secretsmanager:DescribeSecret failed: Rate exceeded")
        );
        let c = Check::failed("log group g", &aws_error("logs:DescribeLogGroups", None, "dispatch failure"));
        assert_eq!(c.detail, "logs:DescribeLogGroups failed: dispatch failure");
        let c = Check::failed("image i", &InfraError::Failed("no digest".into()));
        assert_eq!((c.status, c.detail.as_str()), (Status::Unchecked, "no digest"));
    }

    #[test]
    fn each_check_is_one_line_and_the_summary_counts_them() {
        let checks = [
            Check::ok("schedule group g", "ACTIVE"),
            Check::problem("subnet subnet-1", "does not exist in us-east-1"),
            Check::unchecked("image ghcr.io/a/b:1", "not in ECR"),
            Check::ok("log group /ecs/x", "exists"),
        ];
        let lines: Vec<String> = checks.iter().map(Check::line).collect();
        assert_eq!(
            lines,
            [
                "  ok               schedule group g: ACTIVE",
                "  problem          subnet subnet-1: does not exist in us-east-1",
                "  could not check  image ghcr.io/a/b:1: not in ECR",
                "  ok               log group /ecs/x: exists",
            ]
        );
        assert_eq!(summary(&checks), "summary: 2 ok, 1 problem, 1 could not check");
        assert_eq!(summary(&checks[..1]), "summary: 1 ok, 0 problems, 0 could not check");
    }
}
