//! Wrappers of the coverage job ([`crate::jobs::coverage`]) and of
//! [`crate::coverage`] over arrays.

use super::error::{parameter, IntoPyResult};
use super::index::{category_sets, points};
use super::options::{report, run_job};
use super::progress::PyProgress;
use crate::catalogue::vocabulary;
use crate::cost::CostModel;
use crate::cost::{Mode, StraightLine};
use crate::coverage::coverage as coverage_of;
use crate::index::FacilityIndex;
use crate::jobs::coverage::CategoryResult;
use crate::jobs::{run_coverage, CoverageOptions};
use numpy::PyReadonlyArray2;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::BTreeMap;

/// Coverage from files: per demand unit and category, the nearest service
/// and the services within `count_within_minutes`; writes a GeoPackage when
/// `output` is given. Options: see `job_specs()` ("coverage").
#[pyfunction]
#[pyo3(signature = (services, demand, population_field=None, *, progress=None, **options))]
pub fn coverage<'py>(
    py: Python<'py>,
    services: Bound<'py, PyAny>,
    demand: Bound<'py, PyAny>,
    population_field: Option<Bound<'py, PyAny>>,
    progress: Option<Bound<'py, PyAny>>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let named =
        [("services", Some(&services)), ("demand", Some(&demand)), ("population_field", population_field.as_ref())];
    run_job::<CoverageOptions, _>(py, &named, options, progress, |o, n, p| run_coverage(o, n, p, None))
}

/// Coverage over arrays in a metric CRS (straight-line cost model): per
/// category, arrays of nearest service (index, None when none), metres,
/// seconds, and the count within `count_within_minutes`.
#[pyfunction]
#[pyo3(signature = (demand_xy, services_xy, service_categories, *, mode=None, count_within_minutes=None,
                    categories=None, speed_m_s=None, detour_factor=None, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn coverage_arrays<'py>(
    py: Python<'py>,
    demand_xy: PyReadonlyArray2<'_, f64>,
    services_xy: PyReadonlyArray2<'_, f64>,
    service_categories: Vec<String>,
    mode: Option<&str>,
    count_within_minutes: Option<f64>,
    categories: Option<Vec<String>>,
    speed_m_s: Option<f64>,
    detour_factor: Option<f64>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let defaults = CoverageOptions::default();
    let minutes = count_within_minutes.unwrap_or(defaults.count_within_minutes);
    if !(minutes.is_finite() && minutes > 0.0) {
        return Err(parameter("count_within_minutes", format!("{minutes} is not a positive number of minutes")));
    }
    let demand = points(&demand_xy, "demand_xy")?;
    let services = points(&services_xy, "services_xy")?;
    let sets = category_sets(Some(service_categories), services.len())?;
    let index = FacilityIndex::new(services, sets).py_err(py)?;
    let mode: Mode = mode.map_or(Ok(defaults.travel.mode), str::parse).py_err(py)?;
    let mut model = StraightLine::for_mode(mode);
    model.speed_m_s = speed_m_s.unwrap_or(model.speed_m_s);
    model.detour_factor = detour_factor.unwrap_or(model.detour_factor);
    let model = model.validated().py_err(py)?;
    let categories = vocabulary().indices_of(&categories.unwrap_or_default()).py_err(py)?;
    let reporter = PyProgress::new(progress);
    let result = super::options::detached(py, || {
        let costs = model.bind(&index)?;
        coverage_of(&demand, costs.as_ref(), &categories, minutes * 60.0, &reporter)
    });
    let found = reporter.finish(result)?;
    let by_category: BTreeMap<String, CategoryResult> = found
        .iter()
        .map(|c| (vocabulary().categories[c.category].id.clone(), CategoryResult::new(c, |s| s.to_string())))
        .collect();
    report(py, &by_category)
}

/// The default straight-line speed of a mode, in metres per second.
#[pyfunction]
pub fn default_speed_m_s(py: Python<'_>, mode: &str) -> PyResult<f64> {
    Ok(StraightLine::for_mode(mode.parse().py_err(py)?).speed_m_s)
}
