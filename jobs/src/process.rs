//! The process catalog: the five processes, their names, legacy keys, cadence and defaults.
//!
//! This is the one place that knows which processes exist. Everything that dispatches on a
//! process name (the runner, `infra`) goes through [`Process::from_str`].

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::window::Cadence;

/// How long the runner may still need after `SHUTDOWN_GRACE` has run out: to record the stopped
/// window (and the windows it will not start) in the ledger, then release the lease. A deployment
/// must leave at least this much between `SHUTDOWN_GRACE` and the container's `stopTimeout`, or the
/// task can be SIGKILLed mid-bookkeeping (the ledger then says running, the lease expires on its own).
pub const SHUTDOWN_BOOKKEEPING: Duration = Duration::from_secs(15);

/// One of the batch processes this binary can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    FileGeneration,
    NightlyDataChange,
    HourlyDataChange,
    HalfHourlyDataChange,
    QuarterHourlyDataChange,
}

impl Process {
    /// Every process, in the order the reference guide lists them.
    pub const ALL: [Process; 5] = [
        Process::FileGeneration,
        Process::NightlyDataChange,
        Process::HourlyDataChange,
        Process::HalfHourlyDataChange,
        Process::QuarterHourlyDataChange,
    ];

    /// The canonical name (`processToRun` value, task definition suffix).
    pub fn name(self) -> &'static str {
        match self {
            Process::FileGeneration => "FileGeneration",
            Process::NightlyDataChange => "NightlyDataChange",
            Process::HourlyDataChange => "HourlyDataChange",
            Process::HalfHourlyDataChange => "HalfHourlyDataChange",
            Process::QuarterHourlyDataChange => "QuarterHourlyDataChange",
        }
    }

    /// The key the original (C#) deployment put in `processToRun`; still accepted.
    pub fn legacy_key(self) -> &'static str {
        match self {
            Process::FileGeneration => "FileGenerationProcesses",
            Process::NightlyDataChange => "NightlyDataChangeProcesses",
            Process::HourlyDataChange => "HourlyDataChangeProcesses",
            Process::HalfHourlyDataChange => "HalfHourlyDataChangeProcesses",
            Process::QuarterHourlyDataChange => "QuarterHourlyDataChangeProcesses",
        }
    }

    /// How often the process runs, which is also the length of the window it processes.
    pub fn cadence(self) -> Cadence {
        match self {
            Process::FileGeneration | Process::NightlyDataChange => Cadence::Daily,
            Process::HourlyDataChange => Cadence::Minutes(60),
            Process::HalfHourlyDataChange => Cadence::Minutes(30),
            Process::QuarterHourlyDataChange => Cadence::Minutes(15),
        }
    }

    /// The EventBridge Scheduler expression from the reference guide.
    pub fn default_cron(self) -> &'static str {
        match self {
            Process::FileGeneration => "cron(30 2 * * ? *)",
            Process::NightlyDataChange => "cron(0 2 * * ? *)",
            Process::HourlyDataChange => "cron(0 * * * ? *)",
            Process::HalfHourlyDataChange => "cron(0/30 * * * ? *)",
            Process::QuarterHourlyDataChange => "cron(0/15 * * * ? *)",
        }
    }

    /// The run deadline: shorter than the cadence, so a stuck run never overlaps the next tick.
    pub fn default_timeout(self) -> Duration {
        match self {
            Process::FileGeneration | Process::NightlyDataChange => Duration::from_secs(2 * 3600),
            Process::HourlyDataChange => Duration::from_secs(50 * 60),
            Process::HalfHourlyDataChange => Duration::from_secs(25 * 60),
            Process::QuarterHourlyDataChange => Duration::from_secs(12 * 60),
        }
    }

    /// The lowercase name used for container names (`intervalprocessing-<process>`).
    pub fn lowercase_name(self) -> String {
        self.name().to_ascii_lowercase()
    }

    /// The comma-separated list of valid names, for error messages.
    pub fn valid_names() -> String {
        Process::ALL.map(Process::name).join(", ")
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
        Process::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(wanted) || p.legacy_key().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownProcess { given: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::Process;

    #[test]
    fn canonical_names_and_legacy_keys_both_resolve() {
        for p in Process::ALL {
            assert_eq!(p.name().parse::<Process>(), Ok(p));
            assert_eq!(p.legacy_key().parse::<Process>(), Ok(p));
        }
        assert_eq!("filegeneration".parse::<Process>(), Ok(Process::FileGeneration));
    }

    #[test]
    fn unknown_name_lists_every_valid_name() {
        let err = "Bogus".parse::<Process>().unwrap_err().to_string();
        for p in Process::ALL {
            assert!(err.contains(p.name()), "{err}");
        }
        assert!(err.contains("\"Bogus\""));
    }

    #[test]
    fn every_timeout_is_shorter_than_its_cadence() {
        for p in Process::ALL {
            assert!(p.default_timeout() < p.cadence().nominal_length(), "{p}");
        }
    }
}
