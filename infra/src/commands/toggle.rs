//! `infra enable` / `infra disable`: change only the state of schedules, and the actions of their
//! processes' alarms with them.

use intervalprocessing_jobs::Process;

use super::connect::connect;
use crate::InfraOutcome;
use crate::apply::change_schedule_state;
use crate::console::Console;
use crate::error::InfraError;
use crate::names;
use crate::remote::schedule;
use crate::validate::Settings;

pub async fn run(
    s: &Settings,
    processes: Vec<Process>,
    enable: bool,
    out: &Console,
) -> Result<InfraOutcome, InfraError> {
    let aws = connect(s, out).await?;
    let want = if enable { "ENABLED" } else { "DISABLED" };
    let group = &s.file.schedule_group;
    for p in processes.iter().copied() {
        let name = names::schedule(p);
        let Some(current) = schedule(&aws, group, &name).await? else {
            return Err(InfraError::NotDeployed(format!("schedule {group}/{name} does not exist")));
        };
        if current.state == want {
            out.line(format_args!("{group}/{name} is already {want}"));
            continue;
        }
        // UpdateSchedule replaces the schedule: send everything it has now, with only the state changed.
        change_schedule_state(&aws, &current, want).await?;
        out.line(format_args!("{group}/{name} is now {want}"));
    }
    super::alarm_actions::switch(&aws, &processes, enable, out).await?;
    Ok(InfraOutcome::Done)
}
