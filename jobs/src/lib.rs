//! Jobs: the process catalog, windows, and the five reference jobs.

pub mod process;
pub mod window;

pub use process::{Process, UnknownProcess};
pub use window::{Cadence, Window, Windowing};
