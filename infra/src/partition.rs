//! AWS partitions: which one a region belongs to decides every ARN and service endpoint domain.
//! Supported: `aws`, `aws-cn` (China) and `aws-us-gov` (GovCloud).

/// The partition of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    AwsCn,
    AwsUsGov,
}

impl Partition {
    /// The partition of `region`, or why it is not a region of a supported partition.
    /// Region names are `<area>-<direction>-<n>` (`us-east-1`, `ap-southeast-3`, `cn-north-1`,
    /// `us-gov-west-1`): lowercase letters, one number at the end.
    pub fn of_region(region: &str) -> Result<Partition, String> {
        let parts: Vec<&str> = region.split('-').collect();
        let shaped = parts.len() >= 3
            && parts[..parts.len() - 1].iter().all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase()))
            && parts.last().is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
        if !shaped {
            return Err(format!("{region:?} is not an AWS region name like us-east-1"));
        }
        if region.starts_with("us-gov-") {
            Ok(Partition::AwsUsGov)
        } else if region.starts_with("cn-") {
            Ok(Partition::AwsCn)
        } else if region.starts_with("us-iso") || region.starts_with("eusc-") {
            Err(format!(
                "{region:?} belongs to an isolated partition; supported partitions are aws, aws-cn and aws-us-gov"
            ))
        } else {
            Ok(Partition::Aws)
        }
    }

    /// `aws`, `aws-cn` or `aws-us-gov`: the second field of every ARN.
    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }

    /// The domain of service endpoints (`secretsmanager.<region>.<domain>`, ECR registries).
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::AwsCn => "amazonaws.com.cn",
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
        }
    }
}

/// The partition of `region`, `aws` when the region is not valid (validation rejects it first).
pub fn partition_of(region: &str) -> Partition {
    Partition::of_region(region).unwrap_or(Partition::Aws)
}

#[cfg(test)]
mod tests {
    use super::Partition;

    #[test]
    fn the_partition_follows_the_region() {
        for (region, want) in [
            ("us-east-1", Some("aws")),
            ("eu-central-2", Some("aws")),
            ("ap-southeast-3", Some("aws")),
            ("il-central-1", Some("aws")),
            ("cn-north-1", Some("aws-cn")),
            ("cn-northwest-1", Some("aws-cn")),
            ("us-gov-west-1", Some("aws-us-gov")),
            ("us-gov-east-1", Some("aws-us-gov")),
            ("us-iso-east-1", None),
            ("us-isob-east-1", None),
            ("US-EAST-1", None),
            ("us-east", None),
            ("useast1", None),
            ("us-east-1a", None),
            ("us--1", None),
            ("", None),
        ] {
            assert_eq!(Partition::of_region(region).ok().map(Partition::name), want, "{region}");
        }
        assert_eq!(Partition::AwsCn.dns_suffix(), "amazonaws.com.cn");
    }
}
