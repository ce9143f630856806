//! The Python exception hierarchy, mapped from [`crate::Error`].

use crate::error::{Error, Problem};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;

pyo3::create_exception!(capacitymetro._core, CapacityMetroError, PyException, "Base of every CapaCityMetro error.");
pyo3::create_exception!(
    capacitymetro._core,
    InputError,
    CapacityMetroError,
    "Bad input: file, layer, feature, field or parameter."
);
pyo3::create_exception!(
    capacitymetro._core,
    CatalogueError,
    InputError,
    "The service catalogue has problems; see `.problems`."
);
pyo3::create_exception!(capacitymetro._core, CrsError, CapacityMetroError, "A CRS is missing, unknown or not metric.");
pyo3::create_exception!(
    capacitymetro._core,
    InternalError,
    CapacityMetroError,
    "A bug in CapaCityMetro; the message asks for a report."
);
pyo3::create_exception!(
    capacitymetro._core,
    CancelledError,
    CapacityMetroError,
    "The work was cancelled by the progress callback."
);

pyo3::create_exception!(
    capacitymetro._core,
    CapacityMetroWarning,
    pyo3::exceptions::PyUserWarning,
    "Input accepted but implausible (e.g. a place far from all the others); `strict=True` refuses it."
);

fn problem_dict<'py>(py: Python<'py>, problem: &Problem) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("layer", &problem.layer)?;
    d.set_item("feature", &problem.feature)?;
    d.set_item("field", &problem.field)?;
    d.set_item("message", &problem.message)?;
    Ok(d)
}

/// Converts a core error into the matching Python exception.
pub fn to_py(py: Python<'_>, error: Error) -> PyErr {
    let message = error.to_string();
    match error {
        Error::Catalogue(problems) | Error::Records(problems) => {
            // request records have the same shape of problems: InputError with `.problems`
            let err = if message.contains("request records") {
                InputError::new_err(message)
            } else {
                CatalogueError::new_err(message)
            };
            let list: PyResult<Vec<_>> = problems.iter().map(|p| problem_dict(py, p)).collect();
            match list.and_then(|l| err.value(py).setattr("problems", l)) {
                Ok(()) => err,
                Err(e) => e,
            }
        }
        Error::Input(problem) => {
            let err = InputError::new_err(message);
            match problem_dict(py, &problem).and_then(|d| err.value(py).setattr("problem", d)) {
                Ok(()) => err,
                Err(e) => e,
            }
        }
        Error::Io { .. } | Error::Parameter { .. } => InputError::new_err(message),
        Error::Crs(_) => CrsError::new_err(message),
        Error::Cancelled => CancelledError::new_err(message),
        Error::Internal(_) => InternalError::new_err(message),
    }
}

/// Maps a core result, for `?` in wrappers.
pub trait IntoPyResult<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for crate::error::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

/// A parameter error raised before the core is called.
pub fn parameter(name: &str, message: impl Into<String>) -> PyErr {
    InputError::new_err(Error::parameter(name, message).to_string())
}
