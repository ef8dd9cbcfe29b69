//! Logging: `tracing` to stderr, JSON when not on a terminal (CloudWatch reads it), text on one.
//! `RUST_LOG` sets levels (default `info`); `LOG_FORMAT=json|text` overrides the choice. Every line
//! is scrubbed of `MONGODB_URI`'s credentials on its way out ([`crate::secret`]).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

impl LogFormat {
    /// From `LOG_FORMAT`; `Err` carries the bad value.
    pub fn from_env() -> Result<LogFormat, String> {
        match std::env::var("LOG_FORMAT") {
            Ok(v) if v.eq_ignore_ascii_case("json") => Ok(LogFormat::Json),
            Ok(v) if v.eq_ignore_ascii_case("text") => Ok(LogFormat::Text),
            Ok(v) if !v.is_empty() => Err(v),
            _ if std::io::stderr().is_terminal() => Ok(LogFormat::Text),
            _ => Ok(LogFormat::Json),
        }
    }
}

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(|| crate::secret::ScrubbedStderr);
    match format {
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).flatten_event(true).init(),
        LogFormat::Text => builder.with_target(false).compact().init(),
    }
}
