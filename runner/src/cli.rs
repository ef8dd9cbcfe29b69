//! The command line: `run`, `list`, `history`, `seed`, `infra`, or nothing (ECS sets `processToRun`).

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "intervalprocessing", version, about = "Scheduled batch jobs on MongoDB and S3", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, check and change the AWS deployment (ECS, EventBridge Scheduler, IAM, S3).
    Infra(intervalprocessing_infra::InfraArgs),
}
