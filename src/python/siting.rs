//! Wrapper of the siting job ([`crate::jobs::siting`]).

use super::options::run_job;
use crate::jobs::{run_siting, SitingOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// New sites for a category (MCLP, greedy with interchange), from files;
/// writes the layer `suggested_sites` when `output` is given. Options: see
/// `job_specs()` ("siting").
#[pyfunction]
#[pyo3(signature = (services, demand, population_field=None, category=None, *, progress=None, **options))]
pub fn suggest_sites<'py>(
    py: Python<'py>,
    services: Bound<'py, PyAny>,
    demand: Bound<'py, PyAny>,
    population_field: Option<Bound<'py, PyAny>>,
    category: Option<Bound<'py, PyAny>>,
    progress: Option<Bound<'py, PyAny>>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let named = [
        ("services", Some(&services)),
        ("demand", Some(&demand)),
        ("population_field", population_field.as_ref()),
        ("category", category.as_ref()),
    ];
    run_job::<SitingOptions, _>(py, &named, options, progress, |o, n, p| run_siting(o, n, p, None))
}
