use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::AppError;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = match rt.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(h) = e.hint() {
                eprintln!("hint: {h}");
            }
            e.exit_code()
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

struct NoHistory;
impl intervalprocessing_infra::RunHistory for NoHistory {
    fn latest<'a>(
        &'a self,
        _process: intervalprocessing_jobs::Process,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Option<intervalprocessing_infra::LatestRun>, String>> + Send + 'a>> {
        Box::pin(async { Err("the ledger is not wired up yet".to_owned()) })
    }
}

async fn dispatch(cli: Cli) -> Result<i32, AppError> {
    match cli.command {
        Some(Command::Infra(args)) => Ok(intervalprocessing_infra::run(args, &NoHistory).await?),
        None => Ok(2),
    }
}
