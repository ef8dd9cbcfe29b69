//! The MongoDB URI secret exists: Secrets Manager DescribeSecret, or SSM DescribeParameters for a
//! parameter, in the secret's region. Only metadata is read, never the value.

use super::check::Check;
use super::requests::{describe_parameter_request, describe_secret_request};
use crate::aws::Aws;
use crate::aws_error::{aws_err, is_missing};
use crate::secret_ref::SecretRef;

pub async fn check(aws: &Aws, secret: &SecretRef) -> Check {
    let region = secret.region(&aws.arns.region);
    let subject = format!("MongoDB URI secret {}", secret.id());
    let conf_in = |r: &str| aws_config::Region::new(r.to_owned());
    let Some((name, account)) = secret.parameter() else {
        let conf = aws_sdk_secretsmanager::config::Builder::from(&aws.conf).region(conf_in(region)).build();
        let client = aws_sdk_secretsmanager::Client::from_conf(conf);
        return match describe_secret_request(secret.id()).send_with(&client).await {
            Ok(o) => secret_found(subject, o.deleted_date().map(|d| d.to_string())),
            Err(e) if is_missing(&e, &["ResourceNotFoundException"]) => {
                Check::problem(subject, format!("does not exist in Secrets Manager in {region}"))
            }
            Err(e) => Check::failed(subject, &aws_err(secret.id(), "secretsmanager:DescribeSecret", e)),
        };
    };
    if let Some(owner) = account.filter(|a| *a != aws.arns.account) {
        return Check::unchecked(
            subject,
            format!("the parameter belongs to account {owner}; ssm:DescribeParameters lists this account's only"),
        );
    }
    let conf = aws_sdk_ssm::config::Builder::from(&aws.conf).region(conf_in(region)).build();
    let client = aws_sdk_ssm::Client::from_conf(conf);
    let request = match describe_parameter_request(&name) {
        Ok(r) => r,
        Err(e) => return Check::failed(subject, &e),
    };
    match request.send_with(&client).await {
        Ok(o) => {
            let found = o.parameters().iter().map(|p| {
                (p.name().unwrap_or_default().to_owned(), p.r#type().map_or("unknown", |t| t.as_str()).to_owned())
            });
            parameter_found(subject, region, &name, &found.collect::<Vec<_>>())
        }
        Err(e) => Check::failed(subject, &aws_err(&name, "ssm:DescribeParameters", e)),
    }
}

/// DescribeSecret answered: the secret exists, unless it is scheduled for deletion (`deleted`:
/// when), which ECS treats as missing.
pub fn secret_found(subject: String, deleted: Option<String>) -> Check {
    match deleted {
        None => Check::ok(subject, "exists in Secrets Manager"),
        Some(when) => Check::problem(
            subject,
            format!("is scheduled for deletion ({when}); restore it with `aws secretsmanager restore-secret`"),
        ),
    }
}

/// DescribeParameters answered with `found` (name, type): the parameter `name` exists or not.
pub fn parameter_found(subject: String, region: &str, name: &str, found: &[(String, String)]) -> Check {
    match found.iter().find(|(n, _)| n == name) {
        Some((_, kind)) => Check::ok(subject, format!("exists in Parameter Store ({kind})")),
        None => Check::problem(subject, format!("does not exist in Parameter Store in {region}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::verify::check::Status;

    #[test]
    fn a_secret_exists_unless_it_is_scheduled_for_deletion() {
        assert_eq!(secret_found("s".into(), None).status, Status::Ok);
        let c = secret_found("s".into(), Some("2026-01-02T00:00:00Z".into()));
        assert_eq!(c.status, Status::Problem);
        assert!(c.detail.contains("scheduled for deletion (2026-01-02T00:00:00Z)"), "{}", c.detail);
    }

    #[test]
    fn a_parameter_exists_only_under_its_exact_name() {
        let found = [("/prod/mongo".to_owned(), "SecureString".to_owned())];
        let c = parameter_found("p".into(), "eu-west-1", "/prod/mongo", &found);
        assert_eq!((c.status, c.detail.as_str()), (Status::Ok, "exists in Parameter Store (SecureString)"));
        let c = parameter_found("p".into(), "eu-west-1", "/prod/mongo-old", &found);
        assert_eq!((c.status, c.detail.as_str()), (Status::Problem, "does not exist in Parameter Store in eu-west-1"));
    }
}
