//! Harness for end-to-end tests: run the real `intervalprocessing` binary against real local
//! servers. `scripts/test` starts a MongoDB-wire server and exports its URI; each test gets a
//! database of its own on it, and a moto server of its own (see [`moto`]).

pub mod aws_faults;
pub mod cli;
pub mod cloudwatch_cbor;
pub mod faults;
pub mod fixtures;
pub mod http_relay;
pub mod mongo;
pub mod moto;
pub mod proxy;
pub mod spawned;

pub use cli::{Cli, Output};
pub use mongo::TestDb;
pub use moto::Moto;
pub use proxy::Proxy;
pub use spawned::{Signal, Spawned, poll};

/// Every process name in the binary's catalog (the tests build it with the demonstration process).
pub fn process_names() -> Vec<&'static str> {
    intervalprocessing_jobs::Process::all().map(|p| p.name()).collect()
}

/// A name unique to this test process and call, usable as a database or bucket name.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}-{}-{n}-{nanos:x}", std::process::id())
}
