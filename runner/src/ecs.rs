//! What ECS tells a task about itself (task metadata endpoint v4), for the ledger.

use std::time::Duration;

#[derive(serde::Deserialize)]
struct TaskMetadata {
    #[serde(rename = "TaskARN")]
    task_arn: String,
}

/// The ARN of the ECS task this process runs in; `None` outside ECS or when the endpoint
/// does not answer within two seconds (never fatal: the ledger just lacks the ARN).
pub async fn task_arn() -> Option<String> {
    let base = std::env::var("ECS_CONTAINER_METADATA_URI_V4").ok()?;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().ok()?;
    let fetched =
        async { client.get(format!("{base}/task")).send().await?.error_for_status()?.json::<TaskMetadata>().await };
    match fetched.await {
        Ok(m) => Some(m.task_arn),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the ECS task metadata; the ledger will lack the task ARN");
            None
        }
    }
}
