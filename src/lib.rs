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
pub mod demand;
pub mod error;
pub mod gaps;
pub mod index;
pub mod io;
pub mod jobs;
pub mod location;
pub mod memory_layer;
pub mod needs;
pub mod network;
pub mod opening;
pub mod opening_text;
pub mod output;
pub mod plausibility;
pub mod privacy;
pub mod progress;
pub mod siting;
pub mod transit;
pub mod travel_areas;
pub mod travel_matrix;
pub mod warnings;

#[cfg(feature = "python")]
mod python;

pub use catalogue::{read_services, validate, vocabulary, CategorySet, OperatorKind, RawFeature, Service, Vocabulary};
pub use cost::{CostModel, Mode, Reach, ServiceCosts, StraightLine};
pub use coverage::{coverage, population_summary, CategoryCoverage, PopulationSummary, UnitCoverage};
pub use crs::{Transformer, WorkingCrs};
pub use demand::{read_demand, Demand, DemandFields, DisplayPolygons};
pub use error::{Error, Problem, Result};
pub use index::{FacilityIndex, Found};
pub use io::{read_layer, LayerSource};
pub use jobs::{
    job_specs, run_accessibility, run_coverage, run_network_build, run_siting, run_travel_areas, AccessibilityOptions,
    CoverageOptions, JobOptions, NetworkBuildOptions, Parameter, SitingOptions, TravelAreasOptions,
};
pub use location::{Instance, LocationModel, LocationOptions, Method, Solution};
pub use network::{BuildOptions, Network, NetworkCost};
pub use output::{write_geopackage, FieldSchema, Granularity, LayerColumns, LayerSchema, OutputLayer, Role};
pub use privacy::{merged_breakdown, protect_table, Breakdown, ProtectedTable};
pub use progress::{Progress, Silent};
