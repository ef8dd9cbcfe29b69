//! AWS SDK errors as [`InfraError`]s: the resource, the call, the AWS code and message.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::InfraError;

/// True when the error is one of `codes` (or an HTTP 404): the thing does not exist.
pub fn is_missing<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>, codes: &[&str]) -> bool {
    e.code().is_some_and(|c| codes.contains(&c)) || e.raw_response().is_some_and(|r| r.status().as_u16() == 404)
}

/// Wraps an SDK error with the resource and the call.
pub fn aws_err<E, R>(resource: &str, call: &'static str, e: SdkError<E, R>) -> InfraError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
    R: std::fmt::Debug + 'static,
{
    let detail = match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_owned(),
        _ => String::new(),
    };
    let aws_code = e.code().map(str::to_owned);
    let mut err = InfraError::aws(resource, call, e);
    if let InfraError::Aws { code, .. } = &mut err {
        *code = aws_code;
    }
    if let InfraError::Aws { message, .. } = &mut err
        && !detail.is_empty()
        && !message.contains(&detail)
    {
        message.push_str(" (");
        message.push_str(&detail);
        message.push(')');
    }
    err
}
