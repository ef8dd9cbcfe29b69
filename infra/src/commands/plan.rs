//! `infra plan` and `infra apply`.

use super::confirm::confirm;
use super::connect;
use crate::aws::Aws;
use crate::desired::desired;
use crate::error::InfraError;
use crate::plan::{Action, Plan};
use crate::remote::read_all;
use crate::validate::Settings;

/// Desired state vs. AWS.
pub async fn compute(aws: &Aws, s: &Settings) -> Result<Plan, InfraError> {
    let want = desired(s, &aws.arns);
    let have = read_all(aws, &want).await?;
    Ok(Plan::build(want, have))
}

pub async fn plan(s: &Settings, detailed_exitcode: bool) -> Result<i32, InfraError> {
    let aws = connect(s).await?;
    let plan = compute(&aws, s).await?;
    crate::say_raw!("{}", plan.render());
    Ok(if detailed_exitcode && plan.has_changes() { 2 } else { 0 })
}

pub async fn apply(s: &Settings, auto_approve: bool) -> Result<i32, InfraError> {
    let aws = connect(s).await?;
    let plan = compute(&aws, s).await?;
    crate::say_raw!("{}", plan.render());
    if !plan.has_changes() {
        crate::say!("Nothing to apply.");
        return Ok(0);
    }
    confirm("apply these changes", auto_approve)?;
    crate::apply::execute(&aws, &plan).await?;
    crate::say!("Apply complete: {} created, {} updated.", plan.count(Action::Create), plan.count(Action::Update));
    Ok(0)
}
