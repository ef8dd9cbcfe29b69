//! What every outage test needs: a test database reached through a fault proxy, timed runs, and
//! readers of what the binary said (its `error:` line, its retry log events).

use std::time::{Duration, Instant};

use crate::support::{Cli, Output, Proxy, TestDb};

/// Server selection timeout of the binary in these tests (the default is 10 s): the retry bound
/// is the same, the waits shorter.
pub const QUICK_SELECTION_MS: u64 = 1000;

/// A test database the binary reaches only through a proxy that can take it away.
pub struct Behind {
    pub db: TestDb,
    pub proxy: Proxy,
}

impl Behind {
    pub async fn new() -> Behind {
        let db = TestDb::new().await;
        let proxy = Proxy::for_mongodb_uri(&db.uri);
        Behind { db, proxy }
    }

    /// The binary, pointed at the test database through the proxy, with quick server selection.
    pub fn cli(&self) -> Cli {
        self.cli_selecting(QUICK_SELECTION_MS)
    }

    /// The binary through the proxy, giving up on server selection after `ms`.
    pub fn cli_selecting(&self, ms: u64) -> Cli {
        self.cli_with(&format!("serverSelectionTimeoutMS={ms}&connectTimeoutMS={ms}"))
    }

    /// [`Behind::cli`] with the driver's own single retry of reads and writes turned off (a URI
    /// option users may set): a dropped connection then reaches the runtime's retries.
    pub fn cli_without_driver_retries(&self) -> Cli {
        let ms = QUICK_SELECTION_MS;
        self.cli_with(&format!(
            "serverSelectionTimeoutMS={ms}&connectTimeoutMS={ms}&retryReads=false&retryWrites=false"
        ))
    }

    fn cli_with(&self, options: &str) -> Cli {
        let uri = self.proxy.mongodb_uri(&self.db.uri);
        let sep = if uri.contains('?') { '&' } else { '?' };
        self.db.cli().env("MONGODB_URI", format!("{uri}{sep}{options}"))
    }
}

/// Runs `cli` and measures how long it took.
pub fn timed(cli: &Cli) -> (Output, Duration) {
    let start = Instant::now();
    let out = cli.run();
    (out, start.elapsed())
}

/// Runs `cli` until it does not exit 4 (the lease of a run that could not release it is still
/// live), for at most `limit`; returns the first other outcome.
pub fn run_once_the_lease_expires(cli: &Cli, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        let out = cli.run();
        if out.code != Some(4) {
            return out;
        }
        assert!(Instant::now() < deadline, "the lease was still held after {limit:?}:\n{}", out.stderr);
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Checks the run failed the documented way: exit `code`, exactly one `error:` line containing
/// every one of `words`, and no panic. Returns the error line.
#[track_caller]
pub fn failed_clearly(out: &Output, code: i32, words: &[&str]) -> String {
    assert_eq!(out.code, Some(code), "exit code\n--- stdout ---\n{}\n--- stderr ---\n{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("panicked"), "a panic:\n{}", out.stderr);
    let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        errors.len(),
        1,
        "exactly one error: line\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.stdout,
        out.stderr
    );
    for w in words {
        assert!(errors[0].contains(w), "{w:?} missing from {:?}", errors[0]);
    }
    errors[0].to_owned()
}

/// The `retry_in_ms` of each "transient error, retrying" log event of `operation`, in order.
pub fn retry_waits(stderr: &str, operation: &str) -> Vec<u64> {
    stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["message"] == "transient error, retrying" && v["operation"] == operation)
        .filter_map(|v| v["retry_in_ms"].as_u64())
        .collect()
}

/// Checks `waits` are the default policy's: 3 retries (4 attempts), each backoff in its
/// doubling band (250 ms doubling, "equal jitter": between half and all of it).
#[track_caller]
pub fn bounded_backoff(waits: &[u64], stderr: &str) {
    assert_eq!(waits.len(), 3, "3 retries (4 attempts) in all: {waits:?}\n{stderr}");
    for (i, w) in waits.iter().enumerate() {
        let cap = 250u64 << i;
        assert!((cap / 2..=cap).contains(w), "retry {} waited {w} ms, outside {}..={cap}", i + 1, cap / 2);
    }
}
