//! The actions of the processes' "no successful window" alarms follow their schedules' state:
//! `infra enable` / `infra disable` switch both.

use intervalprocessing_jobs::Process;

use crate::apply::{disable_alarm_actions_request, enable_alarm_actions_request};
use crate::aws::Aws;
use crate::aws_error::aws_err;
use crate::console::Console;
use crate::error::InfraError;
use crate::names;
use crate::remote::alarm;

/// Turns the actions of each process's alarm on (`enable`) or off. An alarm that does not exist
/// (a deployment applied before alarms existed) is reported, not an error: `infra apply` creates it.
pub async fn switch(aws: &Aws, processes: &[Process], enable: bool, out: &Console) -> Result<(), InfraError> {
    let word = if enable { "enabled" } else { "disabled" };
    for p in processes {
        let name = names::no_success_alarm(*p);
        let what = format!("cloudwatch alarm {name}");
        match alarm(aws, &name).await? {
            None => out.warn(format_args!("{what} does not exist; run `intervalprocessing infra apply` to create it")),
            Some(a) if a.actions_enabled == enable => out.line(format_args!("{what}: actions already {word}")),
            Some(_) => {
                if enable {
                    enable_alarm_actions_request(&name)
                        .send_with(&aws.cloudwatch)
                        .await
                        .map_err(|e| aws_err(&what, "cloudwatch:EnableAlarmActions", e))?;
                } else {
                    disable_alarm_actions_request(&name)
                        .send_with(&aws.cloudwatch)
                        .await
                        .map_err(|e| aws_err(&what, "cloudwatch:DisableAlarmActions", e))?;
                }
                out.line(format_args!("{what}: actions now {word}"));
            }
        }
    }
    Ok(())
}
