//! One file per subcommand.

pub mod history;
pub mod run;
pub mod seed;
