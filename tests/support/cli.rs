//! Runs the real binary with a clean, explicit environment.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// A command line for the `intervalprocessing` binary under test.
#[derive(Clone, Debug)]
pub struct Cli {
    args: Vec<String>,
    env: BTreeMap<String, String>,
}

/// What a finished run printed and how it exited.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Panics with both streams when the exit code is not `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn success(self) -> Self {
        self.expect_code(0)
    }

    /// The JSON log events on stderr (`LOG_FORMAT=json`) at `level` whose message starts with `message`.
    pub fn log_events(&self, level: &str, message: &str) -> Vec<serde_json::Value> {
        self.stderr
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["level"] == level && v["message"].as_str().is_some_and(|m| m.starts_with(message)))
            .collect()
    }

    /// The JSON value printed on stdout.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_intervalprocessing"))
}

impl Cli {
    /// The binary with no inherited configuration: only PATH, HOME and the AWS basics are kept,
    /// so a developer's own environment cannot change what a test sees.
    pub fn new() -> Self {
        let mut env = BTreeMap::new();
        for key in ["PATH", "HOME", "TMPDIR"] {
            if let Ok(v) = std::env::var(key) {
                env.insert(key.to_owned(), v);
            }
        }
        env.insert("LOG_FORMAT".into(), "json".into());
        env.insert("RUST_LOG".into(), "info".into());
        env.insert("AWS_REGION".into(), "us-east-1".into());
        env.insert("AWS_ACCESS_KEY_ID".into(), "testing".into());
        env.insert("AWS_SECRET_ACCESS_KEY".into(), "testing".into());
        env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
        Cli { args: Vec::new(), env }
    }

    pub fn arg(mut self, a: impl Into<String>) -> Self {
        self.args.push(a.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.env.insert(k.into(), v.into());
        self
    }

    /// Writing its files under the directory `root` (`OUTPUT_URL=file://root`).
    pub fn output_dir(self, root: &std::path::Path) -> Self {
        self.env("OUTPUT_URL", format!("file://{}", root.display()))
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(binary());
        c.args(&self.args).env_clear().envs(&self.env).stdin(Stdio::null());
        c
    }

    /// Runs to completion and captures both streams.
    pub fn run(&self) -> Output {
        let out = self.command().output().unwrap_or_else(|e| panic!("cannot start {}: {e}", binary().display()));
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Default for Cli {
    fn default() -> Self {
        Self::new()
    }
}
