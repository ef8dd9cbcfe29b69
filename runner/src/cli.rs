//! The command line. With no subcommand the binary runs the process named by `processToRun`
//! (how ECS starts it); people use `run --process NAME`.

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "intervalprocessing",
    version,
    about = "Scheduled batch jobs on MongoDB and S3",
    after_help = "With no command, runs the process named by the processToRun environment variable (as ECS does).\n\
                  Exit codes: 0 ok, 1 job failed, 2 usage, 3 configuration/unknown process, 4 lease held, 5 deadline, 6 status found a missed or failed run, 128+N signal N."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one process: the due window (plus missed ones), one window (--at), or a range (--from/--to).
    Run(RunArgs),
    /// Each process with its cadence, cron and next three run times.
    List,
    /// The run ledger, newest window first.
    History(HistoryArgs),
    /// Did every run happen? Each fire time of the schedules in a period, matched to the ledger:
    /// ok, running, late, failed, skipped, pending or missed. Exits 6 when one was missed or failed.
    Status(StatusArgs),
    /// Write demo meters and readings (with gaps) for local work.
    Seed(SeedArgs),
    /// Create, check and change the AWS deployment (ECS, EventBridge Scheduler, IAM, S3).
    Infra(intervalprocessing_infra::InfraArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The process to run (also accepts the legacy keys such as FileGenerationProcesses).
    #[arg(long, env = "processToRun", value_name = "NAME")]
    pub process: Option<String>,
    /// Process the window due at this time instead of now/SCHEDULED_TIME (RFC 3339, or local
    /// YYYY-MM-DD[THH:MM[:SS]] in SCHEDULE_TIMEZONE). No catch-up.
    #[arg(long, value_name = "TIME", conflicts_with_all = ["from", "to"])]
    pub at: Option<String>,
    /// Backfill: process every window inside [FROM, TO), oldest first (at most 100000 windows).
    #[arg(long, value_name = "TIME", requires = "to")]
    pub from: Option<String>,
    #[arg(long, value_name = "TIME", requires = "from")]
    pub to: Option<String>,
    /// Print the windows it would process and touch nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Deadline for the whole run (e.g. 90s, 10m; at most 7 days); default RUN_TIMEOUT or the process's own.
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Process windows that start before the retention cutoff NightlyDataChange recorded (their
    /// raw readings were removed). Only for readings restored from a backup: otherwise the run
    /// would replace good files and rollups with partial ones.
    #[arg(long)]
    pub ignore_retention: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(long, value_name = "NAME")]
    pub process: Option<String>,
    /// How many entries to show.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub limit: u32,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only this process (default: every process).
    #[arg(long, value_name = "NAME")]
    pub process: Option<String>,
    /// How far back to look (e.g. 24h, 90m, 10days; at most 366 days).
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub since: String,
    /// Print a JSON array, one object per fire time, instead of the report.
    #[arg(long)]
    pub json: bool,
    /// The deployment file: each process's cron, enabled flag and time zone come from it
    /// (default: the catalog's cron and SCHEDULE_TIMEZONE).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub meters: u32,
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=3660))]
    pub days: u32,
    /// The first local day (YYYY-MM-DD); default: DAYS days before today.
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// Random seed: the same seed writes the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}
