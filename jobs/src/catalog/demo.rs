//! DemoReadingCount, a demonstration of adding a process (README "Adding a job"): per hour, how
//! many readings arrived and how many of them are estimates, upserted into `demo_reading_counts`
//! keyed on the hour. Compiled only with the `demo-job` feature, which release builds leave off and
//! the end-to-end tests turn on; nothing outside this file and its line in the catalog names it.

use std::time::Duration;

use mongodb::bson::{Document, doc};

use crate::collections::{READINGS, valid_and};
use crate::context::JobContext;
use crate::error::JobError;
use crate::job::{Job, JobReport};
use crate::spec::ProcessSpec;
use crate::window::{Cadence, Window};

/// Where the counts go.
pub const DEMO_READING_COUNTS: &str = "demo_reading_counts";

pub struct DemoReadingCount;

pub const SPEC: ProcessSpec = ProcessSpec {
    name: "DemoReadingCount",
    legacy_key: None,
    cadence: Cadence::Minutes(60),
    default_cron: "cron(10 * * * ? *)",
    default_timeout: Duration::from_secs(30 * 60),
    writes_files: false,
    reads: &[READINGS],
    writes: &[DEMO_READING_COUNTS],
    depends_on: &[],
    job: &DemoReadingCount,
};

impl Job for DemoReadingCount {
    async fn run(&self, ctx: &JobContext, window: &Window) -> Result<JobReport, JobError> {
        let readings = ctx.db.collection::<Document>(READINGS);
        let in_window = doc! { "intervalStart": { "$gte": window.start, "$lt": window.end } };
        let usable = valid_and(in_window.clone());
        let estimates = valid_and(doc! { "$and": [in_window, { "estimated": true }] });
        let action = "counting the window's readings";
        let total = ctx.mongo_retry(action, || readings.count_documents(usable.clone())).await?;
        let estimated = ctx.mongo_retry(action, || readings.count_documents(estimates.clone())).await?;
        let row = doc! { "readings": to_i64(total), "estimated": to_i64(estimated), "runId": &ctx.run_id };
        let counts = ctx.db.collection::<Document>(DEMO_READING_COUNTS);
        let key = doc! { "_id": window.start };
        ctx.mongo_retry("writing the reading count", || async {
            counts.replace_one(key.clone(), row.clone()).upsert(true).await.map(|_| ())
        })
        .await?;
        Ok(JobReport { read: total, written: 1, ..JobReport::default() })
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
