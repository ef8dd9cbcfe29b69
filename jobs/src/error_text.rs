//! Errors as one readable line, for `error:` lines, ledger entries and logs.
//!
//! The driver's `Display` of an error is a debug dump: labels, the source, and for a command
//! error the raw server reply as a 700-character string of hex. [`describe`] says the same in one
//! line a person can read (code name, code, message), and is what every MongoDB error becomes
//! when it is turned into text anywhere in the runtime.

use std::borrow::Cow;

use mongodb::error::{ErrorKind, WriteFailure};

/// The longest message [`describe`] returns; longer ones (a duplicate key of a 10 KB meter id)
/// are cut and end with `…`.
pub const MAX_CHARS: usize = 300;

/// One line, at most [`MAX_CHARS`] characters: `IndexOptionsConflict (85): Index already exists
/// with a different name: …`, `no server answered within the server selection timeout
/// (Connection refused …)`, never the raw server reply.
pub fn describe(e: &mongodb::error::Error) -> String {
    let text = match e.kind.as_ref() {
        ErrorKind::Command(c) => coded(&c.code_name, c.code, &c.message),
        ErrorKind::Write(WriteFailure::WriteError(w)) => {
            coded(w.code_name.as_deref().unwrap_or(""), w.code, &w.message)
        }
        ErrorKind::Write(WriteFailure::WriteConcernError(w)) => {
            format!("write concern: {}", coded(&w.code_name, w.code, &w.message))
        }
        ErrorKind::InsertMany(im) => {
            let errors = im.write_errors.as_deref().unwrap_or_default();
            match (errors.first(), &im.write_concern_error) {
                (Some(w), _) => {
                    let first = coded(w.code_name.as_deref().unwrap_or(""), w.code, &w.message);
                    match errors.len() {
                        1 => format!("insert: {first}"),
                        n => format!("insert: {n} documents failed, the first with {first}"),
                    }
                }
                (None, Some(w)) => format!("insert: write concern: {}", coded(&w.code_name, w.code, &w.message)),
                (None, None) => "insert failed".to_owned(),
            }
        }
        ErrorKind::BulkWrite(b) => {
            let first = b.write_errors.iter().min_by_key(|(i, _)| **i).map(|(_, w)| w);
            match (first, b.write_concern_errors.first()) {
                (Some(w), _) => format!(
                    "bulk write: {} operations failed, the first with {}",
                    b.write_errors.len(),
                    coded(w.code_name.as_deref().unwrap_or(""), w.code, &w.message)
                ),
                (None, Some(w)) => format!("bulk write: write concern: {}", coded(&w.code_name, w.code, &w.message)),
                (None, None) => "bulk write failed".to_owned(),
            }
        }
        ErrorKind::ServerSelection { message, .. } => {
            // The message is the driver's topology dump; keep only the first server's cause.
            let cause = message
                .split("Error: Kind: ")
                .nth(1)
                .and_then(|rest| rest.split(", labels").next())
                .map(|c| format!(" ({})", c.trim_end_matches(',')))
                .unwrap_or_default();
            format!("no server answered within the server selection timeout{cause}")
        }
        ErrorKind::Io(io) => io.to_string(),
        ErrorKind::Authentication { message, .. } => format!("authentication failed: {message}"),
        ErrorKind::DnsResolve { message, .. } => format!("cannot resolve the host: {message}"),
        // Every other kind's own Display is a message without the server reply.
        other => other.to_string(),
    };
    one_line(&text, MAX_CHARS).into_owned()
}

/// `CodeName (code): message`, or `error code: message` when the server sent no name.
fn coded(name: &str, code: i32, message: &str) -> String {
    match name {
        "" => format!("error {code}: {message}"),
        name => format!("{name} ({code}): {message}"),
    }
}

/// `text` on one line (control characters become spaces) and at most `max` characters.
pub fn one_line(text: &str, max: usize) -> Cow<'_, str> {
    let clean = !text.chars().any(char::is_control) && text.chars().nth(max).is_none();
    if clean {
        return Cow::Borrowed(text);
    }
    let mut out: String = text.chars().take(max).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().nth(max).is_some() {
        out.pop();
        out.push('…');
    }
    Cow::Owned(out)
}

/// How an error is written in a log line (the retry loop logs every error it retries).
pub trait ErrorText {
    fn error_text(&self) -> String;
}

impl ErrorText for mongodb::error::Error {
    fn error_text(&self) -> String {
        describe(self)
    }
}

impl ErrorText for crate::store::error::StoreError {
    fn error_text(&self) -> String {
        self.to_string()
    }
}

impl ErrorText for crate::JobError {
    fn error_text(&self) -> String {
        self.to_string()
    }
}

impl ErrorText for String {
    fn error_text(&self) -> String {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;

    /// A command error as the driver builds it from a server reply.
    fn command_error(code: i32, name: &str, message: &str) -> mongodb::error::Error {
        let reply = doc! { "ok": 0, "errmsg": message, "code": code, "codeName": name };
        let c: mongodb::error::CommandError =
            mongodb::bson::from_document(reply).unwrap_or_else(|e| panic!("command error from {message}: {e}"));
        ErrorKind::Command(c).into()
    }

    #[test]
    fn a_command_error_is_its_code_name_code_and_message() {
        let e = command_error(85, "IndexOptionsConflict", "Index already exists with a different name: x_1");
        assert_eq!(describe(&e), "IndexOptionsConflict (85): Index already exists with a different name: x_1");
        assert_eq!(describe(&command_error(85, "", "conflict")), "error 85: conflict");
    }

    #[test]
    fn long_or_multi_line_messages_become_one_bounded_line() {
        let e = command_error(
            11000,
            "DuplicateKey",
            &format!("E11000 dup key: {{ meterId: \"{}\" }}\nmore", "x".repeat(5000)),
        );
        let text = describe(&e);
        assert_eq!(text.chars().count(), MAX_CHARS);
        assert!(text.ends_with('…') && !text.contains('\n'), "{text}");
        assert_eq!(one_line("a\tb\r\nc", 100), "a b  c");
        assert_eq!(one_line("short", 100), "short");
        assert_eq!(one_line("ééééé", 3), "éé…");
    }

    #[test]
    fn other_kinds_keep_their_own_message_without_the_debug_dump() {
        let Err(e) = mongodb::options::ConnectionString::parse("nope") else { panic!("parsed a URI without scheme") };
        assert_eq!(describe(&e), "An invalid argument was provided: connection string contains no scheme");
        assert!(e.to_string().contains("labels"), "the driver's Display is the dump this module avoids");
    }
}
