//! `infra destroy`: delete what infra manages (carries the ManagedBy tag, or is one of its schedules
//! in its tagged schedule group), in reverse creation order, and nothing else. A managed role that
//! carries policies the file does not declare is kept whole (deleting it would mean removing what
//! someone else put there), and so is a bucket with objects or a group with foreign schedules:
//! destroy goes on with the rest and ends incomplete.

use super::confirm::confirm;
use super::connect::connect;
use crate::InfraOutcome;
use crate::console::Console;
use crate::desired::desired;
use crate::error::InfraError;
use crate::names::{self, MANAGED_BY_KEY, MANAGED_BY_VALUE};
use crate::plan::{Plan, undeclared_policies};
use crate::remote::{bucket_is_empty, read_all, schedule_names};
use crate::resources::{Resource, Role};
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
    for (declared, r) in want.iter().zip(have).filter_map(|(w, h)| Some((w, h?))) {
        match &r {
            Resource::Role(role) if managed(&r) => {
                let why = match declared {
                    Resource::Role(declared) => foreign_policies(declared, role),
                    _ => None,
                };
                match why {
                    None => doomed.push(r),
                    Some(why) => kept.push(format!("{} {} ({why})", r.kind(), r.id())),
                }
            }
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

/// Why a managed role must be kept, when it carries inline or attached policies the file does not
/// declare: they are someone else's, and IAM deletes no role that still has policies.
fn foreign_policies(declared: &Role, role: &Role) -> Option<String> {
    let found = undeclared_policies(declared, &mut role.clone());
    if found.is_empty() {
        return None;
    }
    let what: Vec<&str> = found.iter().map(|d| d.what.as_str()).collect();
    let commands: Vec<String> = found
        .iter()
        .map(|d| match d.what.strip_prefix("attached managed policy ") {
            Some(arn) => format!("aws iam detach-role-policy --role-name {} --policy-arn {arn}", role.name),
            None => format!(
                "aws iam delete-role-policy --role-name {} --policy-name {}",
                role.name,
                d.what.strip_prefix("inline policy ").unwrap_or(&d.what)
            ),
        })
        .collect();
    Some(format!(
        "it carries policies the deployment file does not declare: {}; destroy leaves the role and all its policies \
         untouched. Remove those policies by hand ({}), then run destroy again",
        what.join(", "),
        commands.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::foreign_policies;
    use crate::resources::Role;

    fn role(inline: &[&str], attached: &[&str]) -> Role {
        Role {
            name: "IntervalProcessing-Task".into(),
            assume_role_policy: json!({}),
            policies: inline.iter().map(|n| ((*n).to_owned(), json!({}))).collect::<BTreeMap<_, _>>(),
            attached_policies: attached.iter().map(|a| (*a).to_owned()).collect(),
            tags: Default::default(),
        }
    }

    #[test]
    fn a_role_is_kept_only_for_policies_the_file_does_not_declare_and_says_how_to_remove_them() {
        let declared = role(&["output"], &[]);
        assert_eq!(foreign_policies(&declared, &role(&["output"], &[])), None);
        let admin = "arn:aws:iam::123456789012:policy/Admin";
        let why = foreign_policies(&declared, &role(&["output", "by-hand"], &[admin])).unwrap_or_default();
        for part in [
            "inline policy by-hand",
            &format!("attached managed policy {admin}"),
            "aws iam delete-role-policy --role-name IntervalProcessing-Task --policy-name by-hand",
            &format!("aws iam detach-role-policy --role-name IntervalProcessing-Task --policy-arn {admin}"),
            "run destroy again",
        ] {
            assert!(why.contains(part), "{part:?} in {why}");
        }
        assert!(!why.contains("inline policy output"), "the file's own policy is not foreign: {why}");
    }
}
