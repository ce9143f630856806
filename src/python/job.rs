//! Wrappers of [`crate::coverage`] over arrays and [`crate::job`] over files.

use super::catalogue::service_dict;
use super::error::{parameter, IntoPyResult};
use super::index::{category_sets, points};
use super::network::Network;
use super::progress::PyProgress;
use crate::catalogue::vocabulary;
use crate::cost::{Mode, StraightLine};
use crate::coverage::{coverage, CategoryCoverage, CoverageOptions};
use crate::index::FacilityIndex;
use crate::io::{DemandFields, LayerSource};
use crate::job::{CoverageJob, TravelAreasJob, Zones};
use crate::travel_areas::TravelAreaOptions;
use numpy::{IntoPyArray, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

fn minutes_to_s(name: &str, minutes: f64) -> PyResult<f64> {
    if minutes.is_finite() && minutes > 0.0 {
        Ok(minutes * 60.0)
    } else {
        Err(parameter(name, format!("{minutes} is not a positive number of minutes")))
    }
}

fn model(py: Python<'_>, mode: &str, speed_m_s: Option<f64>, detour_factor: Option<f64>) -> PyResult<StraightLine> {
    let mode: Mode = mode.parse().py_err(py)?;
    let mut model = StraightLine::for_mode(mode);
    model.speed_m_s = speed_m_s.unwrap_or(model.speed_m_s);
    model.detour_factor = detour_factor.unwrap_or(model.detour_factor);
    model.validated().py_err(py)
}

/// Per category: arrays of nearest service (index, -1 when none), metres,
/// seconds, and the count within the cut-off.
fn coverage_dict<'py>(
    py: Python<'py>,
    result: &[CategoryCoverage],
    service_id: &dyn Fn(usize) -> Py<PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let vocabulary = vocabulary();
    let out = PyDict::new(py);
    for c in result {
        let d = PyDict::new(py);
        let nearest: Vec<Py<PyAny>> =
            c.units.iter().map(|u| u.nearest.map_or_else(|| py.None(), |r| service_id(r.service))).collect();
        let metres: Vec<f64> = c.units.iter().map(|u| u.nearest.map_or(f64::INFINITY, |r| r.distance_m)).collect();
        let seconds: Vec<f64> = c.units.iter().map(|u| u.nearest.map_or(f64::INFINITY, |r| r.time_s)).collect();
        let counts: Vec<i64> = c.units.iter().map(|u| u.count_within as i64).collect();
        d.set_item("nearest_service", nearest)?;
        d.set_item("nearest_distance_m", metres.into_pyarray(py))?;
        d.set_item("nearest_time_s", seconds.into_pyarray(py))?;
        d.set_item("count_within", counts.into_pyarray(py))?;
        out.set_item(&vocabulary.categories[c.category].id, d)?;
    }
    Ok(out)
}

/// The default straight-line speed of a mode, in metres per second.
#[pyfunction]
pub fn default_speed_m_s(py: Python<'_>, mode: &str) -> PyResult<f64> {
    Ok(StraightLine::for_mode(mode.parse().py_err(py)?).speed_m_s)
}

/// Coverage over arrays in a metric CRS (straight-line cost model).
#[pyfunction]
#[pyo3(signature = (demand_xy, services_xy, service_categories, *, mode="walk", minutes=30.0, categories=None,
                    speed_m_s=None, detour_factor=None, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn coverage_arrays<'py>(
    py: Python<'py>,
    demand_xy: PyReadonlyArray2<'_, f64>,
    services_xy: PyReadonlyArray2<'_, f64>,
    service_categories: Vec<String>,
    mode: &str,
    minutes: f64,
    categories: Option<Vec<String>>,
    speed_m_s: Option<f64>,
    detour_factor: Option<f64>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let demand = points(&demand_xy, "demand_xy")?;
    let services = points(&services_xy, "services_xy")?;
    let sets = category_sets(Some(service_categories), services.len())?;
    let index = FacilityIndex::new(services, sets).py_err(py)?;
    let model = model(py, mode, speed_m_s, detour_factor)?;
    let options = CoverageOptions { categories: vocabulary().indices_of(&categories.unwrap_or_default()).py_err(py)?, count_within_s: minutes_to_s("minutes", minutes)? };
    let reporter = PyProgress::new(py, progress);
    let result = coverage(&demand, &index, &model, &options, &reporter).py_err(py);
    let result = reporter.finish(result)?;
    coverage_dict(py, &result, &|i| i.into_pyobject(py).expect("int").into_any().unbind())
}

/// Coverage from files: services, demand (points or polygons with a population
/// field), optional zone polygons; writes a GeoPackage when `output` is given.
#[pyfunction]
#[pyo3(signature = (services, demand, population_field, *, services_layer=None, demand_layer=None, id_field=None,
                    name_field=None, zones=None, zones_layer=None, zones_key=None, mode="walk", minutes=30.0,
                    summary_minutes=vec![15.0, 30.0, 60.0], categories=None, working_epsg=None, output=None,
                    output_layer="coverage", network=None, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn run_coverage<'py>(
    py: Python<'py>,
    services: PathBuf,
    demand: PathBuf,
    population_field: &str,
    services_layer: Option<&str>,
    demand_layer: Option<&str>,
    id_field: Option<String>,
    name_field: Option<String>,
    zones: Option<PathBuf>,
    zones_layer: Option<&str>,
    zones_key: Option<String>,
    mode: &str,
    minutes: f64,
    summary_minutes: Vec<f64>,
    categories: Option<Vec<String>>,
    working_epsg: Option<u32>,
    output: Option<PathBuf>,
    output_layer: &str,
    network: Option<PyRef<'py, Network>>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut job = CoverageJob::new(LayerSource::new(services, services_layer), LayerSource::new(demand, demand_layer), population_field);
    job.demand_fields = DemandFields { population: population_field.to_string(), id: id_field, name: name_field };
    job.zones = match (zones, zones_key) {
        (Some(path), Some(key_field)) => Some(Zones { source: LayerSource::new(path, zones_layer), key_field }),
        (Some(_), None) => return Err(parameter("zones_key", "needed with zones: the zone field matching the demand id")),
        _ => None,
    };
    job.mode = mode.parse().py_err(py)?;
    job.categories = categories.unwrap_or_default();
    job.count_within_s = minutes_to_s("minutes", minutes)?;
    job.summary_thresholds_s = summary_minutes.iter().map(|m| minutes_to_s("summary_minutes", *m)).collect::<PyResult<_>>()?;
    job.working_epsg = working_epsg;
    job.output = output;
    job.demand_layer_name = output_layer.to_string();
    job.network = network.map(|n| n.inner.clone());
    let reporter = PyProgress::new(py, progress);
    let result = crate::job::run_coverage(&job, &reporter).py_err(py);
    let report = reporter.finish(result)?;

    let vocabulary = vocabulary();
    let out = PyDict::new(py);
    out.set_item("working_epsg", report.working_crs.epsg)?;
    out.set_item("mode", report.mode.as_str())?;
    out.set_item("minutes", report.count_within_s / 60.0)?;
    out.set_item("cost_model", if job.network.is_some() { "network" } else { "straight_line" })?;
    let unreachable: Vec<&str> = report.unreachable_services.iter().map(|&s| report.services[s].id.as_str()).collect();
    out.set_item("unreachable_services", unreachable)?;
    out.set_item("services", report.services.iter().map(|s| service_dict(py, s)).collect::<PyResult<Vec<_>>>()?)?;
    let demand = PyDict::new(py);
    demand.set_item("layer", &report.demand.layer)?;
    demand.set_item("id", &report.demand.ids)?;
    demand.set_item("name", &report.demand.names)?;
    demand.set_item("population", report.demand.population.clone().into_pyarray(py))?;
    let xy: Vec<f64> = report.demand.points.iter().flatten().copied().collect();
    demand.set_item("xy", numpy::PyArray1::from_vec(py, xy).reshape([report.demand.points.len(), 2])?)?;
    out.set_item("demand", demand)?;
    let ids: Vec<&str> = report.services.iter().map(|s| s.id.as_str()).collect();
    out.set_item("coverage", coverage_dict(py, &report.coverage, &|i| ids[i].into_pyobject(py).expect("str").into_any().unbind())?)?;
    let summary: Vec<Bound<'py, PyDict>> = report
        .summaries
        .iter()
        .map(|s| {
            let d = PyDict::new(py);
            let category = &vocabulary.categories[s.category];
            d.set_item("category", &category.id)?;
            d.set_item("labels", &category.labels)?;
            d.set_item("services", report.services.iter().filter(|x| x.categories.contains(s.category)).count())?;
            d.set_item("population_total", s.population_total)?;
            let within = PyDict::new(py);
            for (t, p) in &s.population_within {
                within.set_item(t / 60.0, p)?;
            }
            d.set_item("population_within_minutes", within)?;
            d.set_item("worst_served", s.worst_served.iter().map(|&i| i as i64).collect::<Vec<_>>())?;
            Ok(d)
        })
        .collect::<PyResult<_>>()?;
    out.set_item("summary", summary)?;
    Ok(out)
}

/// Travel areas of the services on a network, per time band (minutes);
/// writes the layers `services` and `travel_areas` when `output` is given.
#[pyfunction]
#[pyo3(signature = (services, network, *, mode="walk", minutes=vec![5.0, 10.0, 15.0, 30.0], services_layer=None,
                    categories=None, cell_m=None, off_network_m=None, max_snap_m=500.0, dissolve=false, output=None,
                    surfaces=false, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn travel_areas<'py>(
    py: Python<'py>,
    services: PathBuf,
    network: PyRef<'py, Network>,
    mode: &str,
    minutes: Vec<f64>,
    services_layer: Option<&str>,
    categories: Option<Vec<String>>,
    cell_m: Option<f64>,
    off_network_m: Option<f64>,
    max_snap_m: f64,
    dissolve: bool,
    output: Option<PathBuf>,
    surfaces: bool,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let bands_s = minutes.iter().map(|m| minutes_to_s("minutes", *m)).collect::<PyResult<_>>()?;
    let job = TravelAreasJob {
        services: LayerSource::new(services, services_layer),
        network: network.inner.clone(),
        mode: mode.parse().py_err(py)?,
        options: TravelAreaOptions { bands_s, cell_m, off_network_m, keep_surfaces: surfaces },
        categories: categories.unwrap_or_default(),
        dissolve,
        max_snap_m,
        output,
    };
    let reporter = PyProgress::new(py, progress);
    let result = crate::job::run_travel_areas(&job, &reporter).py_err(py);
    let report = reporter.finish(result)?;
    let vocabulary = vocabulary();
    let out = PyDict::new(py);
    out.set_item("working_epsg", report.working_crs.epsg)?;
    let unreachable: Vec<&str> = report.unreachable_services.iter().map(|&s| report.services[s].id.as_str()).collect();
    out.set_item("unreachable_services", unreachable)?;
    let areas: Vec<Bound<'py, PyDict>> = report
        .areas
        .iter()
        .map(|a| {
            let d = PyDict::new(py);
            d.set_item("service", a.service.map(|s| report.services[s].id.clone()))?;
            d.set_item("category", a.category.map(|c| vocabulary.categories[c].id.clone()))?;
            d.set_item("minutes", a.band_s / 60.0)?;
            let polygons: Vec<(Vec<(f64, f64)>, Vec<Vec<(f64, f64)>>)> = a
                .geometry
                .0
                .iter()
                .map(|p| {
                    let ring = |r: &geo::LineString<f64>| r.0.iter().map(|c| (c.x, c.y)).collect::<Vec<_>>();
                    (ring(p.exterior()), p.interiors().iter().map(ring).collect())
                })
                .collect();
            d.set_item("polygons", polygons)?;
            Ok(d)
        })
        .collect::<PyResult<_>>()?;
    out.set_item("areas", areas)?;
    if surfaces {
        let by_service = PyDict::new(py);
        for (service, surface) in report.services.iter().zip(&report.surfaces) {
            let Some(surface) = surface else { continue };
            let d = PyDict::new(py);
            d.set_item("x0", surface.x0)?;
            d.set_item("y0", surface.y0)?;
            d.set_item("cell_m", surface.cell_m)?;
            let times = numpy::ndarray::Array2::from_shape_vec((surface.height, surface.width), surface.times_s.clone())
                .expect("height x width");
            d.set_item("times_s", times.into_pyarray(py))?;
            by_service.set_item(&service.id, d)?;
        }
        out.set_item("surfaces", by_service)?;
    }
    Ok(out)
}
