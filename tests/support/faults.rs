//! Seeded fault injection: one seed per test run, printed, so that a failing trial can be
//! replayed with `IP_FAULT_SEED=...`; the number of trials scales with `IP_FAULT_TRIALS`.

use rand::SeedableRng;
use rand::rngs::SmallRng;

/// `IP_FAULT_SEED`, else a fresh one; printed either way (nextest shows it when a test fails).
pub fn seed(test: &str) -> u64 {
    let seed = match std::env::var("IP_FAULT_SEED") {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("IP_FAULT_SEED={v:?} is not a whole number")),
        Err(_) => rand::random(),
    };
    eprintln!("{test}: IP_FAULT_SEED={seed}");
    seed
}

/// A generator for one test, derived from the run's seed and the test's name (so tests that
/// share a seed do not share their random choices).
pub fn rng(test: &str) -> (u64, SmallRng) {
    let seed = seed(test);
    let salt = test.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    (seed, SmallRng::seed_from_u64(seed ^ salt))
}

/// `IP_FAULT_TRIALS` (the total across the tests that share it), else `default`.
pub fn trials(default: u32) -> u32 {
    match std::env::var("IP_FAULT_TRIALS") {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| panic!("IP_FAULT_TRIALS={v:?} is not a whole number")),
        Err(_) => default,
    }
}
