//! The step every job starts with: choose the working CRS, read the
//! services and the demand (with its zones) once, and choose the cost model
//! once.

use super::inputs::{DemandInput, ServicesInput, TravelInput, WindowInput};
use super::required;
use crate::catalogue::{read_services, Service};
use crate::cost::Mode;
use crate::cost::{CostModel, StraightLine};
use crate::crs::WorkingCrs;
use crate::demand::{read_demand, Demand, DemandFields, DisplayPolygons};
use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use crate::io::LayerSource;
use crate::network::{Network, NetworkCost};
use crate::plausibility::PlacedLayer;
use crate::transit::{Timetable, TransitCost, TransitSettings};
use crate::travel_matrix::{MatrixCost, MatrixTable};
use std::sync::Arc;

/// Inputs read, in the working CRS.
pub struct Prepared {
    pub working_crs: WorkingCrs,
    pub services: Vec<Service>,
    /// Every service, with its categories.
    pub index: FacilityIndex,
    /// The demand units, when the job has demand.
    pub demand: Option<Demand>,
    /// Polygons drawing the demand units, when given.
    pub display_polygons: Option<Vec<geo::Geometry<f64>>>,
    /// The time window the desks' capacities were weighed against, when given.
    pub window: Option<crate::opening::Window>,
}

impl Prepared {
    /// The demand, which jobs with a [`DemandInput`] always have.
    pub fn demand(&self) -> &Demand {
        self.demand.as_ref().expect("prepare reads the demand of jobs that have one")
    }

    /// The services of a category, as indices into `services`.
    pub fn members(&self, category: usize) -> Vec<usize> {
        (0..self.services.len()).filter(|&s| self.services[s].categories.contains(category)).collect()
    }
}

/// The cost model chosen for a job.
pub enum Model<'n> {
    StraightLine(StraightLine),
    Network(NetworkCost<'n>),
    Transit(Box<TransitCost<'n>>),
    /// The analyst's own travel costs (the `matrix` option).
    Matrix(MatrixCost),
}

impl Model<'_> {
    pub fn as_dyn(&self) -> &dyn CostModel {
        match self {
            Model::StraightLine(m) => m,
            Model::Network(m) => m,
            Model::Transit(m) => m.as_ref(),
            Model::Matrix(m) => m,
        }
    }

    /// The fastest anyone travels with this model (the straight line's speed
    /// over its detour factor; a network's fastest edge or walking leg), so
    /// that `time x speed` bounds the distance reached.
    ///
    /// # Units
    /// metres per second
    pub fn max_speed_m_s(&self) -> f64 {
        match self {
            Model::StraightLine(m) => m.speed_m_s / m.detour_factor,
            Model::Network(m) => {
                let g = m.graph;
                let fastest = g.length_m.iter().zip(&g.time_s).filter(|(_, t)| **t > 0.0).map(|(l, t)| l / t);
                fastest.fold(m.walk_m_s, f64::max)
            }
            Model::Transit(m) => m.timetable.max_speed_m_s().max(m.settings.walk_m_s),
            // a table of times says nothing of distances
            Model::Matrix(_) => f64::INFINITY,
        }
    }

    /// `straight_line` or `network`, as reports say.
    pub fn name(&self) -> &'static str {
        match self {
            Model::StraightLine(_) => "straight_line",
            Model::Network(_) => "network",
            Model::Transit(_) => "transit",
            Model::Matrix(_) => "matrix",
        }
    }
}

/// A network given as an object, or else the one named by the options
/// (a saved `.cmnet`, rebuilt when its source changed, or built in memory).
pub fn network_for(travel: &TravelInput, given: Option<Arc<Network>>) -> Result<Option<Arc<Network>>> {
    match (given, &travel.network) {
        (Some(network), _) => Ok(Some(network)),
        (None, Some(path)) => Ok(Some(Arc::new(super::network::open_network(path)?.0))),
        (None, None) => Ok(None),
    }
}

/// Scales each desk's capacity by the share of the window it is open and
/// leaves out the desks closed for the whole window (saying so).
fn weigh_by_window(
    services: &mut Vec<crate::catalogue::Service>,
    text: &str,
    week_of: Option<&str>,
) -> Result<crate::opening::Window> {
    let day = match week_of {
        None => crate::opening::today(),
        Some(date) => chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| Error::parameter("week_of", format!("'{date}' is not a date YYYY-MM-DD")))?,
    };
    let window = crate::opening::Window::new(text, day)?;
    let mut closed = Vec::new();
    for service in services.iter_mut() {
        let share = window
            .share(&service.opening_hours)
            .map_err(|e| Error::input("services", Some(service.id.clone()), Some("opening_hours"), e.to_string()))?;
        service.capacity *= share;
        if share == 0.0 {
            closed.push(service.id.clone());
        }
    }
    services.retain(|s| !closed.contains(&s.id));
    if services.is_empty() {
        return Err(Error::parameter(
            "open_during",
            format!("every desk is closed during '{text}' (week of {})", window.monday),
        ));
    }
    crate::warnings::warn(format!(
        "open during '{text}' (week of {}, {} h): {} desk(s) closed for the whole window left out{}; the others' capacity scaled by the share of the window they are open",
        window.monday,
        window.hours(),
        closed.len(),
        if closed.is_empty() { String::new() } else { format!(" ({})", closed.join(", ")) },
    ));
    Ok(window)
}

/// The working CRS: the network's when there is one (a different named one is refused).
fn working_epsg(named: Option<u32>, network: Option<&Network>) -> Result<Option<u32>> {
    match (named, network) {
        (Some(a), Some(n)) if a != n.epsg => Err(Error::parameter(
            "working_epsg",
            format!(
                "EPSG:{a} differs from the network's EPSG:{}; rebuild the network in EPSG:{a} or leave it out",
                n.epsg
            ),
        )),
        (_, Some(n)) => Ok(Some(n.epsg)),
        (named, None) => Ok(named),
    }
}

/// Seconds after midnight of `HH:MM`.
fn clock_s(text: &str) -> Result<u32> {
    let bad = || Error::parameter("departure_time", format!("'{text}' is not a time HH:MM"));
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 47 || m > 59 {
        return Err(bad());
    }
    Ok(h * 3600 + m * 60)
}

/// The transit model: the day's timetable of the feeds, walking legs on the
/// network's walking graph when a network is given, else on straight lines
/// times the walk detour factor.
pub fn transit_model<'n>(
    travel: &TravelInput,
    working: &crate::crs::WorkingCrs,
    network: Option<&'n Network>,
) -> Result<TransitCost<'n>> {
    let date_text = travel.service_date.as_deref().ok_or_else(|| {
        Error::parameter("service_date", "transit needs a service date, YYYY-MM-DD (a weekday the feeds serve)")
    })?;
    let date = chrono::NaiveDate::parse_from_str(date_text.trim(), "%Y-%m-%d")
        .map_err(|_| Error::parameter("service_date", format!("'{date_text}' is not a date YYYY-MM-DD")))?;
    let to_working = crate::crs::Transformer::new("EPSG:4326", &working.definition())?;
    let timetable = Timetable::build(&travel.gtfs, date, &to_working)?;
    let mut walk = StraightLine::for_mode(Mode::Walk);
    walk.speed_m_s = travel.walk_m_s.unwrap_or(walk.speed_m_s);
    let settings = TransitSettings {
        departure_s: clock_s(&travel.departure_time)?,
        window_minutes: travel.window_minutes,
        percentile: travel.percentile,
        max_walk_m: travel.max_walk_m,
        walk_m_s: walk.speed_m_s,
        detour_factor: walk.detour_factor,
        max_rides: travel.max_rides,
        max_trip_s: super::seconds(travel.max_trip_minutes),
    };
    let walk_network = match network {
        Some(_) if travel.walk_m_s.is_some() => {
            return Err(Error::parameter(
                "walk_m_s",
                "on a network, walking legs go at its walking graph's speed (chosen when the network is built); leave walk_m_s out",
            ))
        }
        Some(n) => {
            let mut cost = NetworkCost::new(n.mode(Mode::Walk).map_err(|_| {
                Error::parameter(
                    "network",
                    "transit walks on the network's walking graph: build the network with mode walk",
                )
            })?);
            cost.max_snap_m = travel.max_snap_m;
            cost.walk_m_s = walk.speed_m_s;
            Some(cost)
        }
        None => None,
    };
    TransitCost::new(timetable, settings, walk_network)
}

/// Reads the inputs, then runs `work` with them and the cost model.
pub fn prepare<T>(
    services: &ServicesInput,
    travel: &TravelInput,
    demand: Option<&DemandInput>,
    window: Option<&WindowInput>,
    network: Option<&Network>,
    work: impl FnOnce(Prepared, &Model) -> Result<T>,
) -> Result<T> {
    prepare_with_candidates(services, travel, demand, window, network, &[], work)
}

/// [`prepare`] for a job that also asks about candidate sites: a travel-cost
/// matrix may name them (by these ids) as destinations.
pub fn prepare_with_candidates<T>(
    services: &ServicesInput,
    travel: &TravelInput,
    demand: Option<&DemandInput>,
    window: Option<&WindowInput>,
    network: Option<&Network>,
    candidate_ids: &[String],
    work: impl FnOnce(Prepared, &Model) -> Result<T>,
) -> Result<T> {
    let matrix = match &travel.matrix {
        None => None,
        Some(_) if demand.is_none() => return Err(Error::parameter(
            "matrix",
            "a travel-cost matrix answers from demand units to services: this job needs a network or transit instead",
        )),
        Some(_) if network.is_some() || !travel.gtfs.is_empty() => {
            return Err(Error::parameter("matrix", "give a matrix, or a network or GTFS feeds, not both"))
        }
        Some(path) => Some(MatrixTable::open(path)?),
    };
    let source = LayerSource::new(required(&services.services, "services")?, services.services_layer.as_deref());
    let (mut all, working_crs, services_name) = read_services(&source, working_epsg(services.working_epsg, network)?)?;
    // a desk left out by the time window is still a known destination of a matrix
    let catalogue_ids: Vec<String> = all.iter().map(|s| s.id.clone()).collect();
    let window = match window.and_then(|w| w.open_during.as_deref().map(|text| (text, w.week_of.as_deref()))) {
        None => None,
        Some((text, week_of)) => Some(weigh_by_window(&mut all, text, week_of)?),
    };
    let index =
        FacilityIndex::new(all.iter().map(|s| [s.x, s.y]).collect(), all.iter().map(|s| s.categories).collect())?
            .with_keys(all.iter().map(|s| s.id.clone()).collect())?;
    let (demand, display_polygons) = match demand {
        None => (None, None),
        Some(input) => {
            let source = LayerSource::new(required(&input.demand, "demand")?, input.demand_layer.as_deref());
            let fields = DemandFields {
                population: input.population_field.clone(),
                id: input.id_field.clone(),
                name: input.name_field.clone(),
                zone: input.aggregate_by.clone(),
            };
            let mut units = read_demand(&source, &fields, &working_crs)?;
            let polygons = match (&input.display_polygons, &input.display_polygons_key) {
                (Some(path), Some(key)) => {
                    let display = DisplayPolygons {
                        source: LayerSource::new(path, input.display_polygons_layer.as_deref()),
                        key_field: key.clone(),
                    };
                    Some(display.read(&mut units, &working_crs)?)
                }
                (Some(_), None) => {
                    return Err(Error::parameter(
                        "display_polygons_key",
                        "needed with display_polygons: the polygon field matching the demand identifier",
                    ))
                }
                (None, _) => None,
            };
            (Some(units), polygons)
        }
    };
    let service_ids: Vec<String> = all.iter().map(|s| s.id.clone()).collect();
    let service_xy: Vec<[f64; 2]> = all.iter().map(|s| [s.x, s.y]).collect();
    let mut placed = vec![PlacedLayer { name: &services_name, labels: &service_ids, xy: &service_xy }];
    if let Some(d) = &demand {
        placed.push(PlacedLayer { name: &d.layer, labels: &d.ids, xy: &d.points });
    }
    crate::plausibility::check(&placed, &working_crs, services.strict)?;
    let prepared = Prepared { working_crs, services: all, index, demand, display_polygons, window };
    let model = match (matrix, travel.mode, network) {
        (Some(table), mode, _) => {
            let demand = prepared.demand();
            Model::Matrix(MatrixCost::new(
                table,
                mode,
                travel.matrix_cost_unit,
                &demand.ids,
                &demand.points,
                &[&catalogue_ids, &demand.ids, candidate_ids],
            )?)
        }
        (None, Mode::Transit, network) => {
            Model::Transit(Box::new(transit_model(travel, &prepared.working_crs, network)?))
        }
        (None, _, Some(n)) => {
            let mut cost = NetworkCost::new(n.mode(travel.mode)?);
            cost.max_snap_m = travel.max_snap_m;
            Model::Network(cost)
        }
        (None, _, None) => Model::StraightLine(StraightLine::for_mode(travel.mode)),
    };
    work(prepared, &model)
}
