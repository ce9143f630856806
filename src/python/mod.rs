//! The Python extension `capacitymetro._core`: thin wrappers, one file per
//! core module. No analysis logic lives here.

// pyo3 returns tuples of numpy arrays, whose types are long but plain.
#![allow(clippy::type_complexity)]

mod accessibility;
mod catalogue;
mod coverage;
mod error;
mod index;
mod layers;
mod location;
mod matrix;
mod needs;
mod network;
mod options;
mod progress;
mod siting;
mod transit;
mod travel_areas;
mod web;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    options::install_panic_hook();
    // a pending Ctrl-C or SIGTERM stops an output from replacing the previous one
    crate::progress::set_interrupt_check(|| Python::attach(|py| py.check_signals().is_err()));
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CapacityMetroError", py.get_type::<error::CapacityMetroError>())?;
    m.add("InputError", py.get_type::<error::InputError>())?;
    m.add("CatalogueError", py.get_type::<error::CatalogueError>())?;
    m.add("CrsError", py.get_type::<error::CrsError>())?;
    m.add("CancelledError", py.get_type::<error::CancelledError>())?;
    m.add("InternalError", py.get_type::<error::InternalError>())?;
    m.add("CapacityMetroWarning", py.get_type::<error::CapacityMetroWarning>())?;
    m.add_function(wrap_pyfunction!(catalogue::vocabulary, m)?)?;
    m.add_function(wrap_pyfunction!(catalogue::validate_catalogue, m)?)?;
    m.add_function(wrap_pyfunction!(catalogue::is_open, m)?)?;
    m.add_function(wrap_pyfunction!(catalogue::catalogue_schema, m)?)?;
    m.add_function(wrap_pyfunction!(catalogue::opening_hours_problem, m)?)?;
    m.add_function(wrap_pyfunction!(catalogue::opening_hours_text, m)?)?;
    m.add_function(wrap_pyfunction!(options::job_specs, m)?)?;
    m.add_class::<index::FacilityIndex>()?;
    m.add_class::<layers::MemoryLayer>()?;
    m.add_function(wrap_pyfunction!(layers::memory_layer, m)?)?;
    m.add_function(wrap_pyfunction!(layers::job_layers, m)?)?;
    m.add_function(wrap_pyfunction!(coverage::coverage, m)?)?;
    m.add_function(wrap_pyfunction!(coverage::coverage_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(coverage::default_speed_m_s, m)?)?;
    m.add_class::<network::Network>()?;
    m.add_function(wrap_pyfunction!(network::build_network, m)?)?;
    m.add_function(wrap_pyfunction!(travel_areas::travel_areas, m)?)?;
    m.add_function(wrap_pyfunction!(accessibility::accessibility_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(accessibility::accessibility_job, m)?)?;
    m.add_function(wrap_pyfunction!(siting::suggest_sites, m)?)?;
    m.add_function(wrap_pyfunction!(location::location_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(web::web_data, m)?)?;
    m.add_function(wrap_pyfunction!(transit::transit_times, m)?)?;
    m.add_function(wrap_pyfunction!(needs::needs, m)?)?;
    m.add_function(wrap_pyfunction!(needs::protect_table, m)?)?;
    Ok(())
}
