//! A fault-injecting TCP proxy: a loopback port that forwards to a real server (MongoDB-wire, moto)
//! and can make that server "go away" and "come back" with its state intact.
//!
//! - [`Proxy::go_down`]: stop listening (new connections are refused, as with a stopped server)
//!   and cut every open connection.
//! - [`Proxy::come_back`]: listen again on the same port.
//! - [`Proxy::go_down_on`]: go down the moment the client sends the `nth` chunk that contains a
//!   byte pattern (an S3 `partNumber=`, a MongoDB `$merge`), without forwarding that chunk: a
//!   fault at an exact point of the protocol, not after a guessed delay.
//! - [`Proxy::drop_connections_on`]: the same trigger, but only the open connections are cut (a
//!   dropped connection, a failover); the server stays up for the next connection.
//! - [`Proxy::hold_on`]: the same trigger, but that chunk is held back until [`Proxy::release`],
//!   then sent, even if its client has died meanwhile: a command that reaches the server late, after
//!   its sender was killed (what a busy server or network does to an in-flight command).
//!
//! The proxy runs on a runtime of its own, so a test that blocks on the binary cannot starve it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub struct Proxy {
    pub port: u16,
    shared: Arc<Shared>,
    rt: Option<tokio::runtime::Runtime>,
    accept: Option<JoinHandle<()>>,
}

/// Fires once, on the `nth` client chunk containing `pattern`.
struct Trigger {
    pattern: Vec<u8>,
    nth: u64,
    seen: u64,
    fault: Fault,
}

/// What a trigger does with the chunk that trips it (never forwarded at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The server goes away: listening stops, every connection is cut.
    GoDown,
    /// Only the open connections are cut.
    Drop,
    /// The chunk waits for [`Proxy::release`], then goes on.
    Hold,
}

struct Shared {
    target: SocketAddr,
    /// Cancelled to cut every connection open at that moment; replaced by a fresh one.
    cut: Mutex<CancellationToken>,
    trigger: Mutex<Option<Trigger>>,
    tripped: AtomicBool,
    /// Cancelled to close the listener (new connections are then refused).
    listening: Mutex<CancellationToken>,
    connections: AtomicU64,
    /// Cancelled by [`Proxy::release`]: a held chunk goes on.
    released: Mutex<CancellationToken>,
    /// The server sent something after [`Proxy::release`] (its answer to the held chunk).
    answered_after_release: AtomicBool,
}

impl Shared {
    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn cut_all(&self) {
        let mut cut = Self::lock(&self.cut);
        cut.cancel();
        *cut = CancellationToken::new();
    }

    /// Whether `chunk` (with the `tail` of the previous one) trips the trigger, and how.
    fn trips(&self, tail: &[u8], chunk: &[u8]) -> Option<Fault> {
        let mut guard = Self::lock(&self.trigger);
        let t = guard.as_mut()?;
        let mut window = tail.to_vec();
        window.extend_from_slice(chunk);
        if !window.windows(t.pattern.len()).any(|w| w == t.pattern.as_slice()) {
            return None;
        }
        t.seen += 1;
        if t.seen < t.nth {
            return None;
        }
        let fault = t.fault;
        *guard = None;
        self.tripped.store(true, Ordering::SeqCst);
        match fault {
            Fault::GoDown => {
                Self::lock(&self.listening).cancel();
                self.cut_all();
            }
            Fault::Drop => self.cut_all(),
            Fault::Hold => {}
        }
        Some(fault)
    }
}

impl Proxy {
    /// A proxy on a free loopback port in front of `target`, up.
    pub fn start(target: SocketAddr) -> Proxy {
        let (rt, std_listener, port) = runtime_and_port();
        let shared = Arc::new(Shared {
            target,
            cut: Mutex::new(CancellationToken::new()),
            trigger: Mutex::new(None),
            tripped: AtomicBool::new(false),
            listening: Mutex::new(CancellationToken::new()),
            connections: AtomicU64::new(0),
            released: Mutex::new(CancellationToken::new()),
            answered_after_release: AtomicBool::new(false),
        });
        let mut proxy = Proxy { port, shared, rt: Some(rt), accept: None };
        proxy.listen(std_listener);
        proxy
    }

    /// A proxy in front of the `host:port` of a `mongodb://` URI.
    pub fn for_mongodb_uri(uri: &str) -> Proxy {
        let authority = uri.trim_start_matches("mongodb://").split(['/', '?']).next().unwrap_or_default();
        let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        let target = std::net::ToSocketAddrs::to_socket_addrs(authority)
            .ok()
            .and_then(|mut a| a.next())
            .unwrap_or_else(|| panic!("cannot resolve the MongoDB address {authority:?} of {uri}"));
        Proxy::start(target)
    }

    /// `uri` with its `host:port` replaced by the proxy's.
    pub fn mongodb_uri(&self, uri: &str) -> String {
        let rest = uri.trim_start_matches("mongodb://");
        let tail = rest.find(['/', '?']).map_or("", |i| &rest[i..]);
        format!("mongodb://127.0.0.1:{}{tail}", self.port)
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// The server goes away: new connections are refused, open ones are cut.
    pub fn go_down(&mut self) {
        Shared::lock(&self.shared.listening).cancel();
        if let Some(accept) = self.accept.take() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while !accept.is_finished() {
                assert!(Instant::now() < deadline, "the proxy listener did not close");
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        self.shared.cut_all();
    }

    /// The server is back, on the same port, with whatever state it had.
    pub fn come_back(&mut self) {
        if self.accept.as_ref().is_some_and(|a| !a.is_finished()) {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match std::net::TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(l) => break l,
                Err(e) if Instant::now() < deadline => {
                    eprintln!("proxy: rebinding port {}: {e}; retrying", self.port);
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("cannot listen on port {} again: {e}", self.port),
            }
        };
        self.listen(listener);
    }

    /// Goes down the moment the client sends the `nth` chunk containing `pattern` (that chunk is
    /// not forwarded). Check [`Proxy::tripped`] or wait with [`Proxy::wait_tripped`].
    pub fn go_down_on(&self, pattern: &[u8], nth: u64) {
        self.arm(pattern, nth, Fault::GoDown);
    }

    /// Cuts every open connection the moment the client sends the `nth` chunk containing `pattern`
    /// (that chunk is not forwarded); new connections are accepted as before.
    pub fn drop_connections_on(&self, pattern: &[u8], nth: u64) {
        self.arm(pattern, nth, Fault::Drop);
    }

    /// Holds back the `nth` chunk the client sends containing `pattern` until [`Proxy::release`];
    /// the connection stays open (the client waits for its answer, or dies meanwhile).
    pub fn hold_on(&self, pattern: &[u8], nth: u64) {
        *Shared::lock(&self.shared.released) = CancellationToken::new();
        self.shared.answered_after_release.store(false, Ordering::SeqCst);
        self.arm(pattern, nth, Fault::Hold);
    }

    /// Sends the chunk [`Proxy::hold_on`] held back.
    pub fn release(&self) {
        Shared::lock(&self.shared.released).cancel();
    }

    /// Whether the server has answered since [`Proxy::release`]: the held command was executed.
    pub fn answered_after_release(&self) -> bool {
        self.shared.answered_after_release.load(Ordering::SeqCst)
    }

    fn arm(&self, pattern: &[u8], nth: u64, fault: Fault) {
        self.shared.tripped.store(false, Ordering::SeqCst);
        *Shared::lock(&self.shared.trigger) = Some(Trigger { pattern: pattern.to_vec(), nth, seen: 0, fault });
    }

    pub fn tripped(&self) -> bool {
        self.shared.tripped.load(Ordering::SeqCst)
    }

    fn listen(&mut self, std_listener: std::net::TcpListener) {
        std_listener.set_nonblocking(true).unwrap_or_else(|e| panic!("non-blocking listener: {e}"));
        let shared = self.shared.clone();
        let listening = CancellationToken::new();
        *Shared::lock(&shared.listening) = listening.clone();
        let rt = self.rt.as_ref().unwrap_or_else(|| panic!("the proxy runtime is gone"));
        self.accept = Some(rt.spawn(async move {
            let listener = TcpListener::from_std(std_listener).unwrap_or_else(|e| panic!("a tokio listener: {e}"));
            loop {
                let client = tokio::select! {
                    _ = listening.cancelled() => return,
                    accepted = listener.accept() => match accepted {
                        Ok((client, _)) => client,
                        Err(_) => continue,
                    },
                };
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let cut = Shared::lock(&shared.cut).clone();
                tokio::spawn(forward(client, shared.clone(), cut));
            }
        }));
    }
}

/// A runtime of the proxy's own and a listener on a free loopback port (for every proxy in tests/support).
pub fn runtime_and_port() -> (tokio::runtime::Runtime, std::net::TcpListener, u16) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("a runtime for the proxy: {e}"));
    let std_listener =
        std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap_or_else(|e| panic!("bind the proxy port: {e}"));
    let port = std_listener.local_addr().unwrap_or_else(|e| panic!("proxy address: {e}")).port();
    (rt, std_listener, port)
}

async fn forward(mut client: TcpStream, shared: Arc<Shared>, cut: CancellationToken) {
    let Ok(mut server) = TcpStream::connect(shared.target).await else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let upstream = async {
        let mut buf = vec![0u8; 64 * 1024];
        let mut tail: Vec<u8> = Vec::new();
        loop {
            let n = cr.read(&mut buf).await?;
            if n == 0 {
                return sw.shutdown().await;
            }
            match shared.trips(&tail, &buf[..n]) {
                None => {}
                Some(Fault::Hold) => {
                    let released = Shared::lock(&shared.released).clone();
                    released.cancelled().await;
                }
                Some(Fault::GoDown | Fault::Drop) => return Ok(()),
            }
            sw.write_all(&buf[..n]).await?;
            let keep = n.min(64);
            tail = buf[n - keep..n].to_vec();
        }
    };
    let downstream = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = sr.read(&mut buf).await?;
            if n == 0 {
                return cw.shutdown().await;
            }
            if Shared::lock(&shared.released).is_cancelled() {
                shared.answered_after_release.store(true, Ordering::SeqCst);
            }
            cw.write_all(&buf[..n]).await?;
        }
    };
    tokio::select! {
        _ = cut.cancelled() => {}
        _ = async { tokio::join!(upstream, downstream) } => {}
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.cut_all();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}
