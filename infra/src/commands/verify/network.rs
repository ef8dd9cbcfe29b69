//! The subnets and security groups of the file: each exists in the region, and all of them are in
//! one VPC (ECS places an awsvpc task's interface in one VPC; a mix fails every RunTask).

use std::collections::BTreeMap;

use super::check::Check;
use super::requests::{security_groups_request, subnets_request};
use crate::aws_error::aws_err;
use crate::error::InfraError;

/// A subnet or security group found in the region, and its VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub id: String,
    pub vpc: String,
}

/// Looks every subnet and security group up (two calls), then classifies.
pub async fn checks(ec2: &aws_sdk_ec2::Client, region: &str, subnets: &[String], groups: &[String]) -> Vec<Check> {
    let found_subnets = subnets_request(subnets)
        .send_with(ec2)
        .await
        .map(|o| o.subnets().iter().map(|s| found(s.subnet_id(), s.vpc_id())).collect())
        .map_err(|e| aws_err("the subnets", "ec2:DescribeSubnets", e));
    let found_groups = security_groups_request(groups)
        .send_with(ec2)
        .await
        .map(|o| o.security_groups().iter().map(|g| found(g.group_id(), g.vpc_id())).collect())
        .map_err(|e| aws_err("the security groups", "ec2:DescribeSecurityGroups", e));
    classify(region, subnets, found_subnets, groups, found_groups)
}

fn found(id: Option<&str>, vpc: Option<&str>) -> Found {
    Found { id: id.unwrap_or_default().to_owned(), vpc: vpc.unwrap_or_default().to_owned() }
}

/// One check per subnet and security group (exists, and in which VPC), then one that they share a VPC.
pub fn classify(
    region: &str,
    subnets: &[String],
    found_subnets: Result<Vec<Found>, InfraError>,
    groups: &[String],
    found_groups: Result<Vec<Found>, InfraError>,
) -> Vec<Check> {
    let mut out = Vec::new();
    each(&mut out, region, "subnet", subnets, &found_subnets);
    each(&mut out, region, "security group", groups, &found_groups);
    let subject = "VPC";
    let (Ok(s), Ok(g)) = (&found_subnets, &found_groups) else {
        out.push(Check::unchecked(subject, "the subnets or the security groups could not be read"));
        return out;
    };
    let mut vpcs: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in s.iter().chain(g) {
        vpcs.entry(f.vpc.as_str()).or_default().push(f.id.as_str());
    }
    out.push(match vpcs.len() {
        0 => Check::unchecked(subject, "none of the subnets and security groups exists"),
        1 => Check::ok(
            subject,
            format!("the subnets and security groups are all in {}", vpcs.keys().next().copied().unwrap_or_default()),
        ),
        _ => Check::problem(
            subject,
            format!(
                "the subnets and security groups must be in one VPC, they are in {}",
                vpcs.iter().map(|(vpc, ids)| format!("{vpc} ({})", ids.join(", "))).collect::<Vec<_>>().join(", ")
            ),
        ),
    });
    out
}

fn each(out: &mut Vec<Check>, region: &str, kind: &str, ids: &[String], found: &Result<Vec<Found>, InfraError>) {
    for id in ids {
        let subject = format!("{kind} {id}");
        out.push(match found {
            Err(e) => Check::failed(subject, e),
            Ok(found) => match found.iter().find(|f| &f.id == id) {
                Some(f) => Check::ok(subject, format!("exists, in {}", f.vpc)),
                None => Check::problem(subject, format!("does not exist in {region}")),
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::verify::check::Status;

    fn found(pairs: &[(&str, &str)]) -> Result<Vec<Found>, InfraError> {
        Ok(pairs.iter().map(|(id, vpc)| Found { id: (*id).into(), vpc: (*vpc).into() }).collect())
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    fn statuses(checks: &[Check]) -> Vec<(Status, &str)> {
        checks.iter().map(|c| (c.status, c.subject.as_str())).collect()
    }

    #[test]
    fn existing_subnets_and_groups_in_one_vpc_are_ok() {
        let checks = classify(
            "us-east-1",
            &ids(&["subnet-a", "subnet-b"]),
            found(&[("subnet-b", "vpc-1"), ("subnet-a", "vpc-1")]),
            &ids(&["sg-1"]),
            found(&[("sg-1", "vpc-1")]),
        );
        assert!(checks.iter().all(|c| c.status == Status::Ok), "{checks:?}");
        assert_eq!(checks[0].detail, "exists, in vpc-1");
        assert_eq!(checks[3].detail, "the subnets and security groups are all in vpc-1");
    }

    #[test]
    fn a_missing_subnet_or_group_is_a_problem_named_by_its_id() {
        let checks = classify(
            "eu-west-1",
            &ids(&["subnet-a", "subnet-gone"]),
            found(&[("subnet-a", "vpc-1")]),
            &ids(&["sg-gone"]),
            found(&[]),
        );
        assert_eq!(
            statuses(&checks),
            [
                (Status::Ok, "subnet subnet-a"),
                (Status::Problem, "subnet subnet-gone"),
                (Status::Problem, "security group sg-gone"),
                (Status::Ok, "VPC"),
            ]
        );
        assert_eq!(checks[1].detail, "does not exist in eu-west-1");
    }

    #[test]
    fn subnets_and_groups_in_different_vpcs_are_a_problem_that_lists_them() {
        let checks = classify(
            "us-east-1",
            &ids(&["subnet-a"]),
            found(&[("subnet-a", "vpc-1")]),
            &ids(&["sg-1", "sg-2"]),
            found(&[("sg-1", "vpc-2"), ("sg-2", "vpc-1")]),
        );
        let vpc = checks.last().unwrap_or_else(|| panic!("no VPC check"));
        assert_eq!(vpc.status, Status::Problem);
        assert_eq!(
            vpc.detail,
            "the subnets and security groups must be in one VPC, they are in vpc-1 (subnet-a, sg-2), vpc-2 (sg-1)"
        );
    }

    #[test]
    fn a_denied_lookup_leaves_its_ids_and_the_vpc_unchecked() {
        let denied = InfraError::Aws {
            resource: "the subnets".into(),
            call: "ec2:DescribeSubnets",
            message: "m".into(),
            code: Some("UnauthorizedOperation".into()),
        };
        let checks = classify("us-east-1", &ids(&["subnet-a"]), Err(denied), &ids(&["sg-1"]), found(&[("sg-1", "v")]));
        assert_eq!(
            statuses(&checks),
            [(Status::Unchecked, "subnet subnet-a"), (Status::Ok, "security group sg-1"), (Status::Unchecked, "VPC")]
        );
        assert!(checks[0].detail.contains("ec2:DescribeSubnets was denied"), "{}", checks[0].detail);
    }
}
