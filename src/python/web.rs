//! Wrapper of the public page's data job ([`crate::jobs::web`]).

use super::options::run_job;
use crate::jobs::{run_web_data, WebDataOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Writes the page's data (desks, places, travel-time grids, meta.json)
/// into `output_dir/data`. Options: see `job_specs()` ("web_data").
/// `capacitymetro.publish.web.publish_web` adds the privacy step and the
/// page itself.
#[pyfunction]
#[pyo3(signature = (results, output_dir, *, progress=None, **options))]
pub fn web_data<'py>(
    py: Python<'py>,
    results: Bound<'py, PyAny>,
    output_dir: Bound<'py, PyAny>,
    progress: Option<Bound<'py, PyAny>>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let named = [("results", Some(&results)), ("output_dir", Some(&output_dir))];
    run_job::<WebDataOptions, _>(py, &named, options, progress, run_web_data)
}
