//! Everything that can go wrong in `infra`, with the exit code and a hint for each.

use crate::problem::Problem;

/// The runner decides what each error means for the exit code (its `AppError::outcome`).
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    #[error("cannot read the deployment file {path}: {reason}")]
    ConfigRead { path: String, reason: String },

    #[error("the deployment file {path} is invalid:\n{}", problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { path: String, problems: Vec<Problem> },

    #[error("{0}")]
    Config(String),

    #[error("{call} for {resource} failed: {message}")]
    Aws { resource: String, call: &'static str, message: String, code: Option<String> },

    #[error("{0}")]
    BadFlag(String),

    #[error("{action} needs confirmation, but standard input is not a terminal")]
    NeedsApproval { action: &'static str },

    #[error("{action} cancelled: nothing was changed")]
    Declined { action: &'static str },

    #[error("{0}")]
    NotDeployed(String),

    #[error("{0}")]
    Failed(String),
}

impl InfraError {
    /// A hint for the operator, printed after the `error:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            InfraError::ConfigRead { .. } => {
                Some("pass the deployment file with --config PATH (default deploy/intervalprocessing.toml)".into())
            }
            InfraError::Invalid { .. } => Some(
                "fix the keys above; `intervalprocessing infra validate` checks the file without calling AWS".into(),
            ),
            InfraError::NeedsApproval { .. } => {
                Some("review `intervalprocessing infra plan`, then pass --auto-approve".into())
            }
            InfraError::NotDeployed(_) => Some("run `intervalprocessing infra apply` first".into()),
            InfraError::Aws { code, message, .. } => aws_hint(code.as_deref(), message),
            _ => None,
        }
    }

    /// An AWS call failed: keep the resource, the call and the full error chain.
    pub fn aws<E: std::error::Error>(resource: impl Into<String>, call: &'static str, e: E) -> Self {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        InfraError::Aws { resource: resource.into(), call, message, code: None }
    }

    /// True when AWS refused the call for lack of a permission (not for bad credentials).
    pub fn is_access_denied(&self) -> bool {
        self.aws_code().is_some_and(|c| AUTHORIZATION_CODES.contains(&c))
    }

    /// The AWS error code, when this is an AWS error that has one.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            InfraError::Aws { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// Codes of errors that mean the credentials are missing, wrong or expired.
const AUTHENTICATION_CODES: [&str; 11] = [
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "AuthFailure",
    "RequestExpired",
];

/// Codes of errors that mean the caller may not do this.
const AUTHORIZATION_CODES: [&str; 4] = ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"];

/// A hint that fits the AWS error: credentials only for authentication errors.
fn aws_hint(code: Option<&str>, message: &str) -> Option<String> {
    match code {
        Some(c) if AUTHENTICATION_CODES.contains(&c) => Some(
            "AWS did not accept the credentials: check AWS_PROFILE / AWS_ACCESS_KEY_ID, that they have not expired, \
             and the region in the deployment file"
                .into(),
        ),
        Some(c) if AUTHORIZATION_CODES.contains(&c) => Some(
            "the caller lacks a permission: attach the operator policy from infra/README.md (\"Permissions to run infra\")"
                .into(),
        ),
        Some(_) => None,
        None if message.contains("credentials") => Some(
            "no AWS credentials were found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY".into(),
        ),
        None => Some("AWS could not be reached: check the network, the region in the deployment file and AWS_ENDPOINT_URL".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::aws_hint;

    #[test]
    fn the_hint_fits_the_error() {
        let credentials = aws_hint(Some("InvalidClientTokenId"), "").unwrap_or_default();
        assert!(credentials.contains("credentials"), "{credentials}");
        let permission = aws_hint(Some("AccessDenied"), "").unwrap_or_default();
        assert!(permission.contains("operator policy") && !permission.contains("credentials"), "{permission}");
        assert_eq!(aws_hint(Some("ValidationException"), "The execution role you provide must allow"), None);
        assert_eq!(aws_hint(Some("InvalidParameterException"), "Unable to assume the service linked role"), None);
        assert!(
            aws_hint(None, "dispatch failure: io error: Connection refused").unwrap_or_default().contains("reached")
        );
    }
}
