//! Wrapper of the travel-areas job ([`crate::jobs::travel_areas`]).

use super::options::run_job;
use crate::jobs::{run_travel_areas, TravelAreasOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Travel areas of the services on a network, per time band; writes the
/// layers `services` and `travel_areas` when `output` is given. Options: see
/// `job_specs()` ("travel_areas").
#[pyfunction]
#[pyo3(signature = (services, network=None, *, progress=None, **options))]
pub fn travel_areas<'py>(
    py: Python<'py>,
    services: Bound<'py, PyAny>,
    network: Option<Bound<'py, PyAny>>,
    progress: Option<Bound<'py, PyAny>>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let named = [("services", Some(&services)), ("network", network.as_ref())];
    run_job::<TravelAreasOptions, _>(py, &named, options, progress, |o, n, p| run_travel_areas(o, n, p, None))
}
