//! The AWS clients of a command, in the deployment's region.

use crate::aws::Aws;
use crate::console::Console;
use crate::error::InfraError;
use crate::validate::Settings;

pub(super) async fn connect(settings: &Settings, out: &Console) -> Result<Aws, InfraError> {
    Aws::connect(&settings.file.region, out).await
}
