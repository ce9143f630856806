//! Keyword options into a job's options struct, reports back into Python
//! objects, and the parameter table for the CLI and the QGIS plugin.

use super::error::{parameter, IntoPyResult};
use super::network::Network;
use super::progress::PyProgress;
use crate::jobs::JobOptions;
use crate::progress::Progress;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use std::sync::Arc;

/// A keyword value as JSON: paths (`os.PathLike`, also in lists) become
/// text, numpy scalars and arrays become numbers and lists.
fn to_json(py: Python<'_>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    pythonize::depythonize(&plain(py, value)?).map_err(|e| parameter(name, e.to_string()))
}

fn plain<'py>(py: Python<'py>, value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if value.hasattr("__fspath__")? {
        return py.import("os")?.call_method1("fspath", (value,));
    }
    if value.hasattr("tolist")? {
        return value.call_method0("tolist");
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items = value.try_iter()?.map(|item| plain(py, &item?)).collect::<PyResult<Vec<_>>>()?;
        return Ok(PyList::new(py, items)?.into_any());
    }
    Ok(value.clone())
}

/// Options from keyword arguments (and named positional ones); a
/// `Network` object given as `network` is passed on as it is.
pub fn options<O: JobOptions>(
    py: Python<'_>,
    named: &[(&str, Option<&Bound<'_, PyAny>>)],
    keywords: Option<&Bound<'_, PyDict>>,
) -> PyResult<(O, Option<Arc<crate::network::Network>>)> {
    let (options, network, _held) = options_holding(py, named, keywords)?;
    Ok((options, network))
}

/// [`options`], with a `matrix` given as arrays, a data frame or a Parquet
/// file held in memory until the returned holder is dropped.
pub fn options_holding<O: JobOptions>(
    py: Python<'_>,
    named: &[(&str, Option<&Bound<'_, PyAny>>)],
    keywords: Option<&Bound<'_, PyDict>>,
) -> PyResult<(O, Option<Arc<crate::network::Network>>, Option<crate::travel_matrix::HeldMatrix>)> {
    let mut values = serde_json::Map::new();
    let mut network = None;
    let mut held = None;
    let mut put = |name: &str, value: &Bound<'_, PyAny>| -> PyResult<()> {
        if name == "network" {
            if let Ok(n) = value.cast::<Network>() {
                network = Some(n.get().inner.clone());
                return Ok(());
            }
        }
        if name == "matrix" && !value.is_none() {
            if let Some(table) = super::matrix::held_matrix(py, value)? {
                values.insert(name.to_string(), serde_json::Value::String(table.name().to_string()));
                held = Some(table);
                return Ok(());
            }
        }
        if !value.is_none() {
            values.insert(name.to_string(), to_json(py, name, value)?);
        }
        Ok(())
    };
    for (name, value) in named {
        if let Some(v) = value {
            put(name, v)?;
        }
    }
    if let Some(keywords) = keywords {
        for (key, value) in keywords.iter() {
            put(&key.extract::<String>()?, &value)?;
        }
    }
    Ok((O::from_values(&values).py_err(py)?, network, held))
}

/// A report as Python objects; lists of numbers become numpy arrays.
pub fn report<'py, R: serde::Serialize>(py: Python<'py>, report: &R) -> PyResult<Bound<'py, PyAny>> {
    let object = pythonize::pythonize(py, report).map_err(|e| parameter("report", e.to_string()))?;
    arrays(py, object)
}

fn is_number(item: &Bound<'_, PyAny>) -> bool {
    !item.is_instance_of::<pyo3::types::PyBool>()
        && (item.is_instance_of::<pyo3::types::PyFloat>() || item.is_instance_of::<pyo3::types::PyInt>())
}

fn arrays<'py>(py: Python<'py>, object: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(dict) = object.cast::<PyDict>() {
        for (key, value) in dict.iter() {
            dict.set_item(key, arrays(py, value)?)?;
        }
        return Ok(object);
    }
    if let Ok(list) = object.cast::<PyList>() {
        let numeric = |item: &Bound<'_, PyAny>| {
            is_number(item)
                || item.cast::<PyList>().is_ok_and(|l| !l.is_empty() && l.iter().all(|x| is_number(&x)))
                || item.cast::<PyTuple>().is_ok_and(|t| !t.is_empty() && t.iter().all(|x| is_number(&x)))
        };
        if !list.is_empty() && list.iter().all(|item| numeric(&item)) {
            let lengths: std::collections::HashSet<usize> = list.iter().map(|i| i.len().unwrap_or(0)).collect();
            if list.iter().all(|i| is_number(&i)) || lengths.len() == 1 {
                return py.import("numpy")?.call_method1("asarray", (list,));
            }
        }
        for i in 0..list.len() {
            list.set_item(i, arrays(py, list.get_item(i)?)?)?;
        }
        // arrays of one shape stack into one more dimension ([departure][origin][destination])
        let numpy = py.import("numpy")?;
        let ndarray = numpy.getattr("ndarray")?;
        let shapes: Vec<Bound<'py, PyAny>> = list
            .iter()
            .filter(|i| i.is_instance(&ndarray).unwrap_or(false))
            .map(|i| i.getattr("shape"))
            .collect::<PyResult<_>>()?;
        if !list.is_empty() && shapes.len() == list.len() && shapes.iter().all(|s| s.eq(&shapes[0]).unwrap_or(false)) {
            return numpy.call_method1("stack", (list,));
        }
    }
    Ok(object)
}

thread_local! {
    /// Where the last panic on this thread happened, for the bug report.
    static PANIC_AT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Keeps panics off stderr (they become an `InternalError` naming the
/// place), unless `CAPACITYMETRO_DEBUG` is set.
pub fn install_panic_hook() {
    if std::env::var_os("CAPACITYMETRO_DEBUG").is_some() {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        PANIC_AT.with(|p| *p.borrow_mut() = at);
    }));
}

/// Runs core work, turning a panic (a bug) into an error that asks for a
/// report instead of an exception outside the error hierarchy.
pub fn contained<T>(work: impl FnOnce() -> crate::Result<T>) -> crate::Result<T> {
    let _quiet = crate::io::QuietGdal::new();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = PANIC_AT.with(|p| std::mem::take(&mut *p.borrow_mut()));
        Err(crate::Error::Internal(if at.is_empty() { what } else { format!("{what} (at {at})") }))
    })
}

/// Core work with the GIL released, panics contained; the core's warnings
/// become Python warnings (`CapacityMetroWarning`).
pub fn detached<T: Send>(py: Python<'_>, work: impl FnOnce() -> crate::Result<T> + Send) -> PyResult<T> {
    let (result, warnings) = py.detach(|| {
        crate::warnings::take();
        let result = contained(work);
        (result, crate::warnings::take())
    });
    let category = py.get_type::<super::error::CapacityMetroWarning>();
    for message in warnings {
        let text = std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
        // a warnings filter set to "error" makes this the exception the caller sees
        PyErr::warn(py, &category, &text, 1)?;
    }
    result.py_err(py)
}

/// Runs a job with the GIL released; progress reports take it back.
pub fn run<'py, O, R>(
    py: Python<'py>,
    options: &O,
    network: Option<Arc<crate::network::Network>>,
    progress: Option<Bound<'py, PyAny>>,
    job: impl FnOnce(&O, Option<Arc<crate::network::Network>>, &dyn Progress) -> crate::Result<R> + Send,
) -> PyResult<Bound<'py, PyAny>>
where
    O: Sync,
    R: serde::Serialize + Send,
{
    let reporter = PyProgress::new(progress);
    let result = detached(py, || job(options, network, &reporter));
    let done = reporter.finish(result)?;
    report(py, &done)
}

/// A job from its named arguments and keywords: options checked, then run
/// with the GIL released (see [`run`]).
pub fn run_job<'py, O, R>(
    py: Python<'py>,
    named: &[(&str, Option<&Bound<'py, PyAny>>)],
    keywords: Option<Bound<'py, PyDict>>,
    progress: Option<Bound<'py, PyAny>>,
    job: impl FnOnce(&O, Option<Arc<crate::network::Network>>, &dyn Progress) -> crate::Result<R> + Send,
) -> PyResult<Bound<'py, PyAny>>
where
    O: JobOptions + Sync,
    R: serde::Serialize + Send,
{
    let (options, network, _held) = self::options_holding::<O>(py, named, keywords.as_ref())?;
    run(py, &options, network, progress, job)
}

/// Every job with its parameters (name, kind, default, unit, choices,
/// help in English and Italian), as the CLI and the QGIS plugin read them.
#[pyfunction]
pub fn job_specs(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    pythonize::pythonize(py, &crate::jobs::job_specs()).map_err(|e| parameter("job_specs", e.to_string()))
}
