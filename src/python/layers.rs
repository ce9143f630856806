//! Layers handed over in memory ([`crate::memory_layer`]): geometry as WKB
//! (e.g. `shapely.to_wkb`), attributes as columns.

use super::error::parameter;
use crate::memory_layer::Column;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

/// A column of attributes: numbers stay numbers, anything else becomes text
/// (lists are joined with `;`, as catalogue lists are written).
fn column(py: Python<'_>, name: &str, values: &Bound<'_, PyAny>) -> PyResult<Column> {
    let array = py.import("numpy")?.call_method1("asarray", (values,))?;
    let kind: String = array.getattr("dtype")?.getattr("kind")?.extract()?;
    let bad = |e: PyErr| parameter(name, format!("the column cannot be read ({e})"));
    match kind.as_str() {
        "i" | "u" | "b" => {
            let v: Vec<i64> =
                array.call_method1("astype", ("int64",))?.call_method0("tolist")?.extract().map_err(bad)?;
            Ok(Column::Integer(v.into_iter().map(Some).collect()))
        }
        "f" => Ok(Column::Real(
            array.call_method1("astype", ("float64",))?.call_method0("tolist")?.extract().map_err(bad)?,
        )),
        _ => {
            let mut text = Vec::new();
            for item in array.call_method0("tolist")?.try_iter()? {
                let item = item?;
                let missing = item.is_none() || item.extract::<f64>().is_ok_and(f64::is_nan);
                text.push(if missing {
                    None
                } else if item.is_instance_of::<PyList>() || item.is_instance_of::<PyTuple>() {
                    let parts: Vec<String> = item
                        .try_iter()?
                        .map(|p| p.and_then(|p| p.str().map(|s| s.to_string())))
                        .collect::<PyResult<_>>()?;
                    Some(parts.join(";"))
                } else if item.hasattr("isoformat")? {
                    Some(item.call_method0("isoformat")?.extract()?)
                } else {
                    Some(item.str()?.to_string())
                });
            }
            Ok(Column::Text(text))
        }
    }
}

/// A layer held in memory (GDAL's `/vsimem/`), readable by every job as a
/// file through its `path`, until `close()` (or the end of a `with` block).
#[pyclass(module = "capacitymetro._core")]
pub struct MemoryLayer {
    inner: Option<crate::memory_layer::MemoryLayer>,
}

#[pymethods]
impl MemoryLayer {
    /// The path to give as a layer option (e.g. `services=layer.path`).
    #[getter]
    fn path(&self) -> PyResult<String> {
        match &self.inner {
            Some(layer) => Ok(layer.path().display().to_string()),
            None => Err(parameter("path", "the memory layer is closed")),
        }
    }

    /// Frees the layer.
    fn close(&mut self) {
        self.inner = None;
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&mut self, _args: &Bound<'_, PyTuple>) -> bool {
        self.close();
        false
    }
}

/// A layer from WKB geometries (bytes, or None for no geometry) in `crs`
/// (`EPSG:n`, WKT or PROJ JSON) and attribute columns (a mapping of name to
/// a sequence as long as `wkb`), held in memory: give its `path` to any job.
#[pyfunction]
#[pyo3(signature = (name, crs, wkb, columns))]
pub fn memory_layer(
    py: Python<'_>,
    name: &str,
    crs: &str,
    wkb: &Bound<'_, PyAny>,
    columns: &Bound<'_, PyDict>,
) -> PyResult<MemoryLayer> {
    let mut geometries = Vec::new();
    for item in wkb.try_iter()? {
        let item = item?;
        if item.is_none() {
            geometries.push(None);
        } else {
            let bytes =
                item.cast::<PyBytes>().map_err(|_| parameter("wkb", "every geometry must be WKB bytes or None"))?;
            geometries.push(Some(bytes.as_bytes().to_vec()));
        }
    }
    let mut fields = Vec::new();
    for (key, values) in columns.iter() {
        let key: String = key.str()?.to_string();
        fields.push((key.clone(), column(py, &key, &values)?));
    }
    let layer = super::options::detached(py, || crate::memory_layer::memory_layer(name, crs, &geometries, &fields))?;
    Ok(MemoryLayer { inner: Some(layer) })
}
