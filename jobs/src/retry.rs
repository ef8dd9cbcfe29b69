//! Bounded retries with exponential backoff and jitter, for transient MongoDB and S3 errors.
//!
//! Every retried operation must be idempotent; callers only wrap those.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use rand::Rng;
use tokio_util::sync::CancellationToken;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 4, initial_backoff: Duration::from_millis(250), max_backoff: Duration::from_secs(4) }
    }
}

impl RetryPolicy {
    /// The backoff before attempt `n + 1` (n starting at 1): doubling, capped, with "equal jitter".
    pub fn backoff(&self, n: u32) -> Duration {
        let exp = self.initial_backoff.saturating_mul(1u32 << n.saturating_sub(1).min(16));
        let capped = exp.min(self.max_backoff);
        let half = capped / 2;
        half + half.mul_f64(rand::rng().random::<f64>())
    }
}

/// Runs `op` until it succeeds, fails with a non-transient error, runs out of attempts, or
/// `cancel` fires during a backoff (then the last error is returned).
pub async fn retry<T, E, F, Fut>(
    policy: RetryPolicy,
    what: &str,
    cancel: &CancellationToken,
    is_transient: impl Fn(&E) -> bool,
    mut op: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: crate::error_text::ErrorText,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < policy.attempts && is_transient(&e) => {
                let wait = policy.backoff(attempt);
                tracing::warn!(operation = what, attempt, error = %e.error_text(), retry_in_ms = wait.as_millis() as u64, "transient error, retrying");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = cancel.cancelled() => return Err(e),
                }
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// `op`, an idempotent MongoDB read or write, retried on transient errors with the default
/// policy. Not cancelled by a stop: it is the runner's own bookkeeping (lease, ledger), which a
/// run needs to start, or to end cleanly, and whose retries are short.
pub async fn mongo_retried<T, F, Fut>(what: &str, mut op: F) -> mongodb::error::Result<T>
where
    F: FnMut() -> Fut,
    Fut: IntoFuture<Output = mongodb::error::Result<T>>,
{
    retry(RetryPolicy::default(), what, &CancellationToken::new(), mongo_is_transient, || op().into_future()).await
}

/// Whether a MongoDB error is worth retrying: network trouble, no server selectable, a pool
/// cleared, or an error the server labelled retryable.
pub fn mongo_is_transient(e: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, RETRYABLE_WRITE_ERROR, TRANSIENT_TRANSACTION_ERROR};
    if e.contains_label(RETRYABLE_WRITE_ERROR) || e.contains_label(TRANSIENT_TRANSACTION_ERROR) {
        return true;
    }
    match e.kind.as_ref() {
        ErrorKind::Io(_) | ErrorKind::ServerSelection { .. } | ErrorKind::ConnectionPoolCleared { .. } => true,
        ErrorKind::Command(c) => matches!(
            c.code,
            // HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress, PrimarySteppedDown,
            // ExceededTimeLimit, SocketException, NotWritablePrimary, InterruptedAtShutdown,
            // InterruptedDueToReplStateChange, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary
            6 | 7 | 89 | 91 | 189 | 262 | 9001 | 10107 | 11600 | 11602 | 13435 | 13436
        ),
        _ => false,
    }
}

/// Whether a MongoDB error is a duplicate key (E11000) error, alone or inside a bulk write.
pub fn is_duplicate_key(e: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        ErrorKind::InsertMany(im) => {
            im.write_errors.as_ref().is_some_and(|ws| !ws.is_empty() && ws.iter().all(|w| w.code == 11000))
                && im.write_concern_error.is_none()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn fast() -> RetryPolicy {
        RetryPolicy { attempts: 3, initial_backoff: Duration::from_millis(1), max_backoff: Duration::from_millis(2) }
    }

    #[tokio::test]
    async fn transient_errors_are_retried_up_to_the_bound() {
        let calls = AtomicU32::new(0);
        let r: Result<(), String> = retry(
            fast(),
            "op",
            &CancellationToken::new(),
            |_| true,
            || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err("boom".to_owned()) }
            },
        )
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn permanent_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let _: Result<(), String> = retry(
            fast(),
            "op",
            &CancellationToken::new(),
            |_| false,
            || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Err("bad".to_owned()) }
            },
        )
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn success_after_a_transient_error_is_returned() {
        let calls = AtomicU32::new(0);
        let r: Result<u32, String> = retry(
            fast(),
            "op",
            &CancellationToken::new(),
            |_| true,
            || {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                async move { if n == 0 { Err("flaky".to_owned()) } else { Ok(n) } }
            },
        )
        .await;
        assert_eq!(r, Ok(1));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        assert!(p.backoff(1) <= Duration::from_millis(100));
        assert!(p.backoff(3) >= Duration::from_millis(200));
        assert!(p.backoff(30) <= Duration::from_secs(1));
    }
}
