//! Public transport: GTFS timetables (buses, trains, the Venice waterbus)
//! routed with RAPTOR, as a cost model like the others, so every analysis
//! uses it unchanged.
//!
//! Why our own RAPTOR rather than the `vulture` crate: the model needs
//! walking legs bounded by a maximum walk (nobody walks across the lagoon),
//! a walk only between rides, several feeds at once, and the feed's errors
//! mapped to messages that name the file, row and field; a plain RAPTOR over
//! our own timetable keeps those rules in one short, tested place.
//!
//! # Units
//! Seconds after midnight of the service date; metres of the working CRS.

pub mod cost;
pub mod raptor;
pub mod timetable;

pub use cost::{percentile, TransitCost, TransitSettings};
pub use timetable::{Pattern, Timetable, TransitStop};
