//! Resource names from the reference guide (DESIGN §6) and the tag that marks what `infra` manages.

use intervalprocessing_jobs::Process;

/// The tag every managed resource carries; `destroy` deletes only what has it.
pub const MANAGED_BY_KEY: &str = "ManagedBy";
pub const MANAGED_BY_VALUE: &str = "intervalprocessing";

/// `IntervalProcessing-<Process>`.
pub fn task_family(p: Process) -> String {
    format!("IntervalProcessing-{}", p.name())
}

/// `intervalprocessing-<process>`.
pub fn container(p: Process) -> String {
    format!("intervalprocessing-{}", p.lowercase_name())
}

/// `/ecs/IntervalProcessing-<Process>`.
pub fn log_group(p: Process) -> String {
    format!("/ecs/{}", task_family(p))
}

/// `Run-IntervalProcessing-<Process>`.
pub fn schedule(p: Process) -> String {
    format!("Run-{}", task_family(p))
}

/// The standard SQS queue every schedule dead-letters to (`infra redrive` replays it).
pub const DEAD_LETTER_QUEUE: &str = "IntervalProcessing-DeadLetters";

pub const EXECUTION_ROLE: &str = "IntervalProcessing-TaskExecution";
pub const TASK_ROLE: &str = "IntervalProcessing-Task";
pub const SCHEDULER_ROLE: &str = "IntervalProcessing-Scheduler";

/// The ECS service-linked role (account-wide; infra creates it when missing and never deletes it).
pub const ECS_SERVICE_LINKED_ROLE: &str = "AWSServiceRoleForECS";
/// The IAM path of service-linked roles of ECS: how they are found whatever their name.
pub const ECS_SERVICE_LINKED_ROLE_PATH: &str = "/aws-service-role/ecs.amazonaws.com/";

/// The process whose schedule is called `name`, if any.
pub fn process_of_schedule(name: &str) -> Option<Process> {
    Process::all().find(|p| schedule(*p) == name)
}

/// AWS's common name rule: 1-64 of `[0-9A-Za-z-_.]`.
pub fn is_valid_name(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The SNS topic every alarm and the task-failed-to-start rule notify.
pub const ALARM_TOPIC: &str = "IntervalProcessing-Alarms";
/// The EventBridge rule on ECS tasks of the cluster that failed to start.
pub const TASK_FAILED_TO_START_RULE: &str = "IntervalProcessing-TaskFailedToStart";
/// The prefix of every alarm infra manages (the topic policy lets only these publish).
pub const ALARM_PREFIX: &str = "IntervalProcessing-";

/// `IntervalProcessing-<Process>-NoSuccessfulWindow`.
pub fn no_success_alarm(p: Process) -> String {
    format!("{ALARM_PREFIX}{}-NoSuccessfulWindow", p.name())
}

/// `IntervalProcessing-Scheduler-<Metric>`.
pub fn scheduler_alarm(metric: &str) -> String {
    format!("{ALARM_PREFIX}Scheduler-{metric}")
}
