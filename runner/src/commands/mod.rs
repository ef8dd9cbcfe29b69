//! One file per subcommand.

pub mod history;
pub mod list;
pub mod run;
pub mod seed;
pub mod status;
