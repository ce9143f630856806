//! The `matrix` option given as arrays, a data frame or a Parquet file:
//! turned into a [`MatrixTable`] held in memory for the job
//! ([`crate::travel_matrix`]); a CSV path goes to the core as it is.

use super::error::{parameter, IntoPyResult};
use crate::travel_matrix::{hold, HeldMatrix, MatrixTable, COST, DESTINATION_ID, ORIGIN_ID};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// Ids as text: whole numbers without a decimal point (`7.0` is `7`), so
/// that they match ids read from files; a missing id (None, NaN) is empty.
fn ids(py: Python<'_>, source: &str, name: &str, column: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let numpy = py.import("numpy")?;
    let array = numpy.call_method1("asarray", (column,))?;
    let kind: String = array.getattr("dtype")?.getattr("kind")?.extract()?;
    match kind.as_str() {
        "i" | "u" => {
            let values: Vec<i64> = array.call_method1("astype", ("int64",))?.call_method0("tolist")?.extract()?;
            Ok(values.iter().map(i64::to_string).collect())
        }
        "f" => {
            let values: Vec<f64> = array.call_method1("astype", ("float64",))?.call_method0("tolist")?.extract()?;
            Ok(values
                .iter()
                .map(|&x| match x {
                    x if x.is_nan() => String::new(),
                    x if x.fract() == 0.0 && x.abs() < 9.0e15 => format!("{}", x as i64),
                    x => x.to_string(),
                })
                .collect())
        }
        _ => array
            .call_method0("tolist")?
            .try_iter()?
            .map(|item| {
                let item = item?;
                if item.is_none() || item.extract::<f64>().is_ok_and(f64::is_nan) {
                    Ok(String::new())
                } else if let Ok(bytes) = item.cast::<PyBytes>() {
                    Ok(String::from_utf8_lossy(bytes.as_bytes()).into_owned())
                } else {
                    Ok(item.str()?.to_string())
                }
            })
            .collect::<PyResult<Vec<String>>>()
            .map_err(|e| parameter("matrix", format!("{source}: column '{name}' is not ids ({e})"))),
    }
}

/// A column of a mapping or data frame, or an error naming it.
fn column<'py>(source: &str, table: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    table.get_item(name).map_err(|_| {
        parameter(
            "matrix",
            format!("{source}: no column '{name}' (a matrix has the columns {ORIGIN_ID}, {DESTINATION_ID}, {COST})"),
        )
    })
}

/// The table of a mapping of columns or a data frame (pandas, or pyarrow's).
fn table_of(py: Python<'_>, source: &str, table: &Bound<'_, PyAny>) -> PyResult<MatrixTable> {
    let origin = ids(py, source, ORIGIN_ID, &column(source, table, ORIGIN_ID)?)?;
    let destination = ids(py, source, DESTINATION_ID, &column(source, table, DESTINATION_ID)?)?;
    let cost = py
        .import("numpy")?
        .call_method1("asarray", (column(source, table, COST)?, "float64"))
        .and_then(|a| a.call_method0("tolist"))
        .and_then(|l| l.extract::<Vec<f64>>())
        .map_err(|e| parameter("matrix", format!("{source}: column '{COST}' is not numbers ({e})")))?;
    MatrixTable::from_columns(source, &origin, &destination, &cost).py_err(py)
}

/// The table to hold for `value`, or `None` when the core reads it (a CSV path).
pub fn held_matrix(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Option<HeldMatrix>> {
    let is_path = value.is_instance_of::<PyString>() || value.hasattr("__fspath__")?;
    if !is_path {
        let source = "matrix (arrays)";
        return Ok(Some(hold(table_of(py, source, value)?)));
    }
    let path: String = py.import("os")?.call_method1("fspath", (value,))?.extract()?;
    let lower = path.to_lowercase();
    if !(lower.ends_with(".parquet") || lower.ends_with(".pq")) {
        return Ok(None);
    }
    if !std::path::Path::new(&path).exists() {
        return Err(super::error::to_py(py, crate::Error::io(&path, "no such file")));
    }
    let parquet = py.import("pyarrow.parquet").map_err(|_| {
        parameter(
            "matrix",
            format!("{path}: reading Parquet needs pyarrow (pip install 'capacitymetro[parquet]'), or give a CSV"),
        )
    })?;
    let table = parquet
        .call_method1("read_table", (&path,))
        .map_err(|e| super::error::to_py(py, crate::Error::io(&path, format!("not a readable Parquet file ({e})"))))?;
    let names: Vec<String> = table.getattr("column_names")?.extract()?;
    for name in [ORIGIN_ID, DESTINATION_ID, COST] {
        if !names.iter().any(|n| n == name) {
            return Err(super::error::to_py(
                py,
                crate::Error::input(
                    &path,
                    None,
                    Some(name),
                    format!("no column '{name}' (columns: {}); a matrix has the columns {ORIGIN_ID}, {DESTINATION_ID}, {COST}", names.join(", ")),
                ),
            ));
        }
    }
    // pyarrow columns become numpy arrays (ids as objects when they are text)
    let columns = pyo3::types::PyDict::new(py);
    for name in [ORIGIN_ID, DESTINATION_ID, COST] {
        columns.set_item(name, table.call_method1("column", (name,))?.call_method0("to_numpy")?)?;
    }
    Ok(Some(hold(table_of(py, &path, columns.as_any())?)))
}
