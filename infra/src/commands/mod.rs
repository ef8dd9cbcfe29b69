//! One module per `infra` subcommand.

mod alarm_actions;
mod confirm;
mod connect;
mod destroy;
mod plan;
mod redrive;
mod run;
mod run_task;
mod status;
mod toggle;
mod validate;
mod verify;

use std::path::Path;
use std::str::FromStr;

use intervalprocessing_jobs::Process;

use crate::config::Deployment;
use crate::console::Console;
use crate::error::InfraError;
use crate::image::ImageRef;
use crate::validate::Settings;
use crate::{InfraArgs, InfraCommand, InfraOutcome, RunHistory};

pub async fn dispatch(args: InfraArgs, history: &dyn RunHistory, out: &Console) -> Result<InfraOutcome, InfraError> {
    let settings = load(&args.config)?;
    match args.command {
        InfraCommand::Validate => Ok(validate::run(&settings, chrono::Utc::now(), out)),
        InfraCommand::Plan { detailed_exitcode, image } => {
            plan::plan(with_image(settings, image.as_deref())?, detailed_exitcode, out).await
        }
        InfraCommand::Apply { auto_approve, image } => {
            plan::apply(with_image(settings, image.as_deref())?, auto_approve, out).await
        }
        InfraCommand::Enable { process } => toggle::run(&settings, processes(process.as_deref())?, true, out).await,
        InfraCommand::Disable { process } => toggle::run(&settings, processes(process.as_deref())?, false, out).await,
        InfraCommand::Destroy { auto_approve } => destroy::run(&settings, auto_approve, out).await,
        InfraCommand::Run { process, wait, poll_interval } => {
            run::run(&settings, parse_process(&process)?, wait, poll_interval, out).await
        }
        InfraCommand::Status => status::run(&settings, history, out).await,
        InfraCommand::Verify { image } => verify::run(&with_image(settings, image.as_deref())?, out).await,
        InfraCommand::Redrive { process, dry_run } => {
            let only = process.as_deref().map(parse_process).transpose()?;
            redrive::run(&settings, only, dry_run, out).await
        }
    }
}

/// Reads and validates the deployment file; any problem is a configuration error (exit 3).
pub fn load(path: &Path) -> Result<Settings, InfraError> {
    let file = Deployment::load(path)?;
    crate::validate::validate(&file)
        .map_err(|problems| InfraError::Invalid { path: path.display().to_string(), problems })
}

/// The settings with `--image REF` instead of the file's image.
fn with_image(mut settings: Settings, image: Option<&str>) -> Result<Settings, InfraError> {
    if let Some(text) = image {
        settings.image = ImageRef::parse(text).map_err(|e| InfraError::BadFlag(format!("--image: {e}")))?;
    }
    Ok(settings)
}

fn parse_process(name: &str) -> Result<Process, InfraError> {
    Process::from_str(name).map_err(|e| InfraError::Config(format!("--process: {e}")))
}

fn processes(name: Option<&str>) -> Result<Vec<Process>, InfraError> {
    match name {
        Some(n) => Ok(vec![parse_process(n)?]),
        None => Ok(Process::all().collect()),
    }
}
