//! Keeping the credentials in `MONGODB_URI` out of every output: `error:` lines, hints, logs.
//!
//! Three layers. [`redact`] is how the URI itself is ever shown: no part of the user name or
//! password, whatever characters they contain. [`parse_failure`] is how the driver's complaint
//! about an unparsable URI is shown: the driver echoes pieces of the URI, so its message is kept
//! only when it cannot contain credentials. [`scrub`], applied to the `error:` line and to every
//! log line, removes the URI's user name and password (raw, percent-decoded and JSON-escaped)
//! from any text that still has them, in case a message ever quotes them.

use std::borrow::Cow;
use std::sync::OnceLock;

use mongodb::options::ConnectionString;

const HIDDEN: &str = "****";

/// Connection string options whose value is a credential.
const SECRET_OPTIONS: &[&str] =
    &["tlscertificatekeyfilepassword", "proxyusername", "proxypassword", "authmechanismproperties"];

/// Pieces shorter than this are not scrubbed from free text (that would garble every line that
/// happens to contain them); [`redact`] and [`parse_failure`] never show them anyway.
const MIN_SCRUBBED: usize = 4;

/// A `MONGODB_URI`: `Display` and `Debug` show it redacted; only [`SecretUri::expose`] gives
/// the driver the real one.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUri(String);

impl SecretUri {
    pub fn new(uri: String) -> SecretUri {
        SecretUri(uri)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SecretUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl std::fmt::Debug for SecretUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", redact(&self.0))
    }
}

/// A URI cut into what may be shown and the credentials.
struct Parts<'a> {
    scheme: Option<&'a str>,
    /// Everything that is, or could be, the user name and password (without the last `@`).
    userinfo: Option<&'a str>,
    /// Hosts, database and options.
    rest: &'a str,
}

/// Where the credentials end. The driver takes the options from the first `?` and the user info
/// up to the last `@` before it; when it accepts the URI that is what it authenticates with, so
/// the rest is not secret. When it does not (a raw `/ ? # @ %` in a password), nobody can tell
/// where the password ends, so everything up to the last `@` of the whole URI counts as secret.
fn split(uri: &str) -> Parts<'_> {
    let (scheme, after) = uri.split_once("://").map_or((None, uri), |(s, a)| (Some(s), a));
    let Some(last_at) = after.rfind('@') else { return Parts { scheme, userinfo: None, rest: after } };
    let before_options = after.split_once('?').map_or(after, |(b, _)| b);
    let at = match (before_options.rfind('@'), ConnectionString::parse(uri)) {
        (Some(at), Ok(_)) => at,
        _ => last_at,
    };
    Parts { scheme, userinfo: Some(&after[..at]), rest: &after[at + 1..] }
}

/// The URI as it may be shown: `mongodb+srv://****@cluster0.example.net/db?appName=x`, with the
/// whole user info and credential-valued options replaced by `****`.
pub fn redact(uri: &str) -> String {
    let p = split(uri);
    let mut out = String::new();
    if let Some(s) = p.scheme {
        out.push_str(s);
        out.push_str("://");
    }
    if p.userinfo.is_some() {
        out.push_str(HIDDEN);
        out.push('@');
    }
    match p.rest.split_once('?') {
        Some((hosts, options)) => {
            let options: Vec<String> = options
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) if SECRET_OPTIONS.contains(&k.to_ascii_lowercase().as_str()) => {
                        format!("{k}={HIDDEN}")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            out.push_str(hosts);
            out.push('?');
            out.push_str(&options.join("&"));
        }
        None => out.push_str(p.rest),
    }
    out
}

/// Every form in which a credential of `uri` could appear in a message, longest first.
pub fn secrets(uri: &str) -> Vec<String> {
    let p = split(uri);
    let mut raw: Vec<&str> = Vec::new();
    if let Some(ui) = p.userinfo {
        // When the driver refused the URI, the user info may end at any `@` inside it.
        let ends = ui.match_indices('@').map(|(i, _)| i).chain([ui.len()]);
        for candidate in ends.map(|end| &ui[..end]) {
            raw.push(candidate);
            if let Some((user, password)) = candidate.split_once(':') {
                raw.extend([user, password]);
            }
        }
    }
    if let Some((_, options)) = p.rest.split_once('?') {
        for (k, v) in options.split('&').filter_map(|pair| pair.split_once('=')) {
            if SECRET_OPTIONS.contains(&k.to_ascii_lowercase().as_str()) {
                raw.push(v);
                raw.extend(v.split([',', ':']));
            }
        }
    }
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        let decoded = percent_decode(r);
        for form in [r.to_owned(), json_escaped(r), json_escaped(&decoded), decoded] {
            if form.chars().count() >= MIN_SCRUBBED && !out.contains(&form) {
                out.push(form);
            }
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How `s` appears inside a JSON string (and so in a JSON log line).
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default().to_owned()
}

/// `text` with every piece of `secrets` replaced by `****`.
pub fn scrub_with<'a>(text: &'a str, secrets: &[String]) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for s in secrets {
        if out.contains(s.as_str()) {
            out = Cow::Owned(out.replace(s.as_str(), HIDDEN));
        }
    }
    out
}

static PROTECTED: OnceLock<Vec<String>> = OnceLock::new();

/// Remembers the credentials of `uri` (the process's `MONGODB_URI`) for [`scrub`]. Call once,
/// before anything is logged.
pub fn protect(uri: &str) {
    let _ = PROTECTED.set(secrets(uri));
}

/// `text` without the credentials [`protect`] was given.
pub fn scrub(text: &str) -> Cow<'_, str> {
    scrub_with(text, PROTECTED.get().map_or(&[], Vec::as_slice))
}

/// The driver's messages that quote nothing of the URI.
const FIXED_MESSAGES: &[&str] = &[
    "connection string contains no scheme",
    "username must be URL encoded",
    "password must be URL encoded",
    "username cannot contain unescaped %",
    "password cannot contain unescaped %",
    "database name must be URL encoded",
    "repeated options are not allowed in the connection string",
    "a port cannot be specified with 'mongodb+srv'",
    "exactly one host must be specified with 'mongodb+srv'",
    "unix sockets cannot be used with 'mongodb+srv'",
    "empty authSource provided",
];

/// Why the driver refused `uri`, as it may be shown (see the module doc).
pub fn parse_failure(uri: &str, e: &mongodb::error::Error) -> String {
    let message = match e.kind.as_ref() {
        mongodb::error::ErrorKind::InvalidArgument { message, .. } => message.clone(),
        _ => intervalprocessing_jobs::error_text::describe(e),
    };
    let secrets = secrets(uri);
    if split(uri).userinfo.is_none() || ConnectionString::parse(uri).is_ok() {
        // Nothing in the URI can be taken for credentials, or the driver read it the way
        // `redact` does (the error came later, e.g. from the DNS lookup of mongodb+srv).
        return scrub_with(&message, &secrets).into_owned();
    }
    let hint = "percent-encode : / ? # [ ] @ and % in the user name and password (%3A %2F %3F %23 %5B %5D %40 %25)";
    match FIXED_MESSAGES.contains(&message.as_str()) {
        true => format!("{message}; {hint}"),
        false => format!(
            "the MongoDB driver cannot parse it (its message is not shown because it may quote part of the \
             user name or password); {hint}"
        ),
    }
}

/// Log output that goes through [`scrub`] on its way to stderr (`tracing` writes each event with
/// one `write`).
#[derive(Debug, Default, Clone, Copy)]
pub struct ScrubbedStderr;

impl std::io::Write for ScrubbedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        match scrub(&text) {
            Cow::Borrowed(_) => std::io::stderr().write_all(buf)?,
            Cow::Owned(clean) => std::io::stderr().write_all(clean.as_bytes())?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests;
