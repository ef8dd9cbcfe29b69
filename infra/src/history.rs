//! The seam through which `infra status` shows the latest ledger entry of each process without
//! `infra` knowing how the runner stores its ledger.

use std::future::Future;
use std::pin::Pin;

use intervalprocessing_jobs::Process;

/// The newest ledger entry of one process, already formatted for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestRun {
    /// `succeeded`, `failed`, `running`, ...
    pub status: String,
    /// The window, as an ISO 8601 interval.
    pub window: String,
    /// When the run ended (RFC 3339), if it has.
    pub ended_at: Option<String>,
}

/// Read access to the run ledger, implemented by the runner.
pub trait RunHistory: Sync {
    /// The newest entry of `process`; `Err` carries a one-line reason (e.g. MongoDB unreachable).
    fn latest<'a>(
        &'a self,
        process: Process,
    ) -> Pin<Box<dyn Future<Output = Result<Option<LatestRun>, String>> + Send + 'a>>;
}
