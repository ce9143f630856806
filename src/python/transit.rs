//! Wrapper of [`crate::transit`]: travel-time matrices over arrays.

use super::error::{parameter, IntoPyResult};
use super::index::points;
use super::options::{options, report};
use super::progress::PyProgress;
use crate::crs::WorkingCrs;
use crate::jobs::inputs::TravelInput;
use numpy::PyReadonlyArray2;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Transit travel times between points in a metric CRS (`working_epsg`):
/// `travel_time_s[departure][origin][destination]` for each minute of the
/// window (infinity beyond `max_trip_minutes`), and `percentile_s`, the
/// percentile over the window. Options: the travel options of the jobs
/// (`gtfs`, `service_date`, `departure_time`, `window_minutes`,
/// `percentile`, `max_walk_m`, `max_rides`, `max_trip_minutes`).
#[pyfunction]
#[pyo3(signature = (origins_xy, destinations_xy, working_epsg, *, progress=None, **options))]
pub fn transit_times<'py>(
    py: Python<'py>,
    origins_xy: PyReadonlyArray2<'_, f64>,
    destinations_xy: PyReadonlyArray2<'_, f64>,
    working_epsg: u32,
    progress: Option<Bound<'py, PyAny>>,
    options: Option<Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let origins = points(&origins_xy, "origins_xy")?;
    let destinations = points(&destinations_xy, "destinations_xy")?;
    let (mut travel, _) = self::options::<TravelInput>(py, &[], options.as_ref())?;
    travel.mode = crate::cost::Mode::Transit;
    let working = WorkingCrs::from_epsg(working_epsg).py_err(py)?;
    let reporter = PyProgress::new(progress);
    let result = super::options::detached(py, || {
        let network = crate::jobs::prepare::network_for(&travel, None)?;
        if let Some(n) = network.as_deref().filter(|n| n.epsg != working.epsg) {
            return Err(crate::Error::parameter(
                "working_epsg",
                format!("EPSG:{} differs from the network's EPSG:{}", working.epsg, n.epsg),
            ));
        }
        let model = crate::jobs::prepare::transit_model(&travel, &working, network.as_deref())?;
        let times = model.travel_times(&origins, &destinations, &reporter)?;
        let departures: Vec<u32> = model.departures().collect();
        Ok::<_, crate::Error>((model.settings.percentile, departures, times, model.stops_off_network.clone()))
    });
    let (p, departures, times, stops_off_network) = reporter.finish(result)?;
    if origins.is_empty() || destinations.is_empty() {
        return Err(parameter("origins_xy", "origins and destinations must not be empty"));
    }
    // [departure][origin][destination], as the oracle and r5py lay it out
    let by_departure: Vec<Vec<Vec<f64>>> =
        (0..departures.len()).map(|k| times.iter().map(|row| row.iter().map(|t| t[k]).collect()).collect()).collect();
    let percentiles: Vec<Vec<f64>> =
        times.iter().map(|row| row.iter().map(|t| crate::transit::percentile(t.clone(), p)).collect()).collect();
    #[derive(serde::Serialize)]
    struct Out {
        departures_s: Vec<u32>,
        travel_time_s: Vec<Vec<Vec<f64>>>,
        percentile_s: Vec<Vec<f64>>,
        stops_off_network: Vec<String>,
    }
    let out =
        Out { departures_s: departures, travel_time_s: by_departure, percentile_s: percentiles, stops_off_network };
    report(py, &out)
}
