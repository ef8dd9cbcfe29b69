//! The one place that says what every error means (its [`Outcome`], hence its exit code) and
//! which hint goes with it.

use intervalprocessing_infra::InfraError;
use intervalprocessing_jobs::error_text::describe;
use intervalprocessing_jobs::indexes::IndexError;
use intervalprocessing_jobs::{JobError, Process, UnknownProcess};

use crate::outcome::Outcome;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Usage(String),

    #[error("{0}")]
    Startup(String),

    #[error(transparent)]
    UnknownProcess(#[from] UnknownProcess),

    #[error("no process to run: set processToRun or use `run --process NAME`")]
    NoProcess,

    #[error("invalid {var}={value:?}: {reason}")]
    Config { var: &'static str, value: String, reason: String },

    #[error("cannot reach MongoDB at {uri}: {message}")]
    MongoUnreachable { uri: String, message: String },

    #[error("MongoDB: {action}: {}", describe(.source))]
    Mongo {
        action: &'static str,
        #[source]
        source: mongodb::error::Error,
    },

    #[error("{process} is already running (lease held by run {holder} until {until}); this run did nothing")]
    LeaseHeld { process: String, holder: String, until: String },

    /// An index the runtime needs is missing and cannot be created (an unusable one is in the way).
    #[error(transparent)]
    Index(#[from] IndexError),

    #[error(transparent)]
    Infra(#[from] InfraError),

    #[error("{0}")]
    Job(#[from] JobError),

    /// Windows of the run failed (exit 1).
    #[error("{0}")]
    WindowsFailed(FailedWindows),
}

/// The windows of one run that failed, in the order they ran, each with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedWindows {
    pub process: String,
    /// `(window, error)`.
    pub windows: Vec<(String, String)>,
    /// Every failure is in the ledger.
    pub recorded: bool,
    /// Windows after the last failure the run did not start (it stopped there).
    pub not_started: usize,
}

impl FailedWindows {
    pub fn new(process: Process) -> FailedWindows {
        FailedWindows { process: process.to_string(), windows: Vec::new(), recorded: true, not_started: 0 }
    }
}

/// One line: `P W failed: E` for one window, `P: N windows failed: W1: E1; W2: E2` for several.
impl std::fmt::Display for FailedWindows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.windows.as_slice() {
            [(window, error)] => write!(f, "{} {window} failed: {error}", self.process)?,
            all => {
                write!(f, "{}: {} windows failed: ", self.process, all.len())?;
                for (i, (window, error)) in all.iter().enumerate() {
                    write!(f, "{}{window}: {error}", if i == 0 { "" } else { "; " })?;
                }
            }
        }
        if self.not_started > 0 {
            write!(f, "; the run stopped there, {} later window(s) not started", self.not_started)?;
        }
        if !self.recorded {
            f.write_str(" (the ledger could not be updated; it says running until the window is run again)")?;
        }
        Ok(())
    }
}

impl AppError {
    pub fn mongo(action: &'static str) -> impl FnOnce(mongodb::error::Error) -> AppError {
        move |source| AppError::Mongo { action, source }
    }

    /// What the error means for the exit code.
    pub fn outcome(&self) -> Outcome {
        match self {
            AppError::Usage(_)
            | AppError::Infra(InfraError::BadFlag(_))
            | AppError::Infra(InfraError::NeedsApproval { .. }) => Outcome::Usage,
            AppError::UnknownProcess(_)
            | AppError::NoProcess
            | AppError::Config { .. }
            | AppError::Index(IndexError::Unusable(_))
            | AppError::Infra(InfraError::ConfigRead { .. } | InfraError::Invalid { .. } | InfraError::Config(_)) => {
                Outcome::Config
            }
            AppError::Startup(_)
            | AppError::MongoUnreachable { .. }
            | AppError::Mongo { .. }
            | AppError::Index(IndexError::Mongo { .. })
            | AppError::Job(_)
            | AppError::WindowsFailed(_)
            | AppError::Infra(
                InfraError::Aws { .. }
                | InfraError::Declined { .. }
                | InfraError::NotDeployed(_)
                | InfraError::Failed(_),
            ) => Outcome::Failed,
            AppError::LeaseHeld { .. } => Outcome::LeaseHeld,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            AppError::UnknownProcess(_) | AppError::NoProcess => {
                Some("`intervalprocessing list` shows every process with its schedule".into())
            }
            AppError::MongoUnreachable { .. } => Some(
                "check MONGODB_URI and that the server is up and reachable from here; `scripts/demo` starts a local one".into(),
            ),
            AppError::LeaseHeld { .. } => Some(
                "wait for the other run to finish; a holder that died frees the lease when it expires (LEASE_TTL)".into(),
            ),
            AppError::WindowsFailed(f) => Some(format!(
                "`intervalprocessing history --process {}` shows the ledger; scheduled runs retry a failed window \
                 (catch-up) until it has had MAX_WINDOW_ATTEMPTS attempts, `run --at` reruns one now",
                f.process
            )),
            AppError::Infra(e) => e.hint(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(windows: &[(&str, &str)]) -> FailedWindows {
        let mut f = FailedWindows::new("FileGeneration".parse::<Process>().unwrap_or_else(|e| panic!("{e}")));
        f.windows = windows.iter().map(|(w, e)| ((*w).to_owned(), (*e).to_owned())).collect();
        f
    }

    #[test]
    fn one_failed_window_is_named_with_its_reason() {
        let f = failed(&[("2026-01-10T00:00:00Z/2026-01-11T00:00:00Z", "boom")]);
        assert_eq!(f.to_string(), "FileGeneration 2026-01-10T00:00:00Z/2026-01-11T00:00:00Z failed: boom");
    }

    #[test]
    fn several_failed_windows_are_counted_and_named_on_one_line() {
        let mut f = failed(&[("A/B", "one"), ("C/D", "two")]);
        f.not_started = 3;
        f.recorded = false;
        let line = f.to_string();
        assert!(
            line.starts_with("FileGeneration: 2 windows failed: A/B: one; C/D: two; the run stopped there, 3 later")
        );
        assert!(line.ends_with("it says running until the window is run again)") && !line.contains('\n'), "{line}");
        let e = AppError::WindowsFailed(f);
        assert_eq!(e.outcome(), Outcome::Failed);
        assert!(e.hint().is_some_and(|h| h.contains("history --process FileGeneration")));
    }

    #[test]
    fn infra_errors_keep_their_documented_codes() {
        let cases = [
            (InfraError::ConfigRead { path: "f".into(), reason: "missing".into() }, 3),
            (InfraError::Invalid { path: "f".into(), problems: Vec::new() }, 3),
            (InfraError::Config("--process: unknown".into()), 3),
            (InfraError::BadFlag("--image: bad".into()), 2),
            (InfraError::NeedsApproval { action: "apply these changes" }, 2),
            (InfraError::Aws { resource: "r".into(), call: "ecs:RunTask", message: "m".into(), code: None }, 1),
            (InfraError::Declined { action: "apply these changes" }, 1),
            (InfraError::NotDeployed("schedule".into()), 1),
            (InfraError::Failed("destroy is incomplete".into()), 1),
        ];
        for (e, code) in cases {
            let text = e.to_string();
            assert_eq!(AppError::Infra(e).outcome().exit_code(), code, "{text}");
        }
    }
}
