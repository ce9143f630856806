//! Wrappers of [`crate::catalogue`] and service reading.

use super::error::IntoPyResult;
use crate::catalogue::read_services;
use crate::io::LayerSource;
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

/// Reads and validates a catalogue; returns `(services, working_epsg)`.
#[pyfunction]
#[pyo3(signature = (path, layer=None, working_epsg=None))]
pub fn validate_catalogue<'py>(
    py: Python<'py>,
    path: std::path::PathBuf,
    layer: Option<&str>,
    working_epsg: Option<i64>,
) -> PyResult<(Bound<'py, PyAny>, u32)> {
    let working_epsg = working_epsg
        .map(|e| {
            u32::try_from(e)
                .ok()
                .filter(|e| *e >= 1)
                .ok_or_else(|| super::error::parameter("working_epsg", format!("{e} is not an EPSG code")))
        })
        .transpose()?;
    let (services, working, _layer) =
        super::options::detached(py, || read_services(&LayerSource::new(path, layer), working_epsg))?;
    Ok((super::options::report(py, &services)?, working.epsg))
}

/// Whether a desk with these OpenStreetMap `opening_hours` is open at a
/// wall-clock time given as `YYYY-MM-DDTHH:MM` (Europe/Rome for the
/// catalogue). Raises InputError on an unparsable value or time.
#[pyfunction]
pub fn is_open(py: Python<'_>, opening_hours: &str, local_time: &str) -> PyResult<bool> {
    let at = chrono::NaiveDateTime::parse_from_str(local_time, "%Y-%m-%dT%H:%M")
        .map_err(|e| super::error::parameter("local_time", format!("'{local_time}' is not YYYY-MM-DDTHH:MM ({e})")))?;
    crate::catalogue::is_open(opening_hours, at).py_err(py)
}
