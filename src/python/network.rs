//! Wrapper of [`crate::network`]: build, save, open, inspect and search.

use super::error::{parameter, IntoPyResult};
use super::index::points;
use crate::cost::Mode;
use crate::jobs::network::{run_network_build, NetworkBuildOptions, NetworkInfo};
use crate::network::{times_to_all, ModeGraph, Start};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::sync::Arc;

/// A road network: one directed graph per mode (walk, bike, car), in a metric CRS.
#[pyclass(module = "capacitymetro._core", frozen)]
pub struct Network {
    pub inner: Arc<crate::network::Network>,
}

impl Network {
    fn graph(&self, py: Python<'_>, mode: &str) -> PyResult<&ModeGraph> {
        let mode: Mode = mode.parse().py_err(py)?;
        self.inner.mode(mode).py_err(py)
    }
}

#[pymethods]
impl Network {
    /// Builds from an OSM PBF file or any OGR line layer. Options: see
    /// `job_specs()` ("network_build"), less `output`.
    #[staticmethod]
    #[pyo3(signature = (source, **options))]
    fn build(py: Python<'_>, source: Bound<'_, PyAny>, options: Option<Bound<'_, PyDict>>) -> PyResult<Self> {
        let keywords = options.unwrap_or_else(|| PyDict::new(py));
        keywords.set_item("output", "unused.cmnet")?;
        let (options, _) =
            super::options::options::<NetworkBuildOptions>(py, &[("source", Some(&source))], Some(&keywords))?;
        let source = options.source.clone().unwrap_or_default();
        let network =
            super::options::detached(py, || crate::network::Network::build(&source, &options.build_options()))?;
        Ok(Network { inner: Arc::new(network) })
    }

    /// Opens a saved network, rebuilding it when its source file changed;
    /// returns `(network, rebuilt)`.
    /// A .cmnet file opens (rebuilt when its source changed); a .pbf or a
    /// line layer is built in memory with the default options.
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<(Self, bool)> {
        let (network, rebuilt) = super::options::detached(py, || crate::jobs::network::open_network(&path))?;
        Ok((Network { inner: Arc::new(network) }, rebuilt))
    }

    /// Saves to a file (written to a temporary file, then moved into place).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        self.inner.save(&path).py_err(py)
    }

    /// The working CRS's EPSG code.
    #[getter]
    fn epsg(&self) -> u32 {
        self.inner.epsg
    }

    /// Source, CRS and, per mode, nodes, edges, length (m) and islands dropped.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        super::options::report(py, &NetworkInfo::of(&self.inner))
    }

    /// Node coordinates of a mode's graph, (n, 2), metres.
    fn nodes_xy<'py>(&self, py: Python<'py>, mode: &str) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let g = &self.graph(py, mode)?.graph;
        let flat: Vec<f64> = g.xy.iter().flatten().copied().collect();
        Ok(Array2::from_shape_vec((g.node_count(), 2), flat).expect("n x 2").into_pyarray(py))
    }

    /// The edge list of a mode: dict of arrays `source`, `target`, `time_s`, `length_m`.
    fn edges<'py>(&self, py: Python<'py>, mode: &str) -> PyResult<Bound<'py, PyDict>> {
        let g = &self.graph(py, mode)?.graph;
        let d = PyDict::new(py);
        let sources: Vec<i64> = g.edge_sources().into_iter().map(i64::from).collect();
        let targets: Vec<i64> = g.targets.iter().map(|&t| i64::from(t)).collect();
        d.set_item("source", sources.into_pyarray(py))?;
        d.set_item("target", targets.into_pyarray(py))?;
        d.set_item("time_s", g.time_s.clone().into_pyarray(py))?;
        d.set_item("length_m", g.length_m.clone().into_pyarray(py))?;
        Ok(d)
    }

    /// Travel time from the nearest of the `sources` nodes to every node
    /// (seconds; inf beyond `cutoff_s`), and which source (-1 when none).
    /// With `reverse`, the time from every node to its nearest source.
    #[pyo3(signature = (mode, sources, *, cutoff_s=f64::INFINITY, reverse=false))]
    fn node_times<'py>(
        &self,
        py: Python<'py>,
        mode: &str,
        sources: Vec<u32>,
        cutoff_s: f64,
        reverse: bool,
    ) -> PyResult<(Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<i64>>)> {
        let mode_graph = self.graph(py, mode)?;
        let g = &mode_graph.graph;
        if let Some(bad) = sources.iter().find(|&&s| s as usize >= g.node_count()) {
            return Err(parameter("sources", format!("node {bad} does not exist ({} nodes)", g.node_count())));
        }
        let starts: Vec<Start> = sources.iter().map(|&node| Start { node, time_s: 0.0, length_m: 0.0 }).collect();
        let graph = if reverse { mode_graph.reversed() } else { g };
        let (times, nearest) = times_to_all(graph, &starts, cutoff_s);
        Ok((times.into_pyarray(py), nearest.into_pyarray(py)))
    }

    /// Where points join a mode's network: arrays `link`, `fraction`,
    /// `distance_m` and `xy` (link -1 beyond `max_snap_m`).
    #[pyo3(signature = (mode, xy, max_snap_m=500.0))]
    fn snap<'py>(
        &self,
        py: Python<'py>,
        mode: &str,
        xy: PyReadonlyArray2<'_, f64>,
        max_snap_m: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let snapper = self.graph(py, mode)?.snapper();
        let snaps: Vec<_> = points(&xy, "xy")?.into_iter().map(|p| snapper.snap(p, max_snap_m)).collect();
        let d = PyDict::new(py);
        d.set_item(
            "link",
            snaps.iter().map(|s| s.map_or(-1, |s| i64::from(s.link))).collect::<Vec<_>>().into_pyarray(py),
        )?;
        d.set_item(
            "fraction",
            snaps.iter().map(|s| s.map_or(f64::NAN, |s| s.fraction)).collect::<Vec<_>>().into_pyarray(py),
        )?;
        d.set_item(
            "distance_m",
            snaps.iter().map(|s| s.map_or(f64::INFINITY, |s| s.distance_m)).collect::<Vec<_>>().into_pyarray(py),
        )?;
        let flat: Vec<f64> = snaps.iter().flat_map(|s| s.map_or([f64::NAN; 2], |s| s.point)).collect();
        d.set_item("xy", Array2::from_shape_vec((snaps.len(), 2), flat).expect("n x 2").into_pyarray(py))?;
        Ok(d)
    }
}

/// Builds and saves a network unless the output already holds one built the
/// same way from the same, unchanged source. Returns `{"status": "built" |
/// "rebuilt" | "up_to_date", "info": {...}}`. Options: see `job_specs()`
/// ("network_build").
#[pyfunction]
#[pyo3(signature = (source, output, **options))]
pub fn build_network<'py>(
    py: Python<'py>,
    source: Bound<'py, PyAny>,
    output: Bound<'py, PyAny>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let named = [("source", Some(&source)), ("output", Some(&output))];
    let (options, _) = super::options::options::<NetworkBuildOptions>(py, &named, options.as_ref())?;
    let built = super::options::detached(py, || run_network_build(&options))?;
    super::options::report(py, &built)
}
