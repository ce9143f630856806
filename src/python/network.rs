//! Wrapper of [`crate::network`]: build, save, open, inspect and search.

use super::error::{parameter, IntoPyResult};
use super::index::points;
use crate::cost::Mode;
use crate::network::{times_to_all, BuildOptions, LineFields, ModeGraph, Snapper, Start};
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
    /// Builds from an OSM PBF file or any OGR line layer.
    #[staticmethod]
    #[pyo3(signature = (path, *, working_epsg=None, speed_field=None, oneway_field=None, modes_field=None, tolerance_m=1.0))]
    fn build(
        py: Python<'_>,
        path: PathBuf,
        working_epsg: Option<u32>,
        speed_field: Option<String>,
        oneway_field: Option<String>,
        modes_field: Option<String>,
        tolerance_m: f64,
    ) -> PyResult<Self> {
        if !(tolerance_m.is_finite() && tolerance_m > 0.0) {
            return Err(parameter("tolerance_m", "must be a positive distance"));
        }
        let options = BuildOptions {
            working_epsg,
            fields: LineFields { speed_km_h: speed_field, oneway: oneway_field, modes: modes_field },
            tolerance_m,
            ..Default::default()
        };
        let network = crate::network::Network::build(&path, &options).py_err(py)?;
        Ok(Network { inner: Arc::new(network) })
    }

    /// Opens a saved network, rebuilding it when its source file changed;
    /// returns `(network, rebuilt)`.
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<(Self, bool)> {
        let (network, rebuilt) = crate::network::Network::open(&path).py_err(py)?;
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
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("source", &self.inner.source.path)?;
        d.set_item("source_bytes", self.inner.source.bytes)?;
        d.set_item("epsg", self.inner.epsg)?;
        let modes = PyDict::new(py);
        for m in &self.inner.modes {
            let g = &m.graph;
            let mode = PyDict::new(py);
            mode.set_item("nodes", g.node_count())?;
            mode.set_item("edges", g.edge_count())?;
            mode.set_item("length_m", g.links.iter().map(|l| l.length_m).sum::<f64>())?;
            mode.set_item("islands_dropped", m.islands.count)?;
            mode.set_item("island_nodes_dropped", m.islands.nodes)?;
            mode.set_item("island_length_m_dropped", m.islands.length_m)?;
            modes.set_item(m.mode.as_str(), mode)?;
        }
        d.set_item("modes", modes)?;
        Ok(d)
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
        let g = &self.graph(py, mode)?.graph;
        let snapper = Snapper::new(g);
        let snaps: Vec<_> = points(&xy, "xy")?.into_iter().map(|p| snapper.snap(p, max_snap_m)).collect();
        let d = PyDict::new(py);
        d.set_item("link", snaps.iter().map(|s| s.map_or(-1, |s| i64::from(s.link))).collect::<Vec<_>>().into_pyarray(py))?;
        d.set_item("fraction", snaps.iter().map(|s| s.map_or(f64::NAN, |s| s.fraction)).collect::<Vec<_>>().into_pyarray(py))?;
        d.set_item("distance_m", snaps.iter().map(|s| s.map_or(f64::INFINITY, |s| s.distance_m)).collect::<Vec<_>>().into_pyarray(py))?;
        let flat: Vec<f64> = snaps.iter().flat_map(|s| s.map_or([f64::NAN; 2], |s| s.point)).collect();
        d.set_item("xy", Array2::from_shape_vec((snaps.len(), 2), flat).expect("n x 2").into_pyarray(py))?;
        Ok(d)
    }
}
