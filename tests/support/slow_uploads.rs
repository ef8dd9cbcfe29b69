//! An HTTP relay in front of moto that holds every multipart `UploadPart` for a while before
//! forwarding it: FileGeneration's upload then lasts long enough for a test to stop the run in the
//! middle of it. Everything else passes at once.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::http_relay::{forward, read_request};

pub struct SlowUploads {
    pub port: u16,
    rt: Option<tokio::runtime::Runtime>,
}

impl SlowUploads {
    /// A relay on a free loopback port in front of moto on `moto_port`, holding upload requests for `hold`.
    pub fn start(moto_port: u16, hold: Duration) -> SlowUploads {
        let (rt, std_listener, port) = super::proxy::runtime_and_port();
        std_listener.set_nonblocking(true).unwrap_or_else(|e| panic!("non-blocking listener: {e}"));
        let target = SocketAddr::from(([127, 0, 0, 1], moto_port));
        rt.spawn(async move {
            let listener = TcpListener::from_std(std_listener).unwrap_or_else(|e| panic!("a tokio listener: {e}"));
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, target, hold));
            }
        });
        SlowUploads { port, rt: Some(rt) }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for SlowUploads {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

async fn serve(mut client: TcpStream, target: SocketAddr, hold: Duration) {
    let Some(request) = read_request(&mut client).await else { return };
    let (method, path) = request.method_path();
    // UploadPart: PUT ?partNumber=&uploadId=.
    if method == "PUT" && path.contains("partNumber=") {
        tokio::time::sleep(hold).await;
    }
    let Some(response) = forward(&request, target).await else { return };
    let _ = client.write_all(&response).await;
    let _ = client.shutdown().await;
}
