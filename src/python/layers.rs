//! Layers handed over in memory, both ways: into a job
//! ([`crate::memory_layer`]) and out of one ([`crate::output::LayerColumns`]),
//! geometry as WKB (e.g. `shapely.to_wkb`, `shapely.from_wkb`), attributes
//! as columns.

use super::error::parameter;
use super::options::run_job;
use crate::jobs::{
    run_accessibility, run_coverage, run_needs, run_siting, run_travel_areas, AccessibilityOptions, CoverageOptions,
    NeedsOptions, SitingOptions, TravelAreasOptions,
};
use crate::memory_layer::Column;
use crate::output::LayerColumns;
use numpy::{IntoPyArray, PyArray1};
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

/// Runs a job (`coverage`, `accessibility`, `siting`, `travel_areas`,
/// `needs`) with its options as keywords and returns `(report, layers)`:
/// its layers in memory (see [`layer_objects`]), also written to `output`
/// when that is given.
#[pyfunction]
#[pyo3(signature = (job, *, progress=None, **options))]
pub fn job_layers<'py>(
    py: Python<'py>,
    job: &str,
    progress: Option<Bound<'py, PyAny>>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyList>)> {
    let mut taken = Vec::new();
    let memory = Some(&mut taken);
    let report = match job {
        "coverage" => {
            run_job::<CoverageOptions, _>(py, &[], options, progress, |o, n, p| run_coverage(o, n, p, memory))
        }
        "accessibility" => {
            run_job::<AccessibilityOptions, _>(py, &[], options, progress, |o, n, p| run_accessibility(o, n, p, memory))
        }
        "siting" => run_job::<SitingOptions, _>(py, &[], options, progress, |o, n, p| run_siting(o, n, p, memory)),
        "travel_areas" => {
            run_job::<TravelAreasOptions, _>(py, &[], options, progress, |o, n, p| run_travel_areas(o, n, p, memory))
        }
        "needs" => run_job::<NeedsOptions, _>(py, &[], options, progress, |o, n, p| run_needs(o, n, p, memory)),
        _ => {
            Err(parameter("job", format!("'{job}' is not one of coverage, accessibility, siting, travel_areas, needs")))
        }
    }?;
    Ok((report, layer_objects(py, taken)?))
}

/// Per layer a dict: `name`; `crs` (`EPSG:n`) and `wkb` (bytes or None per
/// row), both None for a table without geometry; `columns` (name -> values:
/// real numbers as a float64 array, NaN for null; integers as an int64
/// array, or a float64 one with NaN when some are null; text as an object
/// array of str or None: as GDAL's readers give them to pandas).
fn layer_objects(py: Python<'_>, layers: Vec<LayerColumns>) -> PyResult<Bound<'_, PyList>> {
    let objects = PyList::empty(py);
    for layer in layers {
        let object = PyDict::new(py);
        object.set_item("name", &layer.name)?;
        object.set_item("crs", layer.wkb.as_ref().map(|_| format!("EPSG:{}", layer.epsg)))?;
        let wkb =
            layer.wkb.map(|rows| rows.iter().map(|g| g.as_ref().map(|b| PyBytes::new(py, b))).collect::<Vec<_>>());
        object.set_item("wkb", wkb)?;
        let columns = PyDict::new(py);
        for (name, column) in layer.columns {
            match column {
                Column::Real(values) => columns.set_item(name, values.into_pyarray(py))?,
                Column::Integer(values) => match values.iter().copied().collect::<Option<Vec<i64>>>() {
                    Some(complete) => columns.set_item(name, complete.into_pyarray(py))?,
                    None => {
                        let real: Vec<f64> = values.iter().map(|v| v.map_or(f64::NAN, |v| v as f64)).collect();
                        columns.set_item(name, real.into_pyarray(py))?
                    }
                },
                Column::Text(values) => {
                    let objects: Vec<Py<PyAny>> =
                        values.into_iter().map(|v| Ok(v.into_pyobject(py)?.unbind())).collect::<PyResult<_>>()?;
                    columns.set_item(name, PyArray1::from_vec(py, objects))?
                }
            }
        }
        object.set_item("columns", columns)?;
        objects.append(object)?;
    }
    Ok(objects)
}
