//! Everything that can go wrong in `infra`, with the exit code and a hint for each.

use crate::validate::Problem;

/// Exit codes shared with the runner (README): 1 failure, 2 usage, 3 configuration.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    #[error("cannot read the deployment file {path}: {reason}")]
    ConfigRead { path: String, reason: String },

    #[error("the deployment file {path} is invalid:\n{}", problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { path: String, problems: Vec<Problem> },

    #[error("{0}")]
    Config(String),

    #[error("{call} for {resource} failed: {message}")]
    Aws { resource: String, call: &'static str, message: String },

    #[error("{action} needs confirmation, but standard input is not a terminal")]
    NeedsApproval { action: &'static str },

    #[error("{action} cancelled: nothing was changed")]
    Declined { action: &'static str },

    #[error("{0}")]
    NotDeployed(String),

    #[error("{0}")]
    Failed(String),
}

impl InfraError {
    /// The process exit code for this error (see the README's exit code table).
    pub fn exit_code(&self) -> i32 {
        match self {
            InfraError::ConfigRead { .. } | InfraError::Invalid { .. } | InfraError::Config(_) => 3,
            InfraError::NeedsApproval { .. } => 2,
            InfraError::Aws { .. }
            | InfraError::Declined { .. }
            | InfraError::NotDeployed(_)
            | InfraError::Failed(_) => 1,
        }
    }

    /// A hint for the operator, printed after the `error:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            InfraError::ConfigRead { .. } => Some("pass the deployment file with --config PATH (default deploy/intervalprocessing.toml)".into()),
            InfraError::Invalid { .. } => Some("fix the keys above; `intervalprocessing infra validate` checks the file without calling AWS".into()),
            InfraError::NeedsApproval { .. } => Some("review `intervalprocessing infra plan`, then pass --auto-approve".into()),
            InfraError::NotDeployed(_) => Some("run `intervalprocessing infra apply` first".into()),
            InfraError::Aws { .. } => Some("check credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID), the region in the deployment file and AWS_ENDPOINT_URL".into()),
            _ => None,
        }
    }

    /// An AWS call failed: keep the resource, the call and the full error chain.
    pub fn aws<E: std::error::Error>(resource: impl Into<String>, call: &'static str, e: E) -> Self {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        InfraError::Aws { resource: resource.into(), call, message }
    }
}
