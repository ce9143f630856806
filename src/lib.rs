//! # CapaCityMetro core
//!
//! Where migrants in the Metropolitan City of Venice can reach the services
//! that help them settle, and how quickly: a service catalogue, a facility
//! index, cost models and coverage analyses, reading and writing any OGR
//! format. The Python bindings (feature `python`) live in `src/python/` and
//! hold no analysis logic.
//!
//! # Units
//! Metres and seconds throughout; coordinates in the working CRS (a
//! projected CRS in metres, by default the UTM zone of the data).

pub mod accessibility;
pub mod catalogue;
pub mod cost;
pub mod coverage;
pub mod crs;
pub mod error;
pub mod gaps;
pub mod index;
pub mod io;
pub mod job;
pub mod network;
pub mod planning;
pub mod progress;
pub mod siting;
pub mod styles;
pub mod travel_areas;

#[cfg(feature = "python")]
mod python;

pub use catalogue::{validate, vocabulary, CategorySet, OperatorKind, RawFeature, Service, Vocabulary};
pub use cost::{CostModel, Mode, Reach, ServiceCosts, StraightLine};
pub use coverage::{coverage, population_summary, CategoryCoverage, CoverageOptions, PopulationSummary, UnitCoverage};
pub use crs::{Transformer, WorkingCrs};
pub use error::{Error, Problem, Result};
pub use index::{FacilityIndex, Found};
pub use io::{read_demand, read_layer, read_services, write_geopackage, DemandFields, LayerSource};
pub use network::{BuildOptions, Network, NetworkCost};
pub use job::{run_coverage, CoverageJob, CoverageReport, Zones};
pub use progress::{Progress, Silent};
