//! The dead-letter queue as it is in AWS.

use aws_sdk_sqs::types::QueueAttributeName;

use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::error::InfraError;
use crate::resources::Queue;

/// The URL of queue `name`, or `None` when it does not exist.
pub async fn queue_url(aws: &Aws, name: &str) -> Result<Option<String>, InfraError> {
    match aws.sqs.get_queue_url().queue_name(name).send().await {
        Ok(out) => Ok(out.queue_url().map(str::to_owned)),
        Err(e) if is_missing(&e, &["AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"]) => Ok(None),
        Err(e) => Err(aws_err(&format!("queue {name}"), "sqs:GetQueueUrl", e)),
    }
}

pub async fn queue(aws: &Aws, name: &str) -> Result<Option<Queue>, InfraError> {
    let what = format!("queue {name}");
    let Some(url) = queue_url(aws, name).await? else { return Ok(None) };
    let attrs = aws
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .map_err(|e| aws_err(&what, "sqs:GetQueueAttributes", e))?;
    let attr = |k: QueueAttributeName| attrs.attributes().and_then(|a| a.get(&k)).cloned().unwrap_or_default();
    let tags =
        aws.sqs.list_queue_tags().queue_url(&url).send().await.map_err(|e| aws_err(&what, "sqs:ListQueueTags", e))?;
    Ok(Some(Queue {
        name: name.to_owned(),
        sse_sqs: attr(QueueAttributeName::SqsManagedSseEnabled).eq_ignore_ascii_case("true"),
        message_retention_seconds: attr(QueueAttributeName::MessageRetentionPeriod).parse().unwrap_or(0),
        tags: tags.tags().cloned().unwrap_or_default().into_iter().collect(),
    }))
}
