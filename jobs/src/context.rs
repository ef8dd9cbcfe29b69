//! What the runner hands every job: shared clients, the time zone, the run's identity,
//! a cancellation token and retry settings.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use mongodb::Database;
use tokio_util::sync::CancellationToken;

use crate::retry::RetryPolicy;
use crate::store::ObjectStore;

#[derive(Clone)]
pub struct JobContext {
    pub db: Database,
    /// Only FileGeneration writes objects; the data-change jobs never touch it.
    pub store: Option<ObjectStore>,
    pub tz: Tz,
    pub run_id: String,
    /// When this run took the process lease, by the server's clock. Runs of a process hold it one
    /// after the other, so it orders them: a write that replaces or removes what earlier runs wrote
    /// is limited to rows stamped with an earlier time, and a command of a run that died, executed
    /// late by the server, cannot touch what a later run wrote.
    pub lease_taken_at: DateTime<Utc>,
    /// Fires on SIGTERM/SIGINT, a passed deadline, or a lost lease.
    pub cancel: CancellationToken,
    pub retry: RetryPolicy,
    pub settings: JobSettings,
}

/// Tunables of the reference jobs.
#[derive(Debug, Clone, Copy)]
pub struct JobSettings {
    /// NightlyDataChange keeps the raw readings of this many local days, ending with its window.
    pub retention_days: u32,
    /// `--ignore-retention`: process windows that start before the recorded retention cutoff
    /// (for readings restored from a backup).
    pub ignore_retention: bool,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings { retention_days: 90, ignore_retention: false }
    }
}

impl JobContext {
    /// Returns [`crate::JobError::Cancelled`] once the run has been asked to stop.
    pub fn checkpoint(&self) -> Result<(), crate::JobError> {
        if self.cancel.is_cancelled() { Err(crate::JobError::Cancelled) } else { Ok(()) }
    }

    /// Retries an idempotent MongoDB operation on transient errors.
    /// `op` builds the operation afresh for each attempt (driver actions and async blocks both work).
    /// Returns [`crate::JobError::Cancelled`] as soon as the run is asked to stop, even mid-operation
    /// (every job operation is idempotent, so one cut short is simply redone by the next run).
    pub async fn mongo_retry<T, F, Fut>(&self, action: &str, mut op: F) -> Result<T, crate::JobError>
    where
        F: FnMut() -> Fut,
        Fut: IntoFuture<Output = mongodb::error::Result<T>>,
    {
        let attempts = crate::retry::retry(self.retry, action, &self.cancel, crate::retry::mongo_is_transient, || {
            op().into_future()
        });
        self.cancellable(attempts).await?.map_err(crate::JobError::mongo(action))
    }

    /// Awaits `fut` unless the run is asked to stop first; then drops it and returns
    /// [`crate::JobError::Cancelled`]. For awaits that can take long (a server-side aggregation).
    pub async fn cancellable<T>(&self, fut: impl Future<Output = T>) -> Result<T, crate::JobError> {
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => Err(crate::JobError::Cancelled),
            v = fut => Ok(v),
        }
    }
}
