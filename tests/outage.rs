//! Outages and hostile input: a fault-injecting proxy in front of the servers
//! (`support::proxy`), documents and settings no upstream system should send, and checks of what
//! the binary wrote and said.

mod bookkeeping;
mod bounds;
mod common;
mod documents;
mod late_writes;
mod mongo;
mod s3;
mod secrets;
mod server_errors;
mod settings;
