//! A MongoDB-wire server of a test's own, for what the shared one cannot show (authentication):
//! the binary `scripts/test` names in `IP_TEST_MONGO_SERVER_BIN`, of the kind it names in
//! `IP_TEST_MONGO_SERVER_KIND` (`rs`: secantusd-rs, `py`: secantusd-py), on a free loopback port,
//! its data in a directory the test owns (kept across a restart).

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct OwnMongo {
    child: Child,
    pub port: u16,
    log: PathBuf,
}

fn setting(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests through scripts/test, which starts the servers and sets it")
    })
}

/// A loopback port nobody listens on (yet).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a port");
    l.local_addr().expect("local addr").port()
}

impl OwnMongo {
    /// Starts the server with its data under `dir`; `auth`: require SCRAM-SHA-256 (`--auth`,
    /// which both kinds accept). Waits until it listens.
    pub fn start(dir: &Path, auth: bool) -> OwnMongo {
        let (bin, kind) = (setting("IP_TEST_MONGO_SERVER_BIN"), setting("IP_TEST_MONGO_SERVER_KIND"));
        let port = free_port();
        let log = dir.join(format!("server-{port}.log"));
        let out = std::fs::File::create(&log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        let err = out.try_clone().expect("clone the log file");
        let mut cmd = Command::new(&bin);
        match kind.as_str() {
            "rs" => {}
            "py" => {
                cmd.args(["--host", "127.0.0.1"]);
            }
            other => panic!("IP_TEST_MONGO_SERVER_KIND must be rs or py, not {other:?}"),
        }
        cmd.args(["--port", &port.to_string(), "--storage-path"]).arg(dir.join("data"));
        if auth {
            cmd.arg("--auth");
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let mut server = OwnMongo { child, port, log };
        server.wait_listening(Duration::from_secs(60));
        server
    }

    fn wait_listening(&mut self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the MongoDB-wire server exited ({status}):\n{}", self.log_text());
            }
            assert!(Instant::now() < deadline, "the server did not listen within {limit:?}:\n{}", self.log_text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `mongodb://[userinfo@]127.0.0.1:PORT/?directConnection=true[&options]`.
    pub fn uri(&self, userinfo: Option<&str>, options: &str) -> String {
        let userinfo = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
        let sep = if options.is_empty() { "" } else { "&" };
        format!("mongodb://{userinfo}127.0.0.1:{}/?directConnection=true{sep}{options}", self.port)
    }

    /// Stops it with SIGTERM (it flushes its data) and waits for the end.
    pub fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-s", "TERM", &self.child.id().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("cannot run kill(1): {e}"));
        assert!(status.success(), "kill -s TERM {} failed: {status}", self.child.id());
        let deadline = Instant::now() + Duration::from_secs(30);
        while !matches!(self.child.try_wait(), Ok(Some(_))) {
            assert!(Instant::now() < deadline, "the server did not stop within 30 s:\n{}", self.log_text());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for OwnMongo {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
