//! The schedules' dead-letter queue.

use super::tags::tags;
use crate::names;
use crate::resources::Queue;
use crate::validate::Settings;

/// 14 days, SQS's longest retention: a failed invocation waits two weeks for `infra redrive`.
pub const DEAD_LETTER_RETENTION_SECONDS: i32 = 14 * 24 * 3600;

pub fn dead_letter_queue(s: &Settings) -> Queue {
    Queue {
        name: names::DEAD_LETTER_QUEUE.to_owned(),
        sse_sqs: true,
        message_retention_seconds: DEAD_LETTER_RETENTION_SECONDS,
        tags: tags(s),
    }
}
