//! How a command ended, and the one function that turns it into the process's exit code (the
//! README's "Exit codes" table). Nothing else in the workspace picks an exit code.

use intervalprocessing_infra::InfraOutcome;

/// Every way a command can end, success included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done, also when there was nothing to do.
    Success,
    /// A window failed, MongoDB/S3 stayed unreachable, an AWS call failed.
    Failed,
    /// Bad flags or arguments.
    Usage,
    /// A configuration error or an unknown process.
    Config,
    /// Another run of the process holds the lease; nothing was touched.
    LeaseHeld,
    /// The process deadline passed.
    Deadline,
    /// Interrupted by signal N.
    Signal(i32),
    /// `infra plan --detailed-exitcode` found changes (or undeclared policies on managed roles).
    ChangesPending,
    /// `status`: a fire time of the schedule was missed (no trace in the ledger) or its window failed.
    Unaccounted,
    /// `infra run --wait`: the container's exit code, when ECS reported one.
    TaskExited(Option<i32>),
}

impl Outcome {
    /// The documented exit code.
    pub fn exit_code(self) -> u8 {
        let code = match self {
            Outcome::Success => 0,
            Outcome::Failed => 1,
            Outcome::Usage | Outcome::ChangesPending => 2,
            Outcome::Config => 3,
            Outcome::LeaseHeld => 4,
            Outcome::Deadline => 5,
            Outcome::Unaccounted => 6,
            Outcome::Signal(n) => 128 + n,
            Outcome::TaskExited(code) => code.unwrap_or(1),
        };
        // A container code outside 0-255 (or a signal number no OS has) still means "it failed".
        u8::try_from(code).unwrap_or(1)
    }
}

impl From<InfraOutcome> for Outcome {
    fn from(o: InfraOutcome) -> Outcome {
        match o {
            InfraOutcome::Done => Outcome::Success,
            InfraOutcome::ChangesPending => Outcome::ChangesPending,
            InfraOutcome::TaskExited(code) => Outcome::TaskExited(code),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_exit_code_is_pinned() {
        let table = [
            (Outcome::Success, 0),
            (Outcome::Failed, 1),
            (Outcome::Usage, 2),
            (Outcome::Config, 3),
            (Outcome::LeaseHeld, 4),
            (Outcome::Deadline, 5),
            (Outcome::Unaccounted, 6),
            (Outcome::Signal(15), 143),
            (Outcome::Signal(2), 130),
            (Outcome::ChangesPending, 2),
            (Outcome::TaskExited(Some(0)), 0),
            (Outcome::TaskExited(Some(4)), 4),
            (Outcome::TaskExited(Some(143)), 143),
            (Outcome::TaskExited(None), 1),
            (Outcome::TaskExited(Some(300)), 1),
            (Outcome::TaskExited(Some(-1)), 1),
        ];
        for (outcome, code) in table {
            assert_eq!(outcome.exit_code(), code, "{outcome:?}");
        }
    }

    #[test]
    fn infra_outcomes_keep_their_meaning() {
        assert_eq!(Outcome::from(InfraOutcome::Done).exit_code(), 0);
        assert_eq!(Outcome::from(InfraOutcome::ChangesPending).exit_code(), 2);
        assert_eq!(Outcome::from(InfraOutcome::TaskExited(Some(3))).exit_code(), 3);
        assert_eq!(Outcome::from(InfraOutcome::TaskExited(None)).exit_code(), 1);
    }
}
