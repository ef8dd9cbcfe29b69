//! The process catalog: every process this binary runs, one file each with its job and its
//! [`ProcessSpec`], and the one list that names them all ([`ALL`]).
//!
//! Adding a process: write `catalog/<job>.rs` with a `Job` and a `pub const SPEC: ProcessSpec`,
//! then add its `mod` line and its entry in [`ALL`] below. Nothing else changes: the CLI, `list`,
//! the runner, `infra` (task definition, schedule, log group, IAM) and the tests iterate [`ALL`].

use crate::spec::ProcessSpec;

#[cfg(feature = "demo-job")]
pub mod demo;
pub mod estimate;
pub mod estimate_basis;
pub mod file_generation;
pub mod nightly;
pub mod usage;
pub mod usage_rollup;
pub mod usage_scan;

/// Every process, in the order `list` and `infra` show them (the reference guide's order first).
pub static ALL: &[&ProcessSpec] = &[
    &file_generation::SPEC,
    &nightly::SPEC,
    &usage_rollup::HOURLY,
    &usage_rollup::HALF_HOURLY,
    &estimate::SPEC,
    #[cfg(feature = "demo-job")]
    &demo::SPEC,
];
