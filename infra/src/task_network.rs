//! The capacity provider strategy and awsvpc network of the tasks infra starts, built once for the
//! SDK that sends them: ECS (RunTask, clusters) and EventBridge Scheduler (the schedule target)
//! declare the same shapes as different types, so these macros take the SDK's `types` module.

/// `Vec<CapacityProviderStrategyItem>` of `$types` from a `&[CapacityProvider]`; a build error
/// goes through `$err` and returns from the calling function.
macro_rules! capacity_strategy {
    ($($types:ident)::+, $strategy:expr, $err:expr) => {
        $strategy
            .iter()
            .map(|c: &$crate::resources::CapacityProvider| {
                $($types)::+::CapacityProviderStrategyItem::builder()
                    .capacity_provider(&c.capacity_provider)
                    .weight(c.weight)
                    .base(c.base)
                    .build()
                    .map_err($err)
            })
            .collect::<Result<Vec<_>, _>>()?
    };
}

/// The `NetworkConfiguration` of `$types` for an [`EcsTarget`](crate::resources::EcsTarget):
/// its subnets, security groups and public IP setting.
macro_rules! awsvpc_network {
    ($($types:ident)::+, $target:expr, $err:expr) => {{
        let t: &$crate::resources::EcsTarget = $target;
        let vpc = $($types)::+::AwsVpcConfiguration::builder()
            .set_subnets(Some(t.subnets.clone()))
            .set_security_groups(Some(t.security_groups.clone()))
            .assign_public_ip($($types)::+::AssignPublicIp::from(t.assign_public_ip.as_str()))
            .build()
            .map_err($err)?;
        $($types)::+::NetworkConfiguration::builder().awsvpc_configuration(vpc).build()
    }};
}

pub(crate) use {awsvpc_network, capacity_strategy};
