//! Wrappers of [`crate::accessibility`] over arrays and of [`crate::planning`] over files.

use super::error::{parameter, IntoPyResult};
use super::network::Network;
use super::progress::PyProgress;
use crate::accessibility::{accessibility, default_zones, CostMatrix, Decay, Method, Pair};
use crate::catalogue::vocabulary;
use crate::gaps::LowClass;
use crate::io::{DemandFields, LayerSource};
use crate::job::Zones;
use crate::planning::{AccessibilityJob, PlanningInputs, SitingJob};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;

/// The index asked for: a method name, an optional decay spec, optional zones in minutes.
fn method(py: Python<'_>, name: &str, decay: Option<&str>, zone_weights: Option<Vec<(f64, f64)>>) -> PyResult<Method> {
    let default: Method = name.parse().py_err(py)?;
    let decay: Option<Decay> = decay.map(|d| d.parse()).transpose().py_err(py)?;
    let zones = zone_weights.map(|z| z.into_iter().map(|(minutes, w)| (minutes * 60.0, w)).collect::<Vec<_>>());
    Ok(match default {
        Method::TwoStep { decay: d } => Method::TwoStep { decay: decay.unwrap_or(d) },
        Method::ThreeStep { decay: d } => Method::ThreeStep { decay: decay.unwrap_or(d) },
        Method::Gravity { decay: d } => Method::Gravity { decay: decay.unwrap_or(d) },
        Method::Enhanced { .. } => Method::Enhanced { zones: zones.unwrap_or_else(default_zones) },
    })
}

/// An accessibility index over a cost table: per-pair arrays of demand index,
/// service index and cost (seconds); supply per service, demand per unit.
/// Returns `{"access": A_i, "ratio": R_j}`.
#[pyfunction]
#[pyo3(signature = (demand_index, service_index, cost_s, supply, demand, *, method="2sfca", max_minutes=30.0,
                    decay=None, zone_weights=None))]
#[allow(clippy::too_many_arguments)]
pub fn accessibility_arrays<'py>(
    py: Python<'py>,
    demand_index: PyReadonlyArray1<'_, i64>,
    service_index: PyReadonlyArray1<'_, i64>,
    cost_s: PyReadonlyArray1<'_, f64>,
    supply: PyReadonlyArray1<'_, f64>,
    demand: PyReadonlyArray1<'_, f64>,
    method: &str,
    max_minutes: f64,
    decay: Option<&str>,
    zone_weights: Option<Vec<(f64, f64)>>,
) -> PyResult<Bound<'py, PyDict>> {
    let (i, j, c) = (demand_index.as_array(), service_index.as_array(), cost_s.as_array());
    if i.len() != j.len() || i.len() != c.len() {
        return Err(parameter("cost_s", "demand_index, service_index and cost_s must have the same length"));
    }
    if i.iter().chain(j.iter()).any(|v| *v < 0 || *v > u32::MAX as i64) {
        return Err(parameter("demand_index", "indices must be >= 0"));
    }
    let pairs = (0..i.len()).map(|k| Pair { demand: i[k] as u32, service: j[k] as u32, cost_s: c[k] }).collect();
    let supply = supply.as_array().to_vec();
    let demand = demand.as_array().to_vec();
    let method = self::method(py, method, decay, zone_weights)?;
    let result = py.detach(|| -> crate::Result<_> {
        let matrix = CostMatrix::new(demand.len(), supply.len(), pairs)?;
        accessibility(&matrix, &supply, &demand, &method, max_minutes * 60.0)
    });
    let result = result.py_err(py)?;
    let out = PyDict::new(py);
    out.set_item("access", result.access.into_pyarray(py))?;
    out.set_item("ratio", result.ratio.into_pyarray(py))?;
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn inputs(
    py: Python<'_>,
    services: PathBuf,
    demand: PathBuf,
    population_field: &str,
    id_field: Option<String>,
    name_field: Option<String>,
    zone_field: Option<String>,
    mode: &str,
    network: Option<PyRef<'_, Network>>,
    working_epsg: Option<u32>,
    zones: Option<Zones>,
) -> PyResult<PlanningInputs> {
    Ok(PlanningInputs {
        services: LayerSource::new(services, None),
        demand: LayerSource::new(demand, None),
        demand_fields: DemandFields { population: population_field.to_string(), id: id_field, name: name_field },
        zone_field,
        mode: mode.parse().py_err(py)?,
        network: network.map(|n| n.inner.clone()),
        working_epsg,
        zones,
    })
}

/// Zone polygons and the field joining them to the demand ids.
fn zones_source(zones: Option<PathBuf>, key: Option<String>) -> PyResult<Option<Zones>> {
    match (zones, key) {
        (Some(path), Some(key_field)) => Ok(Some(Zones { source: LayerSource::new(path, None), key_field })),
        (Some(_), None) => Err(parameter("zones_key", "needed with zones: the zone field matching the demand id")),
        _ => Ok(None),
    }
}

fn positive_minutes(name: &str, minutes: f64) -> PyResult<f64> {
    if minutes.is_finite() && minutes > 0.0 {
        Ok(minutes * 60.0)
    } else {
        Err(parameter(name, format!("{minutes} is not a positive number of minutes")))
    }
}

/// Accessibility and service gaps per category, from files.
#[pyfunction]
#[pyo3(signature = (services, demand, population_field, *, method="2sfca", minutes=30.0, decay=None, zone_weights=None,
                    served_minutes=30.0, low_access=None, categories=None, id_field=None, name_field=None,
                    zone_field=None, zones=None, zones_key=None, mode="walk", network=None, working_epsg=None,
                    output=None, append=false, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn run_accessibility<'py>(
    py: Python<'py>,
    services: PathBuf,
    demand: PathBuf,
    population_field: &str,
    method: &str,
    minutes: f64,
    decay: Option<&str>,
    zone_weights: Option<Vec<(f64, f64)>>,
    served_minutes: f64,
    low_access: Option<f64>,
    categories: Option<Vec<String>>,
    id_field: Option<String>,
    name_field: Option<String>,
    zone_field: Option<String>,
    zones: Option<PathBuf>,
    zones_key: Option<String>,
    mode: &str,
    network: Option<PyRef<'py, Network>>,
    working_epsg: Option<u32>,
    output: Option<PathBuf>,
    append: bool,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let chosen = self::method(py, method, decay, zone_weights)?;
    let max_cost_s = match &chosen {
        Method::Enhanced { zones } => zones.last().map_or(0.0, |z| z.0),
        _ => positive_minutes("minutes", minutes)?,
    };
    let job = AccessibilityJob {
        inputs: inputs(
            py, services, demand, population_field, id_field, name_field, zone_field, mode, network, working_epsg,
            zones_source(zones, zones_key)?,
        )?,
        categories: categories.unwrap_or_default(),
        method: chosen,
        max_cost_s,
        served_within_s: positive_minutes("served_minutes", served_minutes)?,
        low_class: low_access.map_or(LowClass::Quintile, LowClass::Below),
        output,
        append,
    };
    let reporter = PyProgress::new(py, progress);
    let result = crate::planning::run_accessibility(&job, &reporter).py_err(py);
    let report = reporter.finish(result)?;
    let vocabulary = vocabulary();
    let out = PyDict::new(py);
    out.set_item("working_epsg", report.working_crs.epsg)?;
    out.set_item("id", &report.demand.ids)?;
    out.set_item("name", &report.demand.names)?;
    out.set_item("population", report.demand.population.clone().into_pyarray(py))?;
    let per_category = PyDict::new(py);
    for c in &report.categories {
        let d = PyDict::new(py);
        d.set_item("access", c.access.clone().into_pyarray(py))?;
        d.set_item("unserved", c.gaps.iter().map(|g| g.unserved).collect::<Vec<_>>().into_pyarray(py))?;
        d.set_item("low_access", c.gaps.iter().map(|g| g.low_access).collect::<Vec<_>>().into_pyarray(py))?;
        d.set_item("gap_score", c.gaps.iter().map(|g| g.score).collect::<Vec<_>>().into_pyarray(py))?;
        let zones: Vec<(String, f64, f64, f64)> =
            c.by_zone.iter().map(|(z, g)| (z.clone(), g.unserved, g.low_access, g.score)).collect();
        d.set_item("by_zone", zones)?;
        per_category.set_item(&vocabulary.categories[c.category].id, d)?;
    }
    out.set_item("categories", per_category)?;
    Ok(out)
}

/// New sites for a category (MCLP, greedy with interchange), from files.
#[pyfunction]
#[pyo3(signature = (services, demand, population_field, category, *, sites=3, minutes=30.0, candidates=None,
                    id_field=None, name_field=None, mode="walk", network=None, working_epsg=None, output=None,
                    append=false, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn suggest_sites<'py>(
    py: Python<'py>,
    services: PathBuf,
    demand: PathBuf,
    population_field: &str,
    category: String,
    sites: usize,
    minutes: f64,
    candidates: Option<PathBuf>,
    id_field: Option<String>,
    name_field: Option<String>,
    mode: &str,
    network: Option<PyRef<'py, Network>>,
    working_epsg: Option<u32>,
    output: Option<PathBuf>,
    append: bool,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let job = SitingJob {
        inputs: inputs(py, services, demand, population_field, id_field, name_field, None, mode, network, working_epsg, None)?,
        category,
        sites,
        within_s: positive_minutes("minutes", minutes)?,
        candidates: candidates.map(|c| LayerSource::new(c, None)),
        output,
        append,
    };
    let reporter = PyProgress::new(py, progress);
    let result = crate::planning::run_siting(&job, &reporter).py_err(py);
    let report = reporter.finish(result)?;
    let out = PyDict::new(py);
    let s = &report.siting;
    out.set_item("sites", s.sites.iter().map(|&i| report.labels[i].clone()).collect::<Vec<_>>())?;
    out.set_item("site_index", s.sites.clone())?;
    out.set_item("xy", s.sites.iter().map(|&i| (report.candidates[i][0], report.candidates[i][1])).collect::<Vec<_>>())?;
    out.set_item("gains", s.gains.clone())?;
    out.set_item("covered_before", s.covered_before)?;
    out.set_item("covered_after", s.covered_after)?;
    out.set_item("population_total", report.population_total)?;
    out.set_item("working_epsg", report.working_crs.epsg)?;
    Ok(out)
}
