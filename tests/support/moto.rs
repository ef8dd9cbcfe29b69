//! A private moto server (AWS API stand-in) per test, on a free loopback port.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::cli::Cli;
use super::cloudwatch_cbor::CloudWatchCbor;

pub struct Moto {
    child: Child,
    pub port: u16,
    /// CloudWatch goes through this translator (moto does not speak the SDK's rpc-v2-cbor).
    pub cloudwatch: CloudWatchCbor,
}

impl Moto {
    /// Starts `moto_server` (or `$IP_TEST_MOTO_SERVER`) and waits until it answers.
    pub fn start() -> Moto {
        let program = std::env::var("IP_TEST_MOTO_SERVER").unwrap_or_else(|_| "moto_server".to_owned());
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new(&program)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {program} (run the tests through scripts/test): {e}"));
            let cloudwatch = CloudWatchCbor::start(port);
            let mut moto = Moto { child, port, cloudwatch };
            if moto.wait_ready(Duration::from_secs(30)) {
                return moto;
            }
            let _ = moto.child.kill();
        }
        panic!("moto_server did not come up");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The binary, pointed at this server.
    pub fn cli(&self) -> Cli {
        Cli::new()
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_ENDPOINT_URL_CLOUDWATCH", self.cloudwatch.endpoint())
    }

    /// A CloudWatch client for checking what the binary did (through the translator).
    pub async fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        let conf = aws_sdk_cloudwatch::config::Builder::from(&self.sdk_config().await)
            .endpoint_url(self.cloudwatch.endpoint());
        aws_sdk_cloudwatch::Client::from_conf(conf.build())
    }

    /// An SDK config for checking what the binary did.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .credentials_provider(aws_sdk_s3::config::Credentials::new("testing", "testing", None, None, "test"))
            .load()
            .await
    }

    pub async fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk_config().await).force_path_style(true).build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    fn wait_ready(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}
