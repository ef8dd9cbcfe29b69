//! The five reference jobs (DESIGN §5), one file each, plus the aggregation they share.

pub mod estimate;
pub mod file_generation;
pub mod nightly;
pub mod usage;
pub mod usage_rollup;

pub use estimate::EstimateMissingReadings;
pub use file_generation::FileGeneration;
pub use nightly::NightlyRollupAndRetention;
pub use usage_rollup::UsageRollup;
