//! AWS EventBridge Scheduler expressions: `cron(...)` (6 fields) and `rate(...)`.
//! (Skeleton; the full grammar and fire-time evaluation come with the infra work.)
