//! Wrappers of [`crate::catalogue`] and service reading.

use super::error::IntoPyResult;
use crate::catalogue::Service;
use crate::io::{read_services, LayerSource};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The category vocabulary: a list of dicts with id, colour, marker, labels.
#[pyfunction]
pub fn vocabulary(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyDict>>> {
    crate::catalogue::vocabulary()
        .categories
        .iter()
        .map(|c| {
            let d = PyDict::new(py);
            d.set_item("id", &c.id)?;
            d.set_item("colour", &c.colour)?;
            d.set_item("marker", &c.marker)?;
            d.set_item("labels", &c.labels)?;
            Ok(d)
        })
        .collect()
}

pub fn service_dict<'py>(py: Python<'py>, s: &Service) -> PyResult<Bound<'py, PyDict>> {
    let vocabulary = crate::catalogue::vocabulary();
    let d = PyDict::new(py);
    d.set_item("id", &s.id)?;
    d.set_item("name", &s.name)?;
    d.set_item("operator", &s.operator)?;
    d.set_item("operator_kind", s.operator_kind.map(|k| k.as_str()))?;
    let categories: Vec<&str> = s.categories.indices().map(|i| vocabulary.categories[i].id.as_str()).collect();
    d.set_item("categories", categories)?;
    d.set_item("languages", &s.languages)?;
    d.set_item("opening_hours", &s.opening_hours)?;
    d.set_item("address", &s.address)?;
    d.set_item("municipality_istat", &s.municipality_istat)?;
    d.set_item("phone", &s.phone)?;
    d.set_item("email", &s.email)?;
    d.set_item("website", &s.website)?;
    d.set_item("appointment_required", s.appointment_required)?;
    d.set_item("capacity", s.capacity)?;
    d.set_item("updated_at", &s.updated_at)?;
    d.set_item("x", s.x)?;
    d.set_item("y", s.y)?;
    Ok(d)
}

/// Reads and validates a catalogue; returns `(services, working_epsg)`.
#[pyfunction]
#[pyo3(signature = (path, layer=None, working_epsg=None))]
pub fn validate_catalogue<'py>(
    py: Python<'py>,
    path: std::path::PathBuf,
    layer: Option<&str>,
    working_epsg: Option<u32>,
) -> PyResult<(Vec<Bound<'py, PyDict>>, u32)> {
    let (services, working) = read_services(&LayerSource::new(path, layer), working_epsg).py_err(py)?;
    let dicts = services.iter().map(|s| service_dict(py, s)).collect::<PyResult<_>>()?;
    Ok((dicts, working.epsg))
}
