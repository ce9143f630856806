//! The Python extension `capacitymetro._core`: thin wrappers, one file per
//! core module. No analysis logic lives here.

mod accessibility;
mod catalogue;
mod error;
mod index;
mod job;
mod network;
mod progress;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CapacityMetroError", py.get_type::<error::CapacityMetroError>())?;
    m.add("InputError", py.get_type::<error::InputError>())?;
    m.add("CatalogueError", py.get_type::<error::CatalogueError>())?;
    m.add("CrsError", py.get_type::<error::CrsError>())?;
    m.add("CancelledError", py.get_type::<error::CancelledError>())?;
    m.add_function(wrap_pyfunction!(catalogue::vocabulary, m)?)?;
    m.add_function(wrap_pyfunction!(catalogue::validate_catalogue, m)?)?;
    m.add_class::<index::FacilityIndex>()?;
    m.add_function(wrap_pyfunction!(job::coverage_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(job::run_coverage, m)?)?;
    m.add_function(wrap_pyfunction!(job::default_speed_m_s, m)?)?;
    m.add_class::<network::Network>()?;
    m.add_function(wrap_pyfunction!(job::travel_areas, m)?)?;
    m.add_function(wrap_pyfunction!(accessibility::accessibility_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(accessibility::run_accessibility, m)?)?;
    m.add_function(wrap_pyfunction!(accessibility::suggest_sites, m)?)?;
    Ok(())
}
