//! The one place that maps every error to a documented exit code and a hint.
//!
//! | code  | meaning                                                        |
//! |-------|----------------------------------------------------------------|
//! | 0     | success, also when there was nothing to do                     |
//! | 1     | a job failed (or MongoDB/S3 stayed unreachable)                |
//! | 2     | usage error (bad flags or arguments)                           |
//! | 3     | configuration error or unknown process                         |
//! | 4     | skipped: another run of the process holds the lease            |
//! | 5     | the process deadline passed                                    |
//! | 128+N | interrupted by signal N (143 for SIGTERM, 130 for SIGINT)       |

use intervalprocessing_jobs::error_text::describe;
use intervalprocessing_jobs::indexes::IndexError;
use intervalprocessing_jobs::{JobError, UnknownProcess};

pub mod code {
    pub const SUCCESS: i32 = 0;
    pub const FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const CONFIG: i32 = 3;
    pub const LEASE_HELD: i32 = 4;
    pub const DEADLINE: i32 = 5;
    pub const SIGNAL_BASE: i32 = 128;
}

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
    Infra(#[from] intervalprocessing_infra::InfraError),

    #[error("{0}")]
    Job(#[from] JobError),

    /// A window's job failed; the run stopped there (exit 1).
    #[error("{process} {window} failed: {error}{}", unrecorded(.recorded))]
    WindowFailed { process: String, window: String, error: String, recorded: bool },
}

fn unrecorded(recorded: &bool) -> &'static str {
    if *recorded { "" } else { " (the ledger could not be updated; it says running until the window is run again)" }
}

impl AppError {
    pub fn mongo(action: &'static str) -> impl FnOnce(mongodb::error::Error) -> AppError {
        move |source| AppError::Mongo { action, source }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Usage(_) => code::USAGE,
            AppError::UnknownProcess(_)
            | AppError::NoProcess
            | AppError::Config { .. }
            | AppError::Index(IndexError::Unusable(_)) => code::CONFIG,
            AppError::Startup(_)
            | AppError::MongoUnreachable { .. }
            | AppError::Mongo { .. }
            | AppError::Index(IndexError::Mongo { .. })
            | AppError::Job(_)
            | AppError::WindowFailed { .. } => code::FAILED,
            AppError::LeaseHeld { .. } => code::LEASE_HELD,
            AppError::Infra(e) => e.exit_code(),
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
            AppError::WindowFailed { process, .. } => Some(format!(
                "`intervalprocessing history --process {process}` shows the ledger; the next scheduled run retries the window (catch-up)"
            )),
            AppError::Infra(e) => e.hint(),
            _ => None,
        }
    }
}
