//! AWS's own naming and tagging rules, checked offline so that `validate` rejects exactly what
//! AWS would reject. Each check returns why a value breaks the rule, or `None`.

/// Tags per resource: the strictest service (ECS, IAM, S3) allows 50; infra adds `ManagedBy`.
pub const MAX_FILE_TAGS: usize = 49;

/// ECS cluster names: 1-255 of letters, digits, `_` and `-`.
pub fn cluster_name(name: &str) -> Option<String> {
    let ok =
        (1..=255).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    (!ok).then(|| format!("{name:?}: ECS cluster names are 1-255 characters of A-Z a-z 0-9 _ -"))
}

/// EventBridge Scheduler names (schedules, schedule groups): 1-64 of `0-9A-Za-z-_.`.
pub fn scheduler_name(name: &str) -> Option<String> {
    (!crate::names::is_valid_name(name))
        .then(|| format!("{name:?}: schedule group names are 1-64 characters of 0-9 A-Z a-z - _ ."))
}

/// ECR repository names: 2-256 characters, `/`-separated components of lowercase letters and digits,
/// each separator (`.`, `_`, `-`) between two of them.
pub fn ecr_repository_name(name: &str) -> Option<String> {
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.split(['.', '_', '-'])
                .all(|piece| !piece.is_empty() && piece.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    };
    let ok = (2..=256).contains(&name.len()) && name.split('/').all(component_ok);
    (!ok).then(|| {
        format!(
            "{name:?}: ECR repository names are 2-256 characters: lowercase letters and digits, \
             separated by single . _ - or /, starting and ending with a letter or digit"
        )
    })
}

/// A character AWS allows in tag keys and values: letters, digits, spaces and `_ . : / = + - @`.
fn tag_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
}

/// A tag key: 1-128 characters of [`tag_char`], not starting with `aws:` in any case.
pub fn tag_key(key: &str) -> Option<String> {
    let n = key.chars().count();
    if !(1..=128).contains(&n) {
        Some(format!("tag keys are 1-128 characters, not {n}"))
    } else if let Some(c) = key.chars().find(|c| !tag_char(*c)) {
        Some(format!("{c:?} is not allowed in a tag key (letters, digits, spaces and _ . : / = + - @)"))
    } else if key.to_ascii_lowercase().starts_with("aws:") {
        Some("the aws: prefix is reserved for AWS".to_owned())
    } else {
        None
    }
}

/// A tag value: 1-256 characters of [`tag_char`] (Scheduler rejects empty values), not starting
/// with `aws:` (ECS reserves it for values too).
pub fn tag_value(value: &str) -> Option<String> {
    let n = value.chars().count();
    if !(1..=256).contains(&n) {
        Some(format!("tag values are 1-256 characters (EventBridge Scheduler rejects empty ones), not {n}"))
    } else if let Some(c) = value.chars().find(|c| !tag_char(*c)) {
        Some(format!("{c:?} is not allowed in a tag value (letters, digits, spaces and _ . : / = + - @)"))
    } else if value.to_ascii_lowercase().starts_with("aws:") {
        Some("a value starting with aws: is reserved for AWS (ECS rejects it)".to_owned())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{cluster_name, ecr_repository_name, scheduler_name, tag_key, tag_value};

    /// (value, accepted by AWS?)
    fn check(rule: fn(&str) -> Option<String>, table: &[(&str, bool)]) {
        for (value, ok) in table {
            assert_eq!(rule(value).is_none(), *ok, "{value:?}: {:?}", rule(value));
        }
    }

    #[test]
    fn cluster_names_follow_ecs() {
        let long = "c".repeat(255);
        let too_long = "c".repeat(256);
        check(
            cluster_name,
            &[
                ("intervalprocessing", true),
                ("Prod_Cluster-2", true),
                (&long, true),
                (&too_long, false),
                ("", false),
                ("with.dot", false),
                ("has space", false),
                ("slash/x", false),
            ],
        );
    }

    #[test]
    fn schedule_group_names_follow_scheduler() {
        check(scheduler_name, &[("intervalprocessing", true), ("a.b-c_D", true), ("", false), ("a/b", false)]);
        assert!(scheduler_name(&"g".repeat(65)).is_some());
    }

    #[test]
    fn ecr_names_follow_ecr() {
        check(
            ecr_repository_name,
            &[
                ("intervalprocessing", true),
                ("team/intervalprocessing", true),
                ("a.b_c-d/e", true),
                ("ab", true),
                ("a", false),
                ("Upper", false),
                ("-lead", false),
                ("trail-", false),
                ("a..b", false),
                ("a/", false),
                ("/a", false),
                ("a//b", false),
                ("a b", false),
            ],
        );
    }

    #[test]
    fn tags_follow_aws() {
        let key128 = "k".repeat(128);
        let key129 = "k".repeat(129);
        check(
            tag_key,
            &[
                ("Team", true),
                ("cost-center", true),
                ("a:b/c=d+e-f@g_h.i", true),
                ("Kostenstelle Ü", true),
                (&key128, true),
                (&key129, false),
                ("", false),
                ("aws:owner", false),
                ("AWS:owner", false),
                ("Aws:Owner", false),
                ("awsome", true),
                ("tab\there", false),
                ("semi;colon", false),
                ("star*", false),
                ("quote\"", false),
            ],
        );
        let v256 = "v".repeat(256);
        let v257 = "v".repeat(257);
        check(
            tag_value,
            &[
                ("metering", true),
                (&v256, true),
                (&v257, false),
                ("", false),
                ("aws:x", false),
                ("line\nbreak", false),
                ("a,b", false),
            ],
        );
    }
}

/// A KMS key ARN (`arn:P:kms:REGION:ACCOUNT:key/ID`) in the deployment's partition. An alias is
/// refused: IAM authorises `kms:Decrypt` against the key's ARN, never its alias.
pub fn kms_key_arn(value: &str, region: &str) -> Option<String> {
    let fields: Vec<&str> = value.splitn(6, ':').collect();
    let partition = crate::partition::partition_of(region).name();
    if fields.len() == 6 && fields[2] == "kms" && fields[5].starts_with("alias/") || value.starts_with("alias/") {
        return Some(format!(
            "{value:?} is an alias; IAM grants kms:Decrypt on the key itself: give the key ARN \
             (aws kms describe-key --key-id {} shows it)",
            fields.last().unwrap_or(&value)
        ));
    }
    let id_ok =
        |id: &str| !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let ok = fields.len() == 6
        && fields[0] == "arn"
        && fields[1] == partition
        && fields[2] == "kms"
        && crate::partition::Partition::of_region(fields[3]).is_ok_and(|p| p.name() == partition)
        && fields[4].len() == 12
        && fields[4].bytes().all(|b| b.is_ascii_digit())
        && fields[5].strip_prefix("key/").is_some_and(id_ok);
    (!ok).then(|| {
        format!("{value:?} is not a KMS key ARN like arn:{partition}:kms:{region}:123456789012:key/1234abcd-…")
    })
}

#[cfg(test)]
mod kms_tests {
    use super::kms_key_arn;

    #[test]
    fn kms_keys_are_key_arns_of_the_partition() {
        let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(kms_key_arn(key, "us-east-1"), None);
        assert_eq!(
            kms_key_arn("arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab", "us-east-1"),
            None
        );
        let alias = kms_key_arn("arn:aws:kms:us-east-1:123456789012:alias/mongo", "us-east-1").unwrap_or_default();
        assert!(alias.contains("is an alias") && alias.contains("alias/mongo"), "{alias}");
        assert!(kms_key_arn("alias/mongo", "us-east-1").unwrap_or_default().contains("is an alias"));
        for bad in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:us-east-1:1234:key/abc",
            "arn:aws-cn:kms:cn-north-1:123456789012:key/abc",
            "arn:aws:kms:us-east-1:123456789012:key/",
            "arn:aws:secretsmanager:us-east-1:123456789012:key/abc",
        ] {
            assert!(kms_key_arn(bad, "us-east-1").is_some(), "{bad}");
        }
        assert_eq!(kms_key_arn("arn:aws-cn:kms:cn-north-1:123456789012:key/abc", "cn-north-1"), None);
    }
}
