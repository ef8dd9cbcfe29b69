//! Harness for end-to-end tests: run the real `intervalprocessing` binary against real local
//! servers. `scripts/test` starts a MongoDB-wire server and exports its URI; each test gets a
//! database of its own on it, and a moto server of its own (see [`moto`]).

pub mod aws_faults;
pub mod cli;
pub mod cloudwatch_cbor;
pub mod faults;
pub mod fixtures;
pub mod http_relay;
pub mod lost_completion;
pub mod mongo;
pub mod moto;
pub mod names;
pub mod own_mongo;
pub mod proxy;
pub mod s3;
pub mod slow_uploads;
pub mod spawned;
pub mod upstream;

pub use cli::{Cli, Output};
pub use mongo::TestDb;
pub use moto::Moto;
pub use names::unique_name;
pub use proxy::Proxy;
pub use spawned::{Signal, Spawned, poll};

/// Every process name in the binary's catalog (the tests build it with the demonstration process).
pub fn process_names() -> Vec<&'static str> {
    intervalprocessing_jobs::Process::all().map(|p| p.name()).collect()
}
