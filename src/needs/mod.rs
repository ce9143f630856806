//! Needs analysis from the desks' own anonymised request records.

pub mod analysis;
pub mod records;

pub use analysis::{analyse, DecayFit, Needs, Settings, Times, Zones};
pub use records::{read_requests, today, Outcome, Requests, FIELDS, NATIONALITY_GROUPS};
