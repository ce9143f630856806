//! Wrapper of the location models ([`crate::location`]) over a cost table.

use super::accessibility::contiguous;
use super::options::{detached, report};
use crate::error::Error;
use crate::location::{solve, Instance, LocationModel, LocationOptions};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

/// A location model over a cost table: per-pair arrays of demand index,
/// facility index and cost (seconds, or any unit the cut-offs share).
/// Facilities `0..candidates` are candidates, the next `existing` are open
/// already. Returns the solution as a dict (see `suggest_sites`' `solution`).
#[pyfunction]
#[pyo3(signature = (
    demand_index, facility_index, cost_s, weights, candidates, existing=0, capacity=None, *,
    model="mclp", new_sites=3, cutoff_s=1800.0, unreached_cost_s=7200.0, exact=true, time_limit_s=60.0,
))]
#[allow(clippy::too_many_arguments)]
pub fn location_arrays<'py>(
    py: Python<'py>,
    demand_index: PyReadonlyArray1<'_, i64>,
    facility_index: PyReadonlyArray1<'_, i64>,
    cost_s: PyReadonlyArray1<'_, f64>,
    weights: PyReadonlyArray1<'_, f64>,
    candidates: usize,
    existing: usize,
    capacity: Option<PyReadonlyArray1<'_, f64>>,
    model: &str,
    new_sites: usize,
    cutoff_s: f64,
    unreached_cost_s: f64,
    exact: bool,
    time_limit_s: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let model: LocationModel = serde_json::from_value(serde_json::Value::from(model)).map_err(|_| {
        super::error::parameter("model", format!("'{model}' is not one of {}", LocationModel::NAMES.join(", ")))
    })?;
    let options = LocationOptions {
        model,
        new_sites,
        cutoff_s,
        unreached_cost_s,
        exact,
        time_limit_s,
        ..LocationOptions::default()
    };
    let (i, f, c) = (contiguous(&demand_index), contiguous(&facility_index), contiguous(&cost_s));
    let weights = weights.as_array().to_vec();
    let capacity = capacity.map(|c| c.as_array().to_vec());
    let solution = detached(py, || {
        if i.len() != f.len() || i.len() != c.len() {
            return Err(Error::parameter(
                "cost_s",
                "demand_index, facility_index and cost_s must have one value per pair",
            ));
        }
        let mut pairs = vec![Vec::new(); weights.len()];
        for (k, ((&d, &s), &cost)) in i.iter().zip(f.iter()).zip(c.iter()).enumerate() {
            let unit = usize::try_from(d).ok().filter(|&d| d < weights.len());
            let facility = u32::try_from(s).ok().filter(|&s| (s as usize) < candidates + existing);
            match (unit, facility) {
                (Some(d), Some(s)) => pairs[d].push((s, cost)),
                _ => {
                    return Err(Error::parameter(
                        "demand_index",
                        format!("pair {k}: demand {d} or facility {s} out of range"),
                    ))
                }
            }
        }
        solve(&Instance { weights, candidates, existing, pairs, capacity }, &options)
    })?;
    report(py, &solution)
}
