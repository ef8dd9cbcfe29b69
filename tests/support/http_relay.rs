//! One HTTP/1.1 request relayed to a local server and its whole response read back, one request per
//! connection (`Connection: close`): the plumbing of the test proxies in front of moto
//! (`aws_faults.rs`, `cloudwatch_cbor.rs`, `slow_uploads.rs`).

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A relay on a free loopback port with a runtime of its own: every connection it accepts is
/// handed to `serve`. Stopped when dropped.
pub struct Relay {
    pub port: u16,
    rt: Option<tokio::runtime::Runtime>,
}

impl Relay {
    pub fn start<F, Fut>(serve: F) -> Relay
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (rt, std_listener, port) = super::proxy::runtime_and_port();
        std_listener.set_nonblocking(true).unwrap_or_else(|e| panic!("non-blocking listener: {e}"));
        rt.spawn(async move {
            let listener = TcpListener::from_std(std_listener).unwrap_or_else(|e| panic!("a tokio listener: {e}"));
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client));
            }
        });
        Relay { port, rt: Some(rt) }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// One HTTP request as read from the client.
pub struct Request {
    pub head: String,
    pub body: Vec<u8>,
}

impl Request {
    pub fn method_path(&self) -> (&str, &str) {
        let mut first = self.head.lines().next().unwrap_or_default().split(' ');
        (first.next().unwrap_or_default(), first.next().unwrap_or_default())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Reads one request: the head, then a `Content-Length` or chunked body (kept as sent, decoded).
pub async fn read_request(client: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut request = Request { head, body: Vec::new() };
    let mut rest = buf[head_end..].to_vec();
    if let Some(len) = request.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while rest.len() < len {
            let n = client.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        rest.truncate(len);
    } else if request.header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        while find(&rest, b"0\r\n\r\n").is_none() {
            let n = client.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            rest.extend_from_slice(&chunk[..n]);
        }
        // Forwarded de-chunked with a length: moto reads either.
        rest = dechunk(&rest);
        let head: Vec<&str> = request
            .head
            .trim_end()
            .lines()
            .filter(|l| !l.to_ascii_lowercase().starts_with("transfer-encoding:"))
            .collect();
        request.head = format!("{}\r\nContent-Length: {}\r\n\r\n", head.join("\r\n"), rest.len());
    }
    request.body = rest;
    Some(request)
}

/// Sends the request to moto with `Connection: close` and returns the whole response, with
/// `Connection: close` for the client too.
pub async fn forward(r: &Request, target: SocketAddr) -> Option<Vec<u8>> {
    let head: Vec<&str> =
        r.head.trim_end().lines().filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect();
    let mut out = format!("{}\r\nConnection: close\r\n\r\n", head.join("\r\n")).into_bytes();
    out.extend_from_slice(&r.body);
    let mut server = TcpStream::connect(target).await.ok()?;
    server.write_all(&out).await.ok()?;
    let mut response = Vec::new();
    server.read_to_end(&mut response).await.ok()?;
    let head_end = find(&response, b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&response[..head_end]).into_owned();
    let head: Vec<&str> =
        head.trim_end().lines().filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect();
    let mut fixed = format!("{}\r\nConnection: close\r\n\r\n", head.join("\r\n")).into_bytes();
    fixed.extend_from_slice(&response[head_end..]);
    Some(fixed)
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = find(raw, b"\r\n") {
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        let end = (start + size).min(raw.len());
        out.extend_from_slice(&raw[start..end]);
        raw = raw.get(end + 2..).unwrap_or_default();
    }
    out
}
