//! A [`Process`]: a cheap handle to one [`ProcessSpec`] of the catalog ([`crate::catalog::ALL`]).
//!
//! Nothing outside the catalog names a particular process: the runner, `infra` and the tests
//! iterate the catalog and read the spec.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::time::Duration;

use crate::spec::ProcessSpec;
use crate::window::Cadence;

/// One process of the catalog. Compares, hashes and orders by its place in the catalog.
#[derive(Clone, Copy)]
pub struct Process(&'static ProcessSpec);

impl Process {
    /// Every process, in catalog order.
    pub fn all() -> impl Iterator<Item = Process> {
        crate::catalog::ALL.iter().map(|spec| Process(spec))
    }

    /// Everything known about the process.
    pub fn spec(self) -> &'static ProcessSpec {
        self.0
    }

    /// The canonical name (`processToRun` value, task definition suffix).
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// The key the original deployment used, if the process had one.
    pub fn legacy_key(self) -> Option<&'static str> {
        self.0.legacy_key
    }

    /// How often the process runs, which is also the length of the window it processes.
    pub fn cadence(self) -> Cadence {
        self.0.cadence
    }

    /// The EventBridge Scheduler expression used when the deployment file sets none.
    pub fn default_cron(self) -> &'static str {
        self.0.default_cron
    }

    /// The run deadline used when nothing else sets one.
    pub fn default_timeout(self) -> Duration {
        self.0.default_timeout
    }

    /// The processes this one waits for.
    pub fn depends_on(self) -> impl Iterator<Item = Process> {
        self.0.depends_on.iter().map(|spec| Process(spec))
    }

    /// The lowercase name used for container names (`intervalprocessing-<process>`).
    pub fn lowercase_name(self) -> String {
        self.name().to_ascii_lowercase()
    }

    /// The comma-separated list of valid names, for error messages.
    pub fn valid_names() -> String {
        Process::all().map(Process::name).collect::<Vec<_>>().join(", ")
    }

    /// The place in the catalog (the catalog's order is the order of `list` and `infra`).
    fn position(self) -> usize {
        crate::catalog::ALL.iter().position(|spec| spec.name == self.0.name).unwrap_or(usize::MAX)
    }
}

impl PartialEq for Process {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for Process {}

impl Hash for Process {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl PartialOrd for Process {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Process {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.position().cmp(&other.position()).then_with(|| self.0.name.cmp(other.0.name))
    }
}

impl fmt::Debug for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A process name that matches neither a canonical name nor a legacy key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown process {given:?}; valid processes are: {}", Process::valid_names())]
pub struct UnknownProcess {
    pub given: String,
}

impl FromStr for Process {
    type Err = UnknownProcess;

    /// Accepts the canonical name or the legacy key, ignoring ASCII case and surrounding blanks.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Process::all()
            .find(|p| {
                p.name().eq_ignore_ascii_case(wanted) || p.legacy_key().is_some_and(|k| k.eq_ignore_ascii_case(wanted))
            })
            .ok_or_else(|| UnknownProcess { given: s.to_owned() })
    }
}

#[cfg(test)]
mod tests;
