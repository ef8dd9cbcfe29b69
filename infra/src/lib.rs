//! `intervalprocessing infra`: desired state from the deployment file -> read AWS -> plan -> apply.
//!
//! The runner hands the parsed [`InfraArgs`] and its [`Console`] to [`run`], and turns the
//! [`InfraOutcome`] or [`InfraError`] it returns into the process's exit code.

pub mod apply;
pub mod arns;
pub mod aws;
pub mod aws_error;
pub mod aws_rules;
pub mod commands;
pub mod config;
pub mod console;
pub mod cron;
pub mod dead_letter;
pub mod desired;
pub mod error;
pub mod fargate;
#[cfg(test)]
mod fixtures;
pub mod history;
pub mod image;
pub mod names;
pub mod partition;
pub mod plan;
pub mod policy;
pub mod problem;
pub mod propagation;
pub mod remote;
pub mod resources;
pub mod secret_ref;
mod task_network;
pub mod validate;

use std::path::PathBuf;

pub use console::{Captured, Console};
pub use error::InfraError;
pub use history::{LatestRun, RunHistory};

/// `intervalprocessing infra <COMMAND>`.
#[derive(Debug, clap::Args)]
pub struct InfraArgs {
    /// The deployment file.
    #[arg(long, global = true, value_name = "PATH", default_value = "deploy/intervalprocessing.toml")]
    pub config: PathBuf,

    #[command(subcommand)]
    pub command: InfraCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum InfraCommand {
    /// Check the deployment file offline (cron, time zones, Fargate sizes, names) and print the next fire times.
    Validate,
    /// Show what apply would change: create, update, delete or no change per resource.
    Plan {
        /// Exit 0 when there are no changes, 2 when there are (or policies the file does not declare), 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Use this image instead of the file's, for this invocation (e.g. the one CI just pushed).
        #[arg(long, value_name = "REF")]
        image: Option<String>,
    },
    /// Apply the plan (asks for confirmation unless --auto-approve).
    Apply {
        #[arg(long)]
        auto_approve: bool,
        /// Use this image instead of the file's, for this invocation (e.g. the one CI just pushed).
        #[arg(long, value_name = "REF")]
        image: Option<String>,
    },
    /// Enable the schedule of one process, or of all.
    Enable {
        #[arg(long, value_name = "NAME")]
        process: Option<String>,
    },
    /// Disable the schedule of one process, or of all.
    Disable {
        #[arg(long, value_name = "NAME")]
        process: Option<String>,
    },
    /// Delete everything infra manages (found by its ManagedBy tag), and nothing else.
    Destroy {
        #[arg(long)]
        auto_approve: bool,
    },
    /// Start one task now, with the same parameters as its schedule.
    Run {
        #[arg(long, value_name = "NAME")]
        process: String,
        /// Wait until the task stops and exit with the container's exit code.
        #[arg(long)]
        wait: bool,
        /// How often --wait polls the task.
        #[arg(long, value_name = "DURATION", default_value = "6s", value_parser = humantime::parse_duration)]
        poll_interval: std::time::Duration,
    },
    /// Per process: schedule state, cron, time zone, next fire time and the latest ledger entry.
    Status,
    /// Check in AWS what the first run needs: the image, subnets and security groups, the MongoDB URI
    /// secret, the log groups and the schedule group. Exits 1 on any problem.
    Verify {
        /// Check this image instead of the file's (e.g. the one CI just pushed).
        #[arg(long, value_name = "REF")]
        image: Option<String>,
    },
    /// List the invocations the schedules dead-lettered and re-run exactly those windows.
    Redrive {
        /// Only this process's invocations (the others stay in the queue).
        #[arg(long, value_name = "NAME")]
        process: Option<String>,
        /// List them; run nothing, delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// How an `infra` command that did its work ended; the runner maps it to the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfraOutcome {
    /// It did what was asked (also: `plan` without `--detailed-exitcode`, whatever it found).
    Done,
    /// `plan --detailed-exitcode` found changes, or policies on managed roles the file does not declare.
    ChangesPending,
    /// `infra run --wait`: the task stopped; the container's exit code, when ECS reported one.
    TaskExited(Option<i32>),
}

/// Runs one `infra` command, writing what a person reads to `out`.
pub async fn run(args: InfraArgs, history: &dyn RunHistory, out: &Console) -> Result<InfraOutcome, InfraError> {
    commands::dispatch(args, history, out).await
}
