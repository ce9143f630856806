//! Wrappers of the accessibility job ([`crate::jobs::accessibility`]) and of
//! [`crate::accessibility`] over a cost table.

use super::error::{parameter, IntoPyResult};
use super::options::{options, report, run_job};
use crate::accessibility::{accessibility, CostMatrix, Pair};
use crate::jobs::{run_accessibility, AccessibilityOptions, IndexOptions};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::PyDict;

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
    let (i, j, c) = (demand_index.as_array(), service_index.as_array(), cost_s.as_array());
    if i.len() != j.len() || i.len() != c.len() {
        return Err(parameter("cost_s", "demand_index, service_index and cost_s must have the same length"));
    }
    if i.iter().chain(j.iter()).any(|v| *v < 0 || *v > u32::MAX as i64) {
        return Err(parameter("demand_index", "indices must be >= 0"));
    }
    let pairs = (0..i.len()).map(|k| Pair { demand: i[k] as u32, service: j[k] as u32, cost_s: c[k] }).collect();
    let supply = supply.as_array().to_vec();
    let demand = demand.as_array().to_vec();
    let method = index.method().py_err(py)?;
    let result = super::options::detached(py, || -> crate::Result<_> {
        let matrix = CostMatrix::new(demand.len(), supply.len(), pairs)?;
        accessibility(&matrix, &supply, &demand, &method, index.catchment_s())
    });
    report(py, &result?)
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
    run_job::<AccessibilityOptions, _>(py, &named, options, progress, run_accessibility)
}
