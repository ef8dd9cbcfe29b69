//! Test fixtures: the example deployment, validated, and an account to build ARNs for.

use crate::arns::Arns;
use crate::config::Deployment;
use crate::validate::{ProcessSettings, Settings, validate};

/// `deploy/intervalprocessing.toml`, validated.
pub fn settings() -> Settings {
    let text = include_str!("../../deploy/intervalprocessing.toml");
    let d: Deployment = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    validate(&d).unwrap_or_else(|p| panic!("{p:?}"))
}

pub fn arns() -> Arns {
    Arns { region: "us-east-1".into(), account: "123456789012".into() }
}

/// The settings of the first process of [`settings`].
pub fn process(s: &Settings) -> ProcessSettings {
    s.processes.first().cloned().unwrap_or_else(|| panic!("no process"))
}
