//! An HTTP relay in front of moto that forwards the first `CompleteMultipartUpload` and then drops
//! the connection instead of relaying moto's answer: the upload is complete, and the client does
//! not know it (a reply lost on the network). A completion sent again is answered as S3 documents
//! for an upload "aborted or completed": 404 `NoSuchUpload` (moto completes it a second time).
//! Everything else passes through.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::http_relay::{Relay, forward, read_request};

pub struct LostCompletion {
    relay: Relay,
    lost: Arc<AtomicBool>,
}

impl LostCompletion {
    /// A relay on a free loopback port in front of moto on `moto_port`.
    pub fn start(moto_port: u16) -> LostCompletion {
        let target = SocketAddr::from(([127, 0, 0, 1], moto_port));
        let lost = Arc::new(AtomicBool::new(false));
        let flag = lost.clone();
        LostCompletion { relay: Relay::start(move |client| serve(client, target, flag.clone())), lost }
    }

    pub fn endpoint(&self) -> String {
        self.relay.endpoint()
    }

    /// Whether a completion's answer was dropped.
    pub fn lost_one(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }
}

/// S3's answer to a completion of an upload that is no longer there.
fn no_such_upload() -> Vec<u8> {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified \
                upload does not exist. The upload ID may be invalid, or the upload may have been aborted or \
                completed.</Message></Error>";
    let head = "HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\nConnection: close";
    format!("{head}\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

async fn serve(mut client: TcpStream, target: SocketAddr, lost: Arc<AtomicBool>) {
    let Some(request) = read_request(&mut client).await else { return };
    let (method, path) = request.method_path();
    // CompleteMultipartUpload: POST /bucket/key?uploadId=…
    let completion = method == "POST" && path.contains("uploadId=");
    let response = match completion && lost.load(Ordering::SeqCst) {
        true => no_such_upload(),
        false => {
            let Some(response) = forward(&request, target).await else { return };
            if completion && !lost.swap(true, Ordering::SeqCst) {
                return; // dropping `client` closes the connection without an answer
            }
            response
        }
    };
    let _ = client.write_all(&response).await;
    let _ = client.shutdown().await;
}
