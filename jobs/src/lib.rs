//! Jobs: the Job trait, the run context, the process catalog (the reference jobs and their
//! specs), windows and object stores. The runner owns everything around a job (lease, ledger, deadline,
//! signals, exit codes); this crate owns what a job does with one window.

pub mod catalog;
pub mod collections;
pub mod context;
pub mod csv_safe;
pub mod dispatch;
pub mod error;
pub mod error_text;
pub mod indexes;
pub mod job;
pub mod process;
pub mod reading;
pub mod retention;
pub mod retry;
pub mod seed;
pub mod spec;
pub mod store;
pub mod task_env;
pub mod window;

pub use context::{JobContext, JobSettings};
pub use dispatch::run_job;
pub use error::JobError;
pub use job::{Job, JobReport};
pub use process::{Process, UnknownProcess};
pub use retry::RetryPolicy;
pub use spec::ProcessSpec;
pub use store::{ObjectStore, OutputUrl};
pub use window::{Cadence, Window, Windowing};
