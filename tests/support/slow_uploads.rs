//! An HTTP relay in front of moto that holds every multipart `UploadPart` for a while before
//! forwarding it: FileGeneration's upload then lasts long enough for a test to stop the run in the
//! middle of it. Everything else passes at once.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::http_relay::{Relay, forward, read_request};

pub struct SlowUploads {
    relay: Relay,
}

impl SlowUploads {
    /// A relay on a free loopback port in front of moto on `moto_port`, holding upload requests for `hold`.
    pub fn start(moto_port: u16, hold: Duration) -> SlowUploads {
        let target = SocketAddr::from(([127, 0, 0, 1], moto_port));
        SlowUploads { relay: Relay::start(move |client| serve(client, target, hold)) }
    }

    pub fn endpoint(&self) -> String {
        self.relay.endpoint()
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
