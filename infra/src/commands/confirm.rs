//! Asking before changing AWS: on a terminal only, never silently.

use std::io::{BufRead, IsTerminal};

use crate::console::Console;
use crate::error::InfraError;

/// `Ok` when approved (by flag or by typing `yes`); refuses when stdin is not a terminal.
pub fn confirm(action: &'static str, auto_approve: bool, out: &Console) -> Result<(), InfraError> {
    if auto_approve {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(InfraError::NeedsApproval { action });
    }
    out.text(format_args!("Do you want to {action}? Only 'yes' will be accepted: "));
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).map_err(|e| InfraError::Failed(format!("cannot read the answer: {e}")))?;
    if answer.trim() == "yes" { Ok(()) } else { Err(InfraError::Declined { action }) }
}
