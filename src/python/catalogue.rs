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

/// What a catalogue layer holds: its fields in order, the values of
/// `operator_kind` and `wheelchair`, and the language codes it accepts.
#[pyfunction]
pub fn catalogue_schema(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    use crate::catalogue::{OperatorKind, Wheelchair};
    let d = PyDict::new(py);
    d.set_item("fields", crate::catalogue::FIELDS)?;
    d.set_item("operator_kind", OperatorKind::ALL.map(OperatorKind::as_str))?;
    d.set_item("wheelchair", Wheelchair::ALL.map(Wheelchair::as_str))?;
    d.set_item("languages", crate::catalogue::language_codes().collect::<Vec<_>>())?;
    Ok(d)
}

/// Why one `opening_hours` value does not parse, or None when it does (an
/// empty value does: the field is optional).
#[pyfunction]
pub fn opening_hours_problem(opening_hours: &str) -> Option<String> {
    crate::opening_text::problem(opening_hours)
}

/// The week of `week_of` (`YYYY-MM-DD`, default today) of these
/// `opening_hours` in words in `language` (it, en, fr, ar, bn, uk, zh).
/// Raises InputError on an unparsable value, date or unknown language.
#[pyfunction]
#[pyo3(signature = (opening_hours, language, week_of=None))]
pub fn opening_hours_text(
    py: Python<'_>,
    opening_hours: &str,
    language: &str,
    week_of: Option<&str>,
) -> PyResult<String> {
    let week_of = match week_of {
        Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|e| super::error::parameter("week_of", format!("'{text}' is not YYYY-MM-DD ({e})")))?,
        None => crate::opening::today(),
    };
    crate::opening_text::describe(opening_hours, language, week_of).py_err(py)
}
