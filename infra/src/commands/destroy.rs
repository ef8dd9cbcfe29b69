//! `infra destroy`: delete what infra manages (carries the ManagedBy tag, or is one of its schedules
//! in its tagged schedule group), in reverse creation order, and nothing else.

use super::confirm::confirm;
use super::connect::connect;
use crate::InfraOutcome;
use crate::console::Console;
use crate::desired::desired;
use crate::error::InfraError;
use crate::names::{self, MANAGED_BY_KEY, MANAGED_BY_VALUE};
use crate::plan::Plan;
use crate::remote::{bucket_is_empty, read_all, schedule_names};
use crate::resources::Resource;
use crate::validate::Settings;

pub async fn run(s: &Settings, auto_approve: bool, out: &Console) -> Result<InfraOutcome, InfraError> {
    let aws = connect(s, out).await?;
    let want = desired(s, &aws.arns);
    let have = read_all(&aws, &want).await?;
    let managed =
        |r: &Resource| r.tags().is_some_and(|t| t.get(MANAGED_BY_KEY).map(String::as_str) == Some(MANAGED_BY_VALUE));
    let group_is_ours = have.iter().flatten().any(|r| matches!(r, Resource::ScheduleGroup(_)) && managed(r));

    // `kept`: managed but deliberately left (data, foreign schedules): destroy is incomplete.
    // `not_ours`: same name, but not managed by infra: never touched.
    let mut kept = Vec::new();
    let mut not_ours = Vec::new();
    let mut doomed = Vec::new();
    for r in have.into_iter().flatten() {
        match &r {
            Resource::Schedule(_) if group_is_ours => doomed.push(r),
            Resource::Schedule(_) => {
                not_ours.push(format!("{} {} (its schedule group is not managed by infra)", r.kind(), r.id()))
            }
            Resource::ScheduleGroup(g) if managed(&r) => {
                let foreign: Vec<String> = schedule_names(&aws, &g.name)
                    .await?
                    .into_iter()
                    .filter(|n| names::process_of_schedule(n).is_none())
                    .collect();
                if foreign.is_empty() {
                    doomed.push(r);
                } else {
                    kept.push(format!(
                        "{} {} (it also holds unmanaged schedules: {})",
                        r.kind(),
                        r.id(),
                        foreign.join(", ")
                    ));
                }
            }
            Resource::Bucket(b) if managed(&r) => {
                if bucket_is_empty(&aws, &b.name).await? {
                    doomed.push(r);
                } else {
                    kept.push(format!("{} {} (it still holds objects; empty it first to delete it)", r.kind(), r.id()));
                }
            }
            _ if managed(&r) => doomed.push(r),
            _ => not_ours.push(format!("{} {} (no {MANAGED_BY_KEY}={MANAGED_BY_VALUE} tag)", r.kind(), r.id())),
        }
    }
    let plan = Plan::destroy(doomed);
    out.text(plan.render());
    for k in not_ours.iter().chain(&kept) {
        out.line(format_args!("keeping {k}"));
    }
    if plan.has_changes() {
        confirm("destroy these resources", auto_approve, out)?;
        crate::apply::execute(&aws, &plan, out).await?;
        out.line(format_args!("Destroy complete: {} deleted.", plan.changes.len()));
    }
    if kept.is_empty() {
        Ok(InfraOutcome::Done)
    } else {
        Err(InfraError::Failed(format!(
            "destroy is incomplete: {} managed resource(s) were kept, see above",
            kept.len()
        )))
    }
}
