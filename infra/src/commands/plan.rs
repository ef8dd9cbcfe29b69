//! `infra plan` and `infra apply`.

use super::confirm::confirm;
use super::connect::connect;
use crate::InfraOutcome;
use crate::aws::Aws;
use crate::console::Console;
use crate::desired::{desired, prerequisites};
use crate::error::InfraError;
use crate::plan::{Action, Plan};
use crate::remote::{read_all, resolve_image};
use crate::validate::Settings;

/// Pins the image to its digest (see [`resolve_image`]); warns when it cannot.
async fn pin_image(aws: &Aws, s: &mut Settings) -> Result<(), InfraError> {
    let resolved = resolve_image(aws, &s.image).await?;
    if let Some(w) = resolved.warning {
        aws.out.warn(w);
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

pub async fn plan(mut s: Settings, detailed_exitcode: bool, out: &Console) -> Result<InfraOutcome, InfraError> {
    let aws = connect(&s, out).await?;
    pin_image(&aws, &mut s).await?;
    let plan = compute(&aws, &s).await?;
    Ok(show(&plan, detailed_exitcode, out))
}

/// Writes the plan; with `--detailed-exitcode`, changes or drift are [`InfraOutcome::ChangesPending`].
fn show(plan: &Plan, detailed_exitcode: bool, out: &Console) -> InfraOutcome {
    out.text(plan.render());
    match detailed_exitcode && plan.needs_attention() {
        true => InfraOutcome::ChangesPending,
        false => InfraOutcome::Done,
    }
}

pub async fn apply(mut s: Settings, auto_approve: bool, out: &Console) -> Result<InfraOutcome, InfraError> {
    let aws = connect(&s, out).await?;
    pin_image(&aws, &mut s).await?;
    let plan = compute(&aws, &s).await?;
    if !show_before_apply(&plan, out) {
        return Ok(InfraOutcome::Done);
    }
    confirm("apply these changes", auto_approve, out)?;
    crate::apply::execute(&aws, &plan, out).await?;
    out.line(format_args!(
        "Apply complete: {} created, {} updated.",
        plan.count(Action::Create),
        plan.count(Action::Update)
    ));
    Ok(InfraOutcome::Done)
}

/// Writes the plan `apply` is about to execute; `false` (after saying so, and naming the policies it
/// leaves alone) when there is nothing to apply.
fn show_before_apply(plan: &Plan, out: &Console) -> bool {
    out.text(plan.render());
    if plan.has_changes() {
        return true;
    }
    out.line("Nothing to apply.");
    crate::apply::report_left(plan, out);
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Deployment;
    use crate::desired::Arns;
    use crate::plan::Drift;

    /// The example deployment against an account that has none of it (`false`) or all of it.
    fn example_plan(deployed: bool) -> Plan {
        let text = include_str!("../../../deploy/intervalprocessing.toml");
        let d: Deployment = toml::from_str(text).unwrap_or_else(|e| panic!("{e}"));
        let s = crate::validate::validate(&d).unwrap_or_else(|p| panic!("{p:?}"));
        let want = desired(&s, &Arns { region: "us-east-1".into(), account: "123456789012".into() });
        let have = want.iter().map(|r| deployed.then(|| r.clone())).collect();
        Plan::build(want, have)
    }

    fn drift() -> Drift {
        Drift { kind: "iam_role", id: "IntervalProcessing-TaskRole".into(), what: "inline policy handmade".into() }
    }

    #[test]
    fn plan_of_an_empty_account_prints_every_create_and_detailed_exitcode_reports_changes() {
        let plan = example_plan(false);
        let (out, stdout, stderr) = Console::captured();
        assert_eq!(show(&plan, true, &out), InfraOutcome::ChangesPending);
        assert_eq!(show(&plan, false, &out), InfraOutcome::Done);
        let text = stdout.text();
        assert_eq!(text, format!("{0}{0}", plan.render()));
        assert!(text.lines().any(|l| l.starts_with("+ create") && l.contains("Run-IntervalProcessing-FileGeneration")));
        assert_eq!(stderr.text(), "");
    }

    #[test]
    fn plan_without_changes_is_done_and_drift_alone_is_pending() {
        let mut plan = example_plan(true);
        let (out, _, _) = Console::captured();
        assert_eq!(show(&plan, true, &out), InfraOutcome::Done);
        plan.drift.push(drift());
        assert_eq!(show(&plan, true, &out), InfraOutcome::ChangesPending);
    }

    #[test]
    fn apply_with_nothing_to_do_says_so_and_names_the_policies_it_leaves() {
        let mut plan = example_plan(true);
        plan.drift.push(drift());
        let (out, stdout, _) = Console::captured();
        assert!(!show_before_apply(&plan, &out));
        let text = stdout.text();
        let tail = text.strip_prefix(plan.render().as_str()).unwrap_or_else(|| panic!("no plan first:\n{text}"));
        assert_eq!(
            tail,
            "Nothing to apply.\nleft inline policy handmade on iam_role IntervalProcessing-TaskRole \
             (not in the deployment file; apply never removes it)\n"
        );
    }
}
