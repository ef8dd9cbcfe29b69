//! The reference to the MongoDB URI secret, in every form ECS accepts as a container secret's
//! `valueFrom`, and the IAM resource that matches what ECS will request with it:
//!
//! | form | example | IAM resource |
//! |---|---|---|
//! | Secrets Manager, complete ARN | `arn:aws:secretsmanager:R:A:secret:name-AbCdEf` | the ARN and `ARN-??????` |
//! | Secrets Manager, partial ARN (no random suffix) | `arn:aws:secretsmanager:R:A:secret:name` | `…:secret:name-??????` |
//! | either, with JSON key / version | `…:secret:name-AbCdEf:password:AWSCURRENT:` | the secret's ARN as above |
//! | SSM parameter ARN | `arn:aws:ssm:R:A:parameter/path/name` | the ARN |
//! | SSM parameter name (same region) | `/path/name` or `name` | `arn:P:ssm:REGION:ACCOUNT:parameter/path/name` |
//!
//! A reference whose name ends in `-` and six letters or digits cannot be told apart: it is the
//! complete ARN of secret `name` (the suffix is the random one Secrets Manager appended), or the
//! partial ARN of a secret whose own name ends like that (`prod/mongo-backup`, whose complete ARN is
//! `…:secret:prod/mongo-backup-XyZ123`). Both resources are granted, so ECS is never denied; each
//! matches at most one secret (the one with that complete ARN, the one named exactly that), so the
//! ambiguity costs at most a read of one other secret of that exact name.

use crate::partition::{Partition, partition_of};

/// Which service holds the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretStore {
    SecretsManager,
    ParameterStore,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub store: SecretStore,
    /// Region of the secret (`None` for a parameter name: the deployment's region).
    region: Option<String>,
    /// What IAM must allow (account filled in by [`SecretRef::iam_resources`] for parameter names).
    resource: Resource,
    /// What the secret is looked up by: the secret's ARN without JSON key and version, or the
    /// parameter's ARN or name as written.
    id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Resource {
    Arns(Vec<String>),
    ParameterName(String),
}

impl SecretRef {
    /// Parses `value` as ECS would, for a deployment in `region`.
    pub fn parse(value: &str, region: &str) -> Result<SecretRef, String> {
        if !value.starts_with("arn:") {
            return parameter_name(value);
        }
        let fields: Vec<&str> = value.split(':').collect();
        if fields.len() < 6 {
            return Err(format!("{value:?} is not an ARN"));
        }
        let (partition, service, arn_region, account) = (fields[1], fields[2], fields[3], fields[4]);
        let region_partition = Partition::of_region(arn_region).map_err(|e| format!("{value:?}: {e}"))?;
        if partition != region_partition.name() {
            return Err(format!("{value:?}: partition {partition:?} does not match its region {arn_region}"));
        }
        if partition != partition_of(region).name() {
            return Err(format!(
                "{value:?} is in partition {partition}, the deployment (region {region}) in {}",
                partition_of(region).name()
            ));
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{value:?}: {account:?} is not a 12-digit account id"));
        }
        match service {
            "secretsmanager" => secrets_manager(value, &fields),
            "ssm" => {
                let name = fields[5..].join(":");
                let ok = name.strip_prefix("parameter/").is_some_and(|n| {
                    !n.is_empty()
                        && !n.contains("//")
                        && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_.-".contains(&b))
                });
                if !ok {
                    return Err(format!("{value:?} is not an SSM parameter ARN (…:parameter/NAME)"));
                }
                Ok(SecretRef {
                    store: SecretStore::ParameterStore,
                    region: Some(arn_region.to_owned()),
                    resource: Resource::Arns(vec![value.to_owned()]),
                    id: value.to_owned(),
                })
            }
            other => Err(format!(
                "{value:?} is a {other} ARN; ECS reads container secrets from Secrets Manager or SSM Parameter Store"
            )),
        }
    }

    /// The IAM resources that ECS's `GetSecretValue` / `GetParameters` call will be checked against.
    pub fn iam_resources(&self, partition: &str, region: &str, account: &str) -> Vec<String> {
        match &self.resource {
            Resource::Arns(a) => a.clone(),
            Resource::ParameterName(n) => vec![format!("arn:{partition}:ssm:{region}:{account}:parameter/{n}")],
        }
    }

    /// What to look the secret up by (`infra verify`): the Secrets Manager secret's ARN without JSON
    /// key and version (complete or partial, as written), or the SSM parameter's ARN or name.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The region that holds the secret: the ARN's, or the deployment's for a parameter name.
    pub fn region<'a>(&'a self, deployment_region: &'a str) -> &'a str {
        self.region.as_deref().unwrap_or(deployment_region)
    }

    /// The SSM parameter's name (ARN `…:parameter/a/b` is `/a/b`, `…:parameter/a` is `a`), and the
    /// account of its ARN (`None` for a name: the caller's); `None` for a Secrets Manager secret.
    pub fn parameter(&self) -> Option<(String, Option<&str>)> {
        if self.store != SecretStore::ParameterStore {
            return None;
        }
        let Some(rest) = self.id.split_once(":parameter/").map(|(_, r)| r) else {
            return Some((self.id.clone(), None));
        };
        let name = if rest.contains('/') { format!("/{rest}") } else { rest.to_owned() };
        Some((name, self.id.split(':').nth(4)))
    }

    /// The action ECS calls to read it.
    pub fn read_action(&self) -> &'static str {
        match self.store {
            SecretStore::SecretsManager => "secretsmanager:GetSecretValue",
            SecretStore::ParameterStore => "ssm:GetParameters",
        }
    }

    /// The `kms:ViaService` value of the decrypt calls that service makes on ECS's behalf.
    pub fn kms_via_service(&self, deployment_region: &str) -> String {
        let region = self.region.as_deref().unwrap_or(deployment_region);
        let service = match self.store {
            SecretStore::SecretsManager => "secretsmanager",
            SecretStore::ParameterStore => "ssm",
        };
        format!("{service}.{region}.{}", partition_of(region).dns_suffix())
    }
}

fn parameter_name(value: &str) -> Result<SecretRef, String> {
    let name = value.strip_prefix('/').unwrap_or(value);
    let ok = !name.is_empty()
        && value.len() <= 2048
        && !name.contains("//")
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_.-".contains(&b))
        && !name.to_ascii_lowercase().starts_with("aws")
        && !name.to_ascii_lowercase().starts_with("ssm");
    if !ok {
        return Err(format!(
            "{value:?} is neither an ARN nor an SSM parameter name (letters, digits, _ . - /; not starting with aws or ssm)"
        ));
    }
    Ok(SecretRef {
        store: SecretStore::ParameterStore,
        region: None,
        resource: Resource::ParameterName(name.to_owned()),
        id: value.to_owned(),
    })
}

/// `arn:P:secretsmanager:R:A:secret:NAME` (7 fields) or with `:JSON-KEY:VERSION-STAGE:VERSION-ID` (10).
fn secrets_manager(value: &str, fields: &[&str]) -> Result<SecretRef, String> {
    if fields.len() != 7 && fields.len() != 10 {
        return Err(format!(
            "{value:?}: a Secrets Manager reference is …:secret:NAME or …:secret:NAME:JSON-KEY:VERSION-STAGE:VERSION-ID"
        ));
    }
    let name = fields[6];
    let name_ok = fields[5] == "secret"
        && (1..=512).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b));
    if !name_ok {
        return Err(format!("{value:?}: {name:?} is not a secret name (1-512 of letters, digits and /_+=.@-)"));
    }
    let arn = fields[..7].join(":");
    // ECS requests the secret by its complete ARN. A partial ARN lacks the `-` and six random
    // characters Secrets Manager appends: `ARN-??????` matches exactly those. A name that already
    // ends like that may be either (see the module documentation): both are granted.
    let maybe_complete = name.rsplit_once('-').is_some_and(|(head, suffix)| {
        !head.is_empty() && suffix.len() == 6 && suffix.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    let partial = format!("{arn}-??????");
    let resources = if maybe_complete { vec![arn.clone(), partial] } else { vec![partial] };
    Ok(SecretRef {
        store: SecretStore::SecretsManager,
        region: Some(fields[3].to_owned()),
        resource: Resource::Arns(resources),
        id: arn,
    })
}

#[cfg(test)]
mod tests {
    use super::{SecretRef, SecretStore};

    const ACCOUNT: &str = "123456789012";

    #[test]
    fn every_form_ecs_accepts_gives_the_resources_ecs_requests() {
        let sm = "arn:aws:secretsmanager:us-east-1:123456789012:secret";
        let ssm = "arn:aws:ssm:us-east-1:123456789012:parameter";
        let version = "0a1b2c3d-1111-2222-3333-444455556666";
        // A name ending in `-` and six letters or digits: complete, or partial of a secret named so.
        let either = |arn: &str| vec![arn.to_owned(), format!("{arn}-??????")];
        for (value, store, resources) in [
            (
                format!("{sm}:prod/mongodb-uri-AbCdEf"),
                SecretStore::SecretsManager,
                either(&format!("{sm}:prod/mongodb-uri-AbCdEf")),
            ),
            (
                format!("{sm}:prod/mongodb-uri"),
                SecretStore::SecretsManager,
                vec![format!("{sm}:prod/mongodb-uri-??????")],
            ),
            (format!("{sm}:mongo"), SecretStore::SecretsManager, vec![format!("{sm}:mongo-??????")]),
            // A partial ARN whose own name ends like a suffix: ECS requests `…:mongo-backup-XyZ123`.
            (
                format!("{sm}:prod/mongo-backup"),
                SecretStore::SecretsManager,
                either(&format!("{sm}:prod/mongo-backup")),
            ),
            (
                format!("{sm}:prod/db-AbCdEf:uri::"),
                SecretStore::SecretsManager,
                either(&format!("{sm}:prod/db-AbCdEf")),
            ),
            (
                format!("{sm}:prod/db-AbCdEf:uri:AWSCURRENT:"),
                SecretStore::SecretsManager,
                either(&format!("{sm}:prod/db-AbCdEf")),
            ),
            (
                format!("{sm}:prod/db-AbCdEf:uri::{version}"),
                SecretStore::SecretsManager,
                either(&format!("{sm}:prod/db-AbCdEf")),
            ),
            (format!("{sm}:prod/db:uri::{version}"), SecretStore::SecretsManager, vec![format!("{sm}:prod/db-??????")]),
            (
                "arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared-XyZ123".to_owned(),
                SecretStore::SecretsManager,
                either("arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared-XyZ123"),
            ),
            (
                format!("{ssm}/intervalprocessing/mongodb-uri"),
                SecretStore::ParameterStore,
                vec![format!("{ssm}/intervalprocessing/mongodb-uri")],
            ),
            (format!("{ssm}/mongodb-uri"), SecretStore::ParameterStore, vec![format!("{ssm}/mongodb-uri")]),
            (
                "/intervalprocessing/mongodb-uri".to_owned(),
                SecretStore::ParameterStore,
                vec![format!("{ssm}/intervalprocessing/mongodb-uri")],
            ),
            ("mongodb-uri".to_owned(), SecretStore::ParameterStore, vec![format!("{ssm}/mongodb-uri")]),
        ] {
            let r = SecretRef::parse(&value, "us-east-1").unwrap_or_else(|e| panic!("{value}: {e}"));
            assert_eq!(r.store, store, "{value}");
            assert_eq!(r.iam_resources("aws", "us-east-1", ACCOUNT), resources, "{value}");
        }
    }

    #[test]
    fn the_read_action_and_kms_service_follow_the_store_and_its_region() {
        let r = SecretRef::parse("arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-AbCdEf", "us-east-1");
        let r = r.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.read_action(), "secretsmanager:GetSecretValue");
        assert_eq!(r.kms_via_service("us-east-1"), "secretsmanager.eu-west-1.amazonaws.com");
        let r = SecretRef::parse("/app/uri", "cn-north-1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.read_action(), "ssm:GetParameters");
        assert_eq!(r.kms_via_service("cn-north-1"), "ssm.cn-north-1.amazonaws.com.cn");
        assert_eq!(
            r.iam_resources("aws-cn", "cn-north-1", ACCOUNT),
            ["arn:aws-cn:ssm:cn-north-1:123456789012:parameter/app/uri"]
        );
    }

    #[test]
    fn the_secret_is_looked_up_by_its_arn_without_key_and_version_or_by_the_parameter_name() {
        let sm = "arn:aws:secretsmanager:eu-west-1:123456789012:secret";
        for (value, id) in [
            (format!("{sm}:prod/db-AbCdEf"), format!("{sm}:prod/db-AbCdEf")),
            (format!("{sm}:prod/db"), format!("{sm}:prod/db")),
            (format!("{sm}:prod/db-AbCdEf:uri:AWSCURRENT:"), format!("{sm}:prod/db-AbCdEf")),
        ] {
            let r = SecretRef::parse(&value, "us-east-1").unwrap_or_else(|e| panic!("{e}"));
            assert_eq!((r.id(), r.region("us-east-1"), r.parameter()), (id.as_str(), "eu-west-1", None), "{value}");
        }
        let ssm = "arn:aws:ssm:eu-west-1:210987654321:parameter";
        for (value, region, name, account) in [
            (format!("{ssm}/prod/mongo"), "eu-west-1", "/prod/mongo", Some("210987654321")),
            (format!("{ssm}/mongo"), "eu-west-1", "mongo", Some("210987654321")),
            ("/prod/mongo".to_owned(), "us-east-1", "/prod/mongo", None),
            ("mongo".to_owned(), "us-east-1", "mongo", None),
        ] {
            let r = SecretRef::parse(&value, "us-east-1").unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.id(), value);
            assert_eq!(r.region("us-east-1"), region, "{value}");
            assert_eq!(r.parameter(), Some((name.to_owned(), account)), "{value}");
        }
    }

    #[test]
    fn what_ecs_would_not_accept_is_rejected() {
        for value in [
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:name:key",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:",
            "arn:aws:secretsmanager:us-east-1:1234:secret:name-AbCdEf",
            "arn:aws-cn:secretsmanager:us-east-1:123456789012:secret:name-AbCdEf",
            "arn:aws:secretsmanager:cn-north-1:123456789012:secret:name-AbCdEf",
            "arn:aws:s3:::bucket/key",
            "arn:aws:ssm:us-east-1:123456789012:document/x",
            "arn:aws:kms:us-east-1:123456789012:key/abc",
            "aws/secret",
            "has space",
            "",
        ] {
            assert!(SecretRef::parse(value, "us-east-1").is_err(), "{value}");
        }
    }
}
