//! A run of the binary in the background, for tests that signal or kill it mid-way: both streams
//! are drained by threads (a chatty run never blocks on a full pipe) and handed back on exit.

use std::io::Read;
use std::process::{Child, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::cli::{Cli, Output, binary};

pub struct Spawned {
    child: Child,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

/// A signal the tests send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Term,
    Int,
    Kill,
}

impl Signal {
    pub fn number(self) -> i32 {
        match self {
            Signal::Term => 15,
            Signal::Int => 2,
            Signal::Kill => 9,
        }
    }
}

fn drain(mut r: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    })
}

impl Cli {
    /// Starts the command in the background.
    pub fn spawn(&self) -> Spawned {
        let mut child = self
            .command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary().display()));
        let stdout = child.stdout.take().map(drain);
        let stderr = child.stderr.take().map(drain);
        Spawned { child, stdout, stderr }
    }
}

impl Spawned {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `sig` (SIGKILL through std, the others through kill(1): no libc in the tests).
    pub fn signal(&mut self, sig: Signal) {
        if sig == Signal::Kill {
            // An error means it has already exited, which the caller sees on wait.
            let _ = self.child.kill();
            return;
        }
        let name = if sig == Signal::Term { "TERM" } else { "INT" };
        let status = std::process::Command::new("kill")
            .args(["-s", name, &self.pid().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("cannot run kill(1): {e}"));
        assert!(status.success() || self.has_exited(), "kill -s {name} {} failed: {status}", self.pid());
    }

    /// Whether the process has ended (without reaping its streams).
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits for the end, at most `limit`; kills it (and panics) past that.
    #[track_caller]
    pub fn wait_within(mut self, limit: Duration) -> (Output, ExitStatus) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap_or_else(|e| panic!("wait for pid {}: {e}", self.child.id())) {
                break s;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let out = self.collect(None);
                panic!("the run did not end within {limit:?}\n--- stderr ---\n{}", out.stderr);
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        (self.collect(status.code()), status)
    }

    fn collect(&mut self, code: Option<i32>) -> Output {
        let _ = self.child.wait();
        let join = |h: Option<JoinHandle<String>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
        Output { code, stdout: join(self.stdout.take()), stderr: join(self.stderr.take()) }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if !self.has_exited() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `check` until it returns `Some`, at most `limit`; panics naming `what` past that.
pub async fn poll<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
