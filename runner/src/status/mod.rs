//! `status`: every fire time the schedule should have produced in a period, matched to the
//! ledger. The pieces: the expected fire times ([`expected`]), the judgement of one fire time
//! ([`verdict`]) and the printed report ([`report`]); `commands::status` reads the ledger.

pub mod expected;
pub mod report;
pub mod verdict;
