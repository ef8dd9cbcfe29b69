//! Parse the command line, set up logging and the runtime, dispatch, and turn the result into an
//! exit code: errors become one `error:` line (plus a `hint:`), never a panic or a backtrace.
//! The runner owns stdout and stderr: one [`Console`] made here is handed to every command.

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;

use clap::Parser;
use intervalprocessing_infra::{Console, LatestRun, RunHistory};
use intervalprocessing_jobs::Process;

use crate::cli::{Cli, Command, RunArgs};
use crate::commands;
use crate::config::Config;
use crate::connect::{self, Patience};
use crate::error::AppError;
use crate::outcome::Outcome;
use crate::secret;
use crate::telemetry::{self, LogFormat};

pub fn main() -> ExitCode {
    // Before anything can print or log: every output is scrubbed of the URI's credentials.
    secret::protect(&std::env::var("MONGODB_URI").unwrap_or_default());
    ExitCode::from(run(&Console::stdio()).exit_code())
}

fn run(out: &Console) -> Outcome {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
    let format = match LogFormat::from_env() {
        Ok(f) => f,
        Err(v) => {
            let e = AppError::Config { var: "LOG_FORMAT", value: v, reason: "use json or text".into() };
            return fail(&e, LogFormat::Text, out);
        }
    };
    telemetry::init(format);
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&AppError::Startup(format!("cannot start the async runtime: {e}")), format, out),
    };
    let result = rt.block_on(dispatch(cli, format, out));
    // Don't wait for background tasks (a heartbeat, a signal listener) to notice the end.
    rt.shutdown_background();
    match result {
        Ok(o) => o,
        Err(e) => fail(&e, format, out),
    }
}

/// clap's own message for bad flags (stderr), `--help` and `--version` (stdout).
fn usage(e: &clap::Error) -> Outcome {
    let _ = e.print();
    match e.use_stderr() {
        true => Outcome::Usage,
        false => Outcome::Success,
    }
}

/// One `error:` line and a hint for people; with JSON logs also a structured event for CloudWatch.
fn fail(e: &AppError, format: LogFormat, out: &Console) -> Outcome {
    let message = e.to_string();
    let message = secret::scrub(&message);
    let outcome = e.outcome();
    if format == LogFormat::Json {
        tracing::error!(error = %message, exit_code = outcome.exit_code(), "exiting");
    }
    out.error(&message, e.hint().map(|h| secret::scrub(&h).into_owned()).as_deref());
    outcome
}

async fn dispatch(cli: Cli, format: LogFormat, out: &Console) -> Result<Outcome, AppError> {
    match cli.command {
        // How ECS starts it: no arguments, the process in `processToRun`.
        None => {
            let cfg = Config::from_env()?;
            let process = std::env::var("processToRun").ok();
            let args = RunArgs {
                process,
                at: None,
                from: None,
                to: None,
                dry_run: false,
                timeout: None,
                ignore_retention: false,
            };
            commands::run::run(args, &cfg, format, out).await
        }
        Some(Command::Run(args)) => commands::run::run(args, &Config::from_env()?, format, out).await,
        Some(Command::History(args)) => commands::history::run(args, &Config::from_env()?, out).await,
        Some(Command::Status(args)) => commands::status::run(args, &Config::from_env()?, out).await,
        Some(Command::Seed(args)) => commands::seed::run(args, &Config::from_env()?, out).await,
        Some(Command::List) => commands::list::run(&Config::from_env()?, out),
        Some(Command::Infra(args)) => {
            let history = LedgerHistory { cfg: Config::from_env().ok(), db: tokio::sync::OnceCell::new() };
            Ok(intervalprocessing_infra::run(args, &history, out).await?.into())
        }
    }
}

/// `infra status` reads the newest ledger entry of each process through this: one quick
/// connection, made on first use and shared, so a missing database costs seconds, not minutes.
struct LedgerHistory {
    cfg: Option<Config>,
    db: tokio::sync::OnceCell<Result<mongodb::Database, String>>,
}

impl LedgerHistory {
    async fn db(&self) -> Result<&mongodb::Database, String> {
        let db = self
            .db
            .get_or_init(|| async {
                let cfg = self.cfg.as_ref().ok_or("the MongoDB settings in the environment are invalid")?;
                connect::mongo_with(cfg, Patience::Glance).await.map_err(|e| e.to_string())
            })
            .await;
        db.as_ref().map_err(Clone::clone)
    }
}

impl RunHistory for LedgerHistory {
    fn latest<'a>(
        &'a self,
        process: Process,
    ) -> Pin<Box<dyn Future<Output = Result<Option<LatestRun>, String>> + Send + 'a>> {
        Box::pin(async move {
            let db = self.db().await?;
            let entry = commands::history::latest(db, process).await.map_err(|e| e.to_string())?;
            Ok(entry.map(|e| LatestRun {
                status: e.status,
                window: format!("{}/{}", e.window_start.unwrap_or_default(), e.window_end.unwrap_or_default()),
                ended_at: e.ended_at,
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use intervalprocessing_infra::InfraError;
    use intervalprocessing_infra::validate::Problem;

    use super::*;

    #[test]
    fn an_invalid_deployment_file_is_one_error_with_its_problems_and_a_hint_and_exits_3() {
        let problem = |key: &str, rule: &str| Problem { key: key.into(), rule: rule.into() };
        let e = AppError::Infra(InfraError::Invalid {
            path: "deploy/x.toml".into(),
            problems: vec![
                problem("process.HourlyDataChange.cron", "6 fields expected"),
                problem("output_url", "bucket name is invalid"),
            ],
        });
        let (out, stdout, stderr) = Console::captured();
        assert_eq!(fail(&e, LogFormat::Text, &out), Outcome::Config);
        assert_eq!(fail(&e, LogFormat::Text, &out).exit_code(), 3);
        let once = "error: the deployment file deploy/x.toml is invalid:\n  process.HourlyDataChange.cron: 6 fields \
                    expected\n  output_url: bucket name is invalid\nhint: fix the keys above; `intervalprocessing \
                    infra validate` checks the file without calling AWS\n";
        assert_eq!(stderr.text(), once.repeat(2));
        assert_eq!(stdout.text(), "");
    }

    #[test]
    fn an_error_without_a_hint_is_one_line() {
        let (out, _, stderr) = Console::captured();
        let e = AppError::Usage("--from must be before --to".into());
        assert_eq!(fail(&e, LogFormat::Text, &out).exit_code(), 2);
        assert_eq!(stderr.text(), "error: --from must be before --to\n");
    }
}
