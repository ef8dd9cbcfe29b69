//! Why and when a run must stop: a signal (SIGTERM from ECS, SIGINT from a person), the process
//! deadline, or a lost lease. Jobs only see the cancellation token; the runner reads the reason.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Signal(i32),
    Deadline(Duration),
    LeaseLost(LeaseLoss),
}

/// How a run came to no longer hold its process lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseLoss {
    /// It expired and another run took it over.
    TakenOver,
    /// It could not be renewed before it expired (MongoDB did not answer): another run may take
    /// it over at any moment, so this one must stop.
    NotRenewed,
}

impl std::fmt::Display for LeaseLoss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LeaseLoss::TakenOver => "lost the process lease to another run",
            LeaseLoss::NotRenewed => {
                "could not renew the process lease before it expired (MongoDB did not answer), so the run stopped"
            }
        })
    }
}

/// A cancellation token that remembers the first reason it fired for.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    token: CancellationToken,
    reason: Arc<OnceLock<StopReason>>,
}

impl Stop {
    pub fn new() -> Stop {
        Stop::default()
    }

    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// Asks the run to stop; the first reason given wins.
    pub fn fire(&self, reason: StopReason) {
        if self.reason.set(reason).is_ok() {
            tracing::warn!(?reason, "stopping the run");
        }
        self.token.cancel();
    }

    pub fn reason(&self) -> Option<StopReason> {
        self.reason.get().copied()
    }

    pub async fn fired(&self) {
        self.token.cancelled().await;
    }

    /// Fires on SIGTERM or SIGINT, for as long as the runtime lives.
    pub fn listen_for_signals(&self) -> std::io::Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let stop = self.clone();
        tokio::spawn(async move {
            let n = tokio::select! {
                _ = term.recv() => 15,
                _ = int.recv() => 2,
            };
            stop.fire(StopReason::Signal(n));
        });
        Ok(())
    }

    /// Fires when `limit` has passed.
    pub fn fire_after(&self, limit: Duration) {
        let stop = self.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(limit) => stop.fire(StopReason::Deadline(limit)),
                _ = stop.fired() => {}
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_reason_wins() {
        let s = Stop::new();
        s.fire(StopReason::Signal(15));
        s.fire(StopReason::LeaseLost(LeaseLoss::TakenOver));
        assert_eq!(s.reason(), Some(StopReason::Signal(15)));
        assert!(s.token().is_cancelled());
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_fires_after_its_limit() {
        let s = Stop::new();
        s.fire_after(Duration::from_secs(5));
        s.fired().await;
        assert_eq!(s.reason(), Some(StopReason::Deadline(Duration::from_secs(5))));
    }
}
