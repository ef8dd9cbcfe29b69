//! `infra status`: per process the schedule state, cron, time zone, next fire time and the
//! latest ledger entry (when MongoDB is reachable).

use chrono::Utc;
use chrono_tz::Tz;

use super::connect::connect;
use crate::InfraOutcome;
use crate::console::Console;
use crate::cron::AwsSchedule;
use crate::error::InfraError;
use crate::history::RunHistory;
use crate::names;
use crate::remote::schedule;
use crate::validate::Settings;

pub async fn run(s: &Settings, history: &dyn RunHistory, out: &Console) -> Result<InfraOutcome, InfraError> {
    let aws = connect(s, out).await?;
    let now = Utc::now();
    for p in &s.processes {
        let name = names::schedule(p.process);
        out.line(p.process.name());
        match schedule(&aws, &s.file.schedule_group, &name).await? {
            None => out.line(format_args!("  schedule:  {name} is not deployed (run infra apply)")),
            Some(sch) => {
                let tz: Option<Tz> = sch.timezone.parse().ok();
                let next = match (AwsSchedule::parse(&sch.expression), tz) {
                    (Ok(expr), Some(tz)) if sch.state == "ENABLED" => expr
                        .next_after(now, tz)
                        .map_or("never".to_owned(), |t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()),
                    (Ok(_), Some(_)) => "none (disabled)".to_owned(),
                    _ => "unknown (the expression or time zone does not parse)".to_owned(),
                };
                out.line(format_args!("  schedule:  {name} {}", sch.state));
                out.line(format_args!("  cron:      {} in {}", sch.expression, sch.timezone));
                out.line(format_args!("  next:      {next}"));
            }
        }
        match history.latest(p.process).await {
            Ok(Some(run)) => out.line(format_args!(
                "  last run:  {} for {}{}",
                run.status,
                run.window,
                run.ended_at.map(|e| format!(", ended {e}")).unwrap_or_default()
            )),
            Ok(None) => out.line("  last run:  none recorded"),
            Err(reason) => out.line(format_args!("  last run:  unknown ({reason})")),
        }
    }
    Ok(InfraOutcome::Done)
}
