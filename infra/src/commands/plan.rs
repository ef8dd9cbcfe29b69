//! `infra plan` and `infra apply`.

use super::confirm::confirm;
use super::connect::connect;
use crate::aws::Aws;
use crate::desired::{desired, prerequisites};
use crate::error::InfraError;
use crate::plan::{Action, Plan};
use crate::remote::{read_all, resolve_image};
use crate::validate::Settings;

/// Pins the image to its digest (see [`resolve_image`]); warns when it cannot.
async fn pin_image(aws: &Aws, s: &mut Settings) -> Result<(), InfraError> {
    let resolved = resolve_image(aws, &s.image).await?;
    if let Some(w) = resolved.warning {
        crate::warn_line!("{w}");
    }
    s.image = resolved.image;
    Ok(())
}

/// Desired state vs. AWS, prerequisites included.
pub async fn compute(aws: &Aws, s: &Settings) -> Result<Plan, InfraError> {
    let want = desired(s, &aws.arns);
    let have = read_all(aws, &want).await?;
    let needed = prerequisites();
    let present = read_all(aws, &needed).await?;
    Ok(Plan::build(want, have).with_prerequisites(needed, present))
}

pub async fn plan(mut s: Settings, detailed_exitcode: bool) -> Result<i32, InfraError> {
    let aws = connect(&s).await?;
    pin_image(&aws, &mut s).await?;
    let plan = compute(&aws, &s).await?;
    crate::say_raw!("{}", plan.render());
    Ok(if detailed_exitcode && plan.needs_attention() { 2 } else { 0 })
}

pub async fn apply(mut s: Settings, auto_approve: bool) -> Result<i32, InfraError> {
    let aws = connect(&s).await?;
    pin_image(&aws, &mut s).await?;
    let plan = compute(&aws, &s).await?;
    crate::say_raw!("{}", plan.render());
    if !plan.has_changes() {
        crate::say!("Nothing to apply.");
        crate::apply::report_left(&plan);
        return Ok(0);
    }
    confirm("apply these changes", auto_approve)?;
    crate::apply::execute(&aws, &plan).await?;
    crate::say!("Apply complete: {} created, {} updated.", plan.count(Action::Create), plan.count(Action::Update));
    Ok(0)
}
