//! Wrappers of the accessibility job ([`crate::jobs::accessibility`]) and of
//! [`crate::accessibility`] over a cost table.

use super::error::IntoPyResult;
use super::options::{options, run_job};
use crate::accessibility::{accessibility, Catchment, CostMatrix};
use crate::jobs::{run_accessibility, AccessibilityOptions, IndexOptions};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::borrow::Cow;

/// An accessibility index over a cost table: per-pair arrays of demand index,
/// service index and cost (seconds); supply per service, demand per unit.
/// Returns `{"access": A_i, "ratio": R_j}`.
/// Index options (method, catchment_minutes, e2sfca_steps, decay, decay_minutes,
/// decay_exponent) as for the accessibility job.
#[pyfunction]
#[pyo3(signature = (demand_index, service_index, cost_s, supply, demand, **options))]
pub fn accessibility_arrays<'py>(
    py: Python<'py>,
    demand_index: PyReadonlyArray1<'_, i64>,
    service_index: PyReadonlyArray1<'_, i64>,
    cost_s: PyReadonlyArray1<'_, f64>,
    supply: PyReadonlyArray1<'_, f64>,
    demand: PyReadonlyArray1<'_, f64>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (index, _) = self::options::<IndexOptions>(py, &[], options.as_ref())?;
    let (i, j, c) = (contiguous(&demand_index), contiguous(&service_index), contiguous(&cost_s));
    let (supply, demand) = (contiguous(&supply), contiguous(&demand));
    let method = index.method().py_err(py)?;
    // the columns are checked, then read in place, with the GIL released
    let result = super::options::detached(py, || -> crate::Result<_> {
        let matrix = CostMatrix::from_columns(demand.len(), supply.len(), &i, &j, &c)?;
        accessibility(&matrix, &supply, &demand, &method, index.catchment_s())
    });
    // straight into numpy arrays: the generic report goes through Python lists
    let Catchment { access, ratio } = result?;
    let arrays = PyDict::new(py);
    arrays.set_item("access", access.into_pyarray(py))?;
    arrays.set_item("ratio", ratio.into_pyarray(py))?;
    Ok(arrays.into_any())
}

/// An array's elements, copied only when they are not contiguous.
pub(super) fn contiguous<'a, T: numpy::Element + Copy>(array: &'a PyReadonlyArray1<'_, T>) -> Cow<'a, [T]> {
    array.as_slice().map_or_else(|_| Cow::Owned(array.as_array().to_vec()), Cow::Borrowed)
}

/// Accessibility and service gaps per category, from files; writes the
/// layers `accessibility` and `gaps_by_zone` when `output` is given.
/// Options: see `job_specs()` ("accessibility").
#[pyfunction]
#[pyo3(signature = (services, demand, population_field=None, *, progress=None, **options))]
pub fn accessibility_job<'py>(
    py: Python<'py>,
    services: Bound<'py, PyAny>,
    demand: Bound<'py, PyAny>,
    population_field: Option<Bound<'py, PyAny>>,
    progress: Option<Bound<'py, PyAny>>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let named =
        [("services", Some(&services)), ("demand", Some(&demand)), ("population_field", population_field.as_ref())];
    run_job::<AccessibilityOptions, _>(py, &named, options, progress, |o, n, p| run_accessibility(o, n, p, None))
}
