//! One lease per process in MongoDB, so two runs of a process never overlap.
//!
//! Taken with one atomic `findOneAndUpdate` (upsert) that matches only a free lease: expired, or
//! already ours. A live holder makes the upsert collide on `_id` (E11000), which means "held".
//! The holder renews it every third of its TTL; a holder killed with SIGKILL blocks the next run
//! for at most one TTL.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use intervalprocessing_jobs::Process;
use intervalprocessing_jobs::error_text::describe;
use intervalprocessing_jobs::retry::{is_duplicate_key, mongo_retried};
use mongodb::bson::{Document, doc};
use mongodb::options::ReturnDocument;
use mongodb::{Collection, Database};
use tokio_util::sync::CancellationToken;

use crate::error::AppError;
use crate::stop::{LeaseLoss, Stop, StopReason};

pub const LEASES: &str = "leases";

#[derive(Debug, Clone)]
pub struct Lease {
    coll: Collection<Document>,
    process: Process,
    holder: String,
    ttl: Duration,
}

/// Who holds a lease we could not take.
#[derive(Debug, Clone)]
pub struct Held {
    pub holder: String,
    pub until: DateTime<Utc>,
}

/// `now + ttl`, never shorter than asked: a TTL beyond time arithmetic (kept out by the bound
/// on `LEASE_TTL`) saturates at the end of time instead of silently becoming a short lease.
fn expiry(now: DateTime<Utc>, ttl: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(ttl).ok().and_then(|d| now.checked_add_signed(d)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl Lease {
    pub fn new(db: &Database, process: Process, holder: &str, ttl: Duration) -> Lease {
        Lease { coll: db.collection(LEASES), process, holder: holder.to_owned(), ttl }
    }

    /// Takes the lease if it is free or expired: `Ok(Ok(taken_at))`, when it was taken by the
    /// server's clock (the one clock every run shares: a later holder took it later, after this
    /// run's lease expired, whatever the clocks of the hosts). `Ok(Err(held))` when another run
    /// holds it.
    pub async fn acquire(&self, host: &str) -> Result<Result<DateTime<Utc>, Held>, AppError> {
        let now = Utc::now();
        let filter = doc! {
            "_id": self.process.name(),
            "$or": [ { "expiresAt": { "$lte": now } }, { "holder": &self.holder } ],
        };
        // A pipeline update, so that `acquiredAt` is the server's `$$NOW`.
        let update = vec![doc! { "$set": {
            "holder": { "$literal": &self.holder },
            "host": { "$literal": host },
            "acquiredAt": "$$NOW",
            "expiresAt": { "$literal": expiry(now, self.ttl) },
        } }];
        let taken = mongo_retried("acquiring the lease", || async {
            match self
                .coll
                .find_one_and_update(filter.clone(), update.clone())
                .upsert(true)
                .return_document(ReturnDocument::After)
                .await
            {
                Ok(d) => Ok(Some(d.and_then(|d| d.get_datetime("acquiredAt").ok().map(|t| t.to_chrono())))),
                Err(e) if is_duplicate_key(&e) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(AppError::mongo("acquiring the process lease"))?;
        if let Some(at) = taken {
            // The document is returned after the update; a server that did not return it leaves
            // the client's clock, the best time there is.
            return Ok(Ok(at.unwrap_or(now)));
        }
        let current = mongo_retried("reading the lease", || self.coll.find_one(doc! { "_id": self.process.name() }))
            .await
            .map_err(AppError::mongo("reading the process lease"))?;
        let holder = current.as_ref().and_then(|d| d.get_str("holder").ok()).unwrap_or("unknown").to_owned();
        let until =
            current.as_ref().and_then(|d| d.get_datetime("expiresAt").ok()).map(|t| t.to_chrono()).unwrap_or(now);
        Ok(Err(Held { holder, until }))
    }

    /// The run ids that hold a live (unexpired) lease now, over all processes.
    pub async fn live_holders(db: &Database) -> mongodb::error::Result<std::collections::HashSet<String>> {
        use futures::TryStreamExt;
        let leases = db.collection::<Document>(LEASES);
        let docs: Vec<Document> = mongo_retried("reading the process leases", || async {
            leases.find(doc! { "expiresAt": { "$gt": Utc::now() } }).await?.try_collect().await
        })
        .await?;
        Ok(docs.iter().filter_map(|d| d.get_str("holder").ok().map(str::to_owned)).collect())
    }

    /// Extends the lease; `Ok(false)` when it is no longer ours (it expired and was taken over).
    pub async fn renew(&self) -> mongodb::error::Result<bool> {
        let r = self
            .coll
            .update_one(
                doc! { "_id": self.process.name(), "holder": &self.holder },
                doc! { "$set": { "expiresAt": expiry(Utc::now(), self.ttl) } },
            )
            .await?;
        Ok(r.matched_count == 1)
    }

    /// Gives the lease back so the next run can start at once.
    pub async fn release(&self) -> mongodb::error::Result<()> {
        let mine = doc! { "_id": self.process.name(), "holder": &self.holder };
        mongo_retried("releasing the lease", || self.coll.delete_one(mine.clone())).await.map(|_| ())
    }

    /// Renews the lease every third of its TTL until `stop` fires or `done` is cancelled. A
    /// lost lease stops the run; a renewal that fails for a while is retried until the lease
    /// would have expired, then also stops the run.
    pub fn keep_alive(&self, stop: Stop, done: CancellationToken) -> tokio::task::JoinHandle<()> {
        let lease = self.clone();
        let every = self.ttl / 3;
        tokio::spawn(async move {
            let mut last_ok = tokio::time::Instant::now();
            loop {
                tokio::select! {
                    _ = done.cancelled() => return,
                    _ = tokio::time::sleep(every) => {}
                }
                match lease.renew().await {
                    Ok(true) => last_ok = tokio::time::Instant::now(),
                    Ok(false) => {
                        tracing::error!("the process lease was taken over by another run");
                        stop.fire(StopReason::LeaseLost(LeaseLoss::TakenOver));
                        return;
                    }
                    Err(e) if last_ok.elapsed().saturating_add(every) < lease.ttl => {
                        tracing::warn!(error = %describe(&e), "could not renew the process lease; retrying");
                    }
                    Err(e) => {
                        tracing::error!(error = %describe(&e), "could not renew the process lease before it expired");
                        stop.fire(StopReason::LeaseLost(LeaseLoss::NotRenewed));
                        return;
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_expires_exactly_one_ttl_later_and_never_earlier() {
        let now = Utc::now();
        assert_eq!(expiry(now, Duration::from_secs(30)) - now, TimeDelta::seconds(30));
        assert_eq!(expiry(now, Duration::from_secs(600)) - now, TimeDelta::seconds(600));
        for huge in [9_000_000_000_000, 10_000_000_000_000_000, u64::MAX] {
            assert_eq!(expiry(now, Duration::from_secs(huge)), DateTime::<Utc>::MAX_UTC, "{huge}");
        }
    }
}
