//! Creates, updates and deletes the dead-letter queue. Requests are built by pure functions.

use std::collections::HashMap;

use aws_sdk_sqs::operation::create_queue::builders::CreateQueueInputBuilder;
use aws_sdk_sqs::operation::delete_queue::builders::DeleteQueueInputBuilder;
use aws_sdk_sqs::operation::set_queue_attributes::builders::SetQueueAttributesInputBuilder;
use aws_sdk_sqs::operation::tag_queue::builders::TagQueueInputBuilder;
use aws_sdk_sqs::types::QueueAttributeName;

use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::error::InfraError;
use crate::remote::queue_url;
use crate::resources::Queue;

fn attributes(q: &Queue) -> HashMap<QueueAttributeName, String> {
    HashMap::from([
        (QueueAttributeName::SqsManagedSseEnabled, q.sse_sqs.to_string()),
        (QueueAttributeName::MessageRetentionPeriod, q.message_retention_seconds.to_string()),
    ])
}

/// CreateQueue: a standard queue with its attributes and tags.
pub fn create_queue_request(q: &Queue) -> CreateQueueInputBuilder {
    CreateQueueInputBuilder::default()
        .queue_name(&q.name)
        .set_attributes(Some(attributes(q)))
        .set_tags(Some(q.tags.clone().into_iter().collect()))
}

/// SetQueueAttributes: the managed attributes, nothing else.
pub fn set_attributes_request(url: &str, q: &Queue) -> SetQueueAttributesInputBuilder {
    SetQueueAttributesInputBuilder::default().queue_url(url).set_attributes(Some(attributes(q)))
}

/// TagQueue: our tags only; tags others added stay (TagQueue adds and overwrites, never removes).
pub fn tag_request(url: &str, q: &Queue) -> TagQueueInputBuilder {
    TagQueueInputBuilder::default().queue_url(url).set_tags(Some(q.tags.clone().into_iter().collect()))
}

/// DeleteQueue: the queue at `url`, with whatever it still holds.
pub fn delete_queue_request(url: &str) -> DeleteQueueInputBuilder {
    DeleteQueueInputBuilder::default().queue_url(url)
}

pub async fn create_queue(aws: &Aws, q: &Queue) -> Result<(), InfraError> {
    create_queue_request(q)
        .send_with(&aws.sqs)
        .await
        .map_err(|e| aws_err(&format!("queue {}", q.name), "sqs:CreateQueue", e))?;
    Ok(())
}

pub async fn update_queue(aws: &Aws, q: &Queue) -> Result<(), InfraError> {
    let what = format!("queue {}", q.name);
    let url = queue_url(aws, &q.name).await?.ok_or_else(|| InfraError::Failed(format!("{what} disappeared")))?;
    set_attributes_request(&url, q)
        .send_with(&aws.sqs)
        .await
        .map_err(|e| aws_err(&what, "sqs:SetQueueAttributes", e))?;
    tag_request(&url, q).send_with(&aws.sqs).await.map_err(|e| aws_err(&what, "sqs:TagQueue", e))?;
    Ok(())
}

pub async fn delete_queue(aws: &Aws, q: &Queue) -> Result<(), InfraError> {
    let what = format!("queue {}", q.name);
    let Some(url) = queue_url(aws, &q.name).await? else { return Ok(()) };
    delete_queue_request(&url).send_with(&aws.sqs).await.map_err(|e| aws_err(&what, "sqs:DeleteQueue", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue() -> Queue {
        Queue {
            name: "IntervalProcessing-DeadLetters".into(),
            sse_sqs: true,
            message_retention_seconds: 1_209_600,
            tags: [("ManagedBy".to_owned(), "intervalprocessing".to_owned())].into(),
        }
    }

    #[test]
    fn the_dead_letter_queue_is_created_encrypted_with_two_weeks_retention_and_tagged() {
        let r = create_queue_request(&queue());
        assert_eq!(r.get_queue_name().as_deref(), Some("IntervalProcessing-DeadLetters"));
        let attrs = r.get_attributes().clone().unwrap_or_default();
        assert_eq!(attrs.get(&QueueAttributeName::SqsManagedSseEnabled).map(String::as_str), Some("true"));
        assert_eq!(attrs.get(&QueueAttributeName::MessageRetentionPeriod).map(String::as_str), Some("1209600"));
        assert_eq!(attrs.len(), 2, "no FIFO, no other attribute: {attrs:?}");
        let tags = r.get_tags().clone().unwrap_or_default();
        assert_eq!(tags.get("ManagedBy").map(String::as_str), Some("intervalprocessing"));
    }

    #[test]
    fn an_update_sets_only_the_managed_attributes_and_adds_our_tags() {
        let set = set_attributes_request("https://q", &queue());
        assert_eq!(set.get_attributes().as_ref().map(HashMap::len), Some(2));
        let tag = tag_request("https://q", &queue());
        assert_eq!(tag.get_queue_url().as_deref(), Some("https://q"));
        assert_eq!(tag.get_tags().as_ref().map(HashMap::len), Some(1));
        assert_eq!(delete_queue_request("https://q").get_queue_url().as_deref(), Some("https://q"));
    }
}
