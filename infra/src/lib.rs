//! `intervalprocessing infra`: desired state from the deployment file -> read AWS -> plan -> apply.
//!
//! The runner's `main` hands the parsed [`InfraArgs`] to [`run`] and maps an [`InfraError`] to its
//! exit code with [`InfraError::exit_code`].

pub mod cron;
pub mod history;

pub use history::{LatestRun, RunHistory};

/// `intervalprocessing infra <COMMAND>`.
#[derive(Debug, clap::Args)]
pub struct InfraArgs {
    #[command(subcommand)]
    pub command: InfraCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum InfraCommand {
    /// Check the deployment file offline: cron, time zones, Fargate sizes, names.
    Validate,
}

/// Everything that can go wrong in `infra`.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    #[error("{0}")]
    Config(String),
}

impl InfraError {
    /// The process exit code for this error (see the README's exit code table).
    pub fn exit_code(&self) -> i32 {
        match self {
            InfraError::Config(_) => 3,
        }
    }

    /// A hint for the operator, printed after the `error:` line.
    pub fn hint(&self) -> Option<String> {
        None
    }
}

/// Runs one `infra` command. `Ok(code)` is the exit code of a command that did its work
/// (for example 2 from `plan --detailed-exitcode` when there are changes).
pub async fn run(args: InfraArgs, _history: &dyn RunHistory) -> Result<i32, InfraError> {
    match args.command {
        InfraCommand::Validate => Err(InfraError::Config("not implemented yet".into())),
    }
}
