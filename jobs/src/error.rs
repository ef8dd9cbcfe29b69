//! What a job can fail with, and whether trying again could help.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// A MongoDB operation failed; `action` says which one (e.g. "rolling readings up into hourly_usage").
    #[error("MongoDB: {action}: {}", crate::error_text::describe(.source))]
    Mongo {
        action: String,
        #[source]
        source: mongodb::error::Error,
    },

    /// Writing an output object failed.
    #[error(transparent)]
    Store(#[from] StoreError),

    /// The run was asked to stop (signal, deadline, lost lease) and stopped at a safe point.
    #[error("stopped before finishing the window")]
    Cancelled,

    /// The window starts before the retention cutoff NightlyDataChange recorded: its raw readings
    /// are gone, so processing it would replace good output with a partial one.
    #[error(
        "the window starts before the retention cutoff {cutoff}: its raw readings were removed by NightlyDataChange, \
         so its existing output is left untouched (run with --ignore-retention if the readings were restored)"
    )]
    BeforeRetention { cutoff: String },

    /// The job's input cannot be processed at all (a malformed single document is counted, not fatal).
    #[error("{0}")]
    InvalidInput(String),
}

impl JobError {
    pub fn mongo(action: impl Into<String>) -> impl FnOnce(mongodb::error::Error) -> JobError {
        let action = action.into();
        move |source| JobError::Mongo { action, source }
    }

    /// Whether running the same window again soon might succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            JobError::Mongo { source, .. } => crate::retry::mongo_is_transient(source),
            JobError::Store(e) => e.is_transient(),
            JobError::Cancelled | JobError::InvalidInput(_) | JobError::BeforeRetention { .. } => false,
        }
    }
}
