//! Wrappers of the needs job ([`crate::jobs::needs`]) and of the disclosure
//! rule ([`crate::privacy`]).

use super::error::IntoPyResult;
use super::options::{contained, run_job};
use crate::jobs::{run_needs, NeedsOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Needs analysis from anonymised request records; writes the `needs_*`
/// layers when `output` is given. Options: see `job_specs()` ("needs").
#[pyfunction]
#[pyo3(signature = (requests, services, demand, *, progress=None, **options))]
pub fn needs<'py>(
    py: Python<'py>,
    requests: Bound<'py, PyAny>,
    services: Bound<'py, PyAny>,
    demand: Bound<'py, PyAny>,
    progress: Option<Bound<'py, PyAny>>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let named = [("requests", Some(&requests)), ("services", Some(&services)), ("demand", Some(&demand))];
    run_job::<NeedsOptions, _>(py, &named, options, progress, |o, n, p| run_needs(o, n, p, None))
}

/// The disclosure rule on a table of counts: returns `(counts, suppressed)`,
/// both `rows + 1` lists of `columns + 1` (the last column the row totals,
/// the last row the column totals). Counts above zero and below `k` are
/// suppressed, then whatever the totals would give back.
#[pyfunction]
#[pyo3(signature = (cells, k=10.0))]
pub fn protect_table(py: Python<'_>, cells: Vec<Vec<f64>>, k: f64) -> PyResult<(Vec<Vec<f64>>, Vec<Vec<bool>>)> {
    let columns = cells.first().map_or(0, Vec::len);
    if cells.iter().any(|row| row.len() != columns) {
        return Err(super::error::parameter("cells", "every row must have the same number of counts"));
    }
    if cells.iter().flatten().any(|v| !v.is_finite() || *v < 0.0) || !(k.is_finite() && k >= 1.0) {
        return Err(super::error::parameter("cells", "counts must be finite and >= 0, and k a number >= 1"));
    }
    let table = contained(|| Ok(crate::privacy::protect_table(&cells, k, &[]))).py_err(py)?;
    Ok((table.counts, table.suppressed))
}
