//! The read requests of `infra verify`, each built from the deployment's values alone.

use aws_sdk_ec2::operation::describe_security_groups::builders::DescribeSecurityGroupsInputBuilder;
use aws_sdk_ec2::operation::describe_subnets::builders::DescribeSubnetsInputBuilder;
use aws_sdk_ec2::types::Filter;
use aws_sdk_scheduler::operation::get_schedule_group::builders::GetScheduleGroupInputBuilder;
use aws_sdk_secretsmanager::operation::describe_secret::builders::DescribeSecretInputBuilder;
use aws_sdk_ssm::operation::describe_parameters::builders::DescribeParametersInputBuilder;
use aws_sdk_ssm::types::ParameterStringFilter;

use crate::error::InfraError;

/// EC2 DescribeSubnets filtered by `subnet-id`: an id that does not exist is left out of the
/// answer (asked by `SubnetIds`, one unknown id fails the whole call and hides the others).
pub fn subnets_request(ids: &[String]) -> DescribeSubnetsInputBuilder {
    DescribeSubnetsInputBuilder::default()
        .filters(Filter::builder().name("subnet-id").set_values(Some(ids.to_vec())).build())
}

/// EC2 DescribeSecurityGroups filtered by `group-id` (same reason as [`subnets_request`]).
pub fn security_groups_request(ids: &[String]) -> DescribeSecurityGroupsInputBuilder {
    DescribeSecurityGroupsInputBuilder::default()
        .filters(Filter::builder().name("group-id").set_values(Some(ids.to_vec())).build())
}

/// Secrets Manager DescribeSecret: the secret's metadata, never its value.
pub fn describe_secret_request(secret_id: &str) -> DescribeSecretInputBuilder {
    DescribeSecretInputBuilder::default().secret_id(secret_id)
}

/// SSM DescribeParameters for exactly the parameter `name`: its metadata, never its value.
pub fn describe_parameter_request(name: &str) -> Result<DescribeParametersInputBuilder, InfraError> {
    let filter = ParameterStringFilter::builder()
        .key("Name")
        .option("Equals")
        .values(name)
        .build()
        .map_err(|e| InfraError::Failed(format!("cannot build an ssm:DescribeParameters request: {e}")))?;
    Ok(DescribeParametersInputBuilder::default().parameter_filters(filter))
}

/// Scheduler GetScheduleGroup: its state.
pub fn schedule_group_request(name: &str) -> GetScheduleGroupInputBuilder {
    GetScheduleGroupInputBuilder::default().name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn subnets_and_security_groups_are_filtered_by_id_so_unknown_ids_do_not_fail_the_call() {
        let r = subnets_request(&ids(&["subnet-1", "subnet-2"])).build().unwrap_or_else(|e| panic!("{e}"));
        assert!(r.subnet_ids().is_empty());
        assert_eq!(r.filters().len(), 1);
        assert_eq!(r.filters()[0].name(), Some("subnet-id"));
        assert_eq!(r.filters()[0].values(), ["subnet-1", "subnet-2"]);
        let r = security_groups_request(&ids(&["sg-1"])).build().unwrap_or_else(|e| panic!("{e}"));
        assert!(r.group_ids().is_empty() && r.group_names().is_empty());
        assert_eq!(r.filters()[0].name(), Some("group-id"));
        assert_eq!(r.filters()[0].values(), ["sg-1"]);
    }

    #[test]
    fn the_secret_and_the_parameter_are_described_without_reading_their_value() {
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db";
        let r = describe_secret_request(arn).build().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.secret_id(), Some(arn));
        let r = describe_parameter_request("/prod/mongo")
            .and_then(|b| b.build().map_err(|e| InfraError::Failed(e.to_string())))
            .unwrap_or_else(|e| panic!("{e}"));
        let f = &r.parameter_filters()[0];
        assert_eq!((f.key(), f.option(), f.values()), ("Name", Some("Equals"), &["/prod/mongo".to_owned()][..]));
        assert_eq!(r.filters().len() + r.parameter_filters().len(), 1);
    }

    #[test]
    fn the_schedule_group_is_read_by_name() {
        let r = schedule_group_request("intervalprocessing").build().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.name(), Some("intervalprocessing"));
    }
}
