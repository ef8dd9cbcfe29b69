//! Where the lines a person reads go. The runner makes one [`Console`] over stdout and stderr and
//! hands it to every command; tests make one over [`Captured`] buffers and read what was written.
//! Logs are not written here: they go through `tracing`.

use std::fmt::Display;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

/// Standard output for results, standard error for warnings and errors. Cheap to clone (clones
/// share the sinks). A failed write (a closed pipe: `infra plan | head`) is ignored, never a panic.
#[derive(Clone)]
pub struct Console {
    out: Sink,
    err: Sink,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Console")
    }
}

fn sink(w: impl Write + Send + 'static) -> Sink {
    Arc::new(Mutex::new(Box::new(w)))
}

/// Writes `text` (and a newline) to `sink` and flushes it, ignoring errors.
fn put(sink: &Sink, text: &dyn Display, newline: bool) {
    let mut w = sink.lock().unwrap_or_else(PoisonError::into_inner);
    let _ = match newline {
        true => writeln!(w, "{text}"),
        false => write!(w, "{text}"),
    };
    let _ = w.flush();
}

impl Console {
    pub fn new(out: impl Write + Send + 'static, err: impl Write + Send + 'static) -> Console {
        Console { out: sink(out), err: sink(err) }
    }

    /// The process's stdout and stderr, locked for each write only (a log line from another
    /// thread is never blocked behind a person's output).
    pub fn stdio() -> Console {
        Console::new(std::io::stdout(), std::io::stderr())
    }

    /// A console whose output tests read back: `(console, stdout, stderr)`.
    pub fn captured() -> (Console, Captured, Captured) {
        let (out, err) = (Captured::default(), Captured::default());
        (Console::new(out.clone(), err.clone()), out, err)
    }

    /// One line on stdout.
    pub fn line(&self, text: impl Display) {
        put(&self.out, &text, true);
    }

    /// Text on stdout as it is (it brings its own newlines, or none: a prompt).
    pub fn text(&self, text: impl Display) {
        put(&self.out, &text, false);
    }

    /// `warning: …` on stderr.
    pub fn warn(&self, text: impl Display) {
        put(&self.err, &format_args!("warning: {text}"), true);
    }

    /// `error: …` on stderr, then `hint: …` when there is one.
    pub fn error(&self, message: impl Display, hint: Option<&str>) {
        put(&self.err, &format_args!("error: {message}"), true);
        if let Some(h) = hint {
            put(&self.err, &format_args!("hint: {h}"), true);
        }
    }
}

/// A buffer a [`Console`] writes into, shared with the test that reads it.
#[derive(Debug, Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe whose reader went away.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn results_go_to_stdout_and_warnings_and_errors_to_stderr() {
        let (c, out, err) = Console::captured();
        c.line("plan:");
        c.text("Do you want to apply? ");
        c.warn("the image has no digest");
        c.error("it broke", Some("try again"));
        c.error("no hint", None);
        assert_eq!(out.text(), "plan:\nDo you want to apply? ");
        assert_eq!(err.text(), "warning: the image has no digest\nerror: it broke\nhint: try again\nerror: no hint\n");
    }

    #[test]
    fn a_closed_pipe_is_ignored() {
        let c = Console::new(Closed, Closed);
        c.line("nobody reads this");
        c.warn("nor this");
        c.error("nor this", Some("nor the hint"));
    }
}
