//! The transit cost model: for each minute of a departure window, RAPTOR
//! from the stops within walking distance of the origin; a service's travel
//! time is a percentile over the window (as R5 and r5py report).
//!
//! Walking legs (to the first stop, between rides, from the last stop, or
//! the whole way) follow the walking network when one is given, otherwise
//! the straight line times the walk detour factor; none is longer than
//! `max_walk_m`: a place that only a longer walk reaches is unreachable,
//! never given a straight-line time.
//!
//! Each stop's profile (from every departure at the stop, the earliest
//! arrival at every service) is searched once, the first time an origin
//! walks to that stop; an origin's times are then lookups. They equal
//! RAPTOR run from the origin: a search from several stops is the minimum of
//! the searches from each, and a search that starts at a stop at time `t`
//! boards exactly what one starting at the stop's next departure boards.

use super::raptor::{with_raptor, UNREACHED};
use super::timetable::Timetable;
use crate::cost::{CostModel, Mode, Reach, ServiceCosts};
use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use crate::network::NetworkCost;
use std::sync::OnceLock;

/// How the transit model travels.
///
/// # Units
/// `departure_s` in seconds after midnight of the service date;
/// `max_walk_m` in metres; `walk_m_s` in metres per second; `max_trip_s` in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitSettings {
    pub departure_s: u32,
    /// Departures every minute from `departure_s`, this many.
    pub window_minutes: u32,
    /// 0-100, nearest rank over the window.
    pub percentile: f64,
    pub max_walk_m: f64,
    pub walk_m_s: f64,
    pub detour_factor: f64,
    pub max_rides: usize,
    pub max_trip_s: f64,
}

/// The most (departure at a stop) x service travel times the stop profiles may hold (8 GiB).
const MAX_PROFILE_CELLS: usize = 1 << 30;

/// The transit model over one day's timetable.
pub struct TransitCost<'n> {
    pub timetable: Timetable,
    pub settings: TransitSettings,
    /// Per stop: (other stop, walking seconds) within `max_walk_m`.
    transfers: Vec<Vec<(u32, u32)>>,
    stop_index: FacilityIndex,
    /// Walking legs on this network when given (its walking graph).
    walk_network: Option<NetworkCost<'n>>,
    /// Stops farther than the network's snapping limit from the walking network.
    pub stops_off_network: Vec<String>,
    /// Per stop, the departures a trip of the window may board first (see `boardable_departures`).
    departures_at: Vec<Vec<u32>>,
}

/// Walking legs from a point to a set of places (stops or services).
enum Walker<'a> {
    StraightLine { places: &'a FacilityIndex, settings: &'a TransitSettings },
    Network { costs: Box<dyn ServiceCosts + 'a>, cutoff_s: f64 },
}

impl<'a> Walker<'a> {
    fn new(
        network: Option<&'a NetworkCost<'_>>,
        places: &'a FacilityIndex,
        settings: &'a TransitSettings,
    ) -> Result<Self> {
        Ok(match network {
            None => Walker::StraightLine { places, settings },
            Some(network) => {
                Walker::Network { costs: network.bind(places)?, cutoff_s: settings.max_walk_m / network.walk_m_s }
            }
        })
    }

    /// The places within walking distance of `point`, with the walking seconds.
    fn from(&self, point: [f64; 2]) -> Vec<(u32, f64)> {
        match self {
            Walker::StraightLine { places, settings } => places
                .within(point, settings.max_walk_m, None)
                .into_iter()
                .map(|f| (f.service as u32, settings.walk_s(f.distance_m)))
                .collect(),
            Walker::Network { costs, cutoff_s } => {
                costs.within(point, None, *cutoff_s).into_iter().map(|r| (r.service as u32, r.time_s)).collect()
            }
        }
    }
}

impl TransitSettings {
    /// Walking seconds for a straight distance.
    pub fn walk_s(&self, distance_m: f64) -> f64 {
        distance_m * self.detour_factor / self.walk_m_s
    }
}

impl<'n> TransitCost<'n> {
    /// The model; walking legs on `walk_network` (a walking graph) when given.
    pub fn new(timetable: Timetable, settings: TransitSettings, walk_network: Option<NetworkCost<'n>>) -> Result<Self> {
        let checks = [
            ("window_minutes", settings.window_minutes as f64 >= 1.0),
            ("percentile", (0.0..=100.0).contains(&settings.percentile)),
            ("max_walk_m", settings.max_walk_m.is_finite() && settings.max_walk_m >= 0.0),
            ("walk_m_s", settings.walk_m_s.is_finite() && settings.walk_m_s > 0.0),
            ("max_trip_s", settings.max_trip_s.is_finite() && settings.max_trip_s > 0.0),
        ];
        if let Some((name, _)) = checks.iter().find(|(_, ok)| !ok) {
            return Err(Error::parameter(name, "out of range"));
        }
        let stop_index = FacilityIndex::new(timetable.stops.iter().map(|s| s.xy).collect(), Vec::new())?;
        let (transfers, stops_off_network) = {
            let walker = Walker::new(walk_network.as_ref(), &stop_index, &settings)?;
            let transfers = (0..timetable.stops.len())
                .map(|s| {
                    walker
                        .from(timetable.stops[s].xy)
                        .into_iter()
                        .filter(|&(q, _)| q as usize != s)
                        .map(|(q, t)| (q, t.ceil() as u32))
                        .collect()
                })
                .collect();
            let off = match &walker {
                Walker::Network { costs, .. } => {
                    costs.unreachable_services().into_iter().map(|s| timetable.stops[s].id.clone()).collect()
                }
                Walker::StraightLine { .. } => Vec::new(),
            };
            (transfers, off)
        };
        if !stops_off_network.is_empty() {
            let shown: Vec<&str> = stops_off_network.iter().take(5).map(String::as_str).collect();
            crate::warnings::warn(format!(
                "{} stops lie too far from the walking network to be walked to or from, e.g. {}",
                stops_off_network.len(),
                shown.join(", ")
            ));
        }
        let mut cost = TransitCost {
            timetable,
            settings,
            transfers,
            stop_index,
            walk_network,
            stops_off_network,
            departures_at: Vec::new(),
        };
        cost.departures_at = (0..cost.timetable.stops.len() as u32).map(|s| cost.boardable_departures(s)).collect();
        Ok(cost)
    }

    /// Whether walking legs follow a network (else straight lines times the detour factor).
    pub fn walks_on_network(&self) -> bool {
        self.walk_network.is_some()
    }

    /// The longest walking leg, in seconds.
    pub fn max_walk_s(&self) -> f64 {
        match &self.walk_network {
            Some(network) => self.settings.max_walk_m / network.walk_m_s,
            None => self.settings.walk_s(self.settings.max_walk_m),
        }
    }

    /// The departure times of the window.
    pub fn departures(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.settings.window_minutes).map(|k| self.settings.departure_s + 60 * k)
    }

    /// The departures at a stop that a trip of the window may board first:
    /// those up to the latest arrival at the stop on foot, and the next one.
    fn boardable_departures(&self, stop: u32) -> Vec<u32> {
        let first = self.settings.departure_s;
        let last_ready = first as f64 + 60.0 * (self.settings.window_minutes - 1) as f64 + self.max_walk_s().ceil();
        let mut departures: Vec<u32> = self.timetable.stop_patterns[stop as usize]
            .iter()
            .flat_map(|&(p, i)| self.timetable.patterns[p as usize].times.iter().map(move |run| run[i as usize].1))
            .filter(|&d| d >= first)
            .collect();
        departures.sort_unstable();
        departures.dedup();
        let keep = departures.partition_point(|&d| d as f64 <= last_ready);
        departures.truncate((keep + 1).min(departures.len()));
        departures
    }

    /// Travel seconds from every origin to every destination for each
    /// departure of the window: `[origin][destination][departure]`
    /// (infinity beyond `max_trip_s`), origins in parallel.
    pub fn travel_times(
        &self,
        origins: &[[f64; 2]],
        destinations: &[[f64; 2]],
        progress: &dyn crate::progress::Progress,
    ) -> Result<Vec<Vec<Vec<f64>>>> {
        let index = FacilityIndex::new(destinations.to_vec(), Vec::new())?;
        let bound = BoundTransit::new(self, &index)?;
        crate::progress::par_map_chunked(origins.len(), 16, progress, |o| {
            let mut row: Vec<Vec<f64>> = vec![Vec::new(); destinations.len()];
            for (d, times) in bound.times(origins[o], None) {
                row[d] = times;
            }
            row
        })
    }
}

/// The nearest-rank percentile of travel times (infinite ones sort last).
pub fn percentile(mut times: Vec<f64>, p: f64) -> f64 {
    if times.is_empty() {
        return f64::INFINITY;
    }
    times.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * times.len() as f64).ceil().max(1.0) as usize;
    times[rank.min(times.len()) - 1]
}

impl CostModel for TransitCost<'_> {
    fn mode(&self) -> Mode {
        Mode::Transit
    }

    fn bind<'a>(&'a self, services: &'a FacilityIndex) -> Result<Box<dyn ServiceCosts + 'a>> {
        Ok(Box::new(BoundTransit::new(self, services)?))
    }
}

/// From each departure at a stop, the earliest arrival at every service.
///
/// # Units
/// Seconds after midnight of the service date.
struct StopProfile {
    /// Row-major, one row of services per departure of the stop's
    /// `departures_at`; infinity where not reached.
    arrivals: Vec<f64>,
}

struct BoundTransit<'a> {
    model: &'a TransitCost<'a>,
    services: &'a FacilityIndex,
    /// Walks from a point to the stops, and straight to the services.
    to_stops: Walker<'a>,
    to_services: Walker<'a>,
    /// Per service: the stops within walking distance and the walk from each.
    egress: Vec<Vec<(u32, f64)>>,
    /// Per stop, searched the first time an origin walks to it.
    profiles: Vec<OnceLock<StopProfile>>,
}

impl<'a> BoundTransit<'a> {
    fn new(model: &'a TransitCost<'a>, services: &'a FacilityIndex) -> Result<Self> {
        let stops = model.timetable.stops.len();
        let departures: usize = model.departures_at.iter().map(Vec::len).sum();
        if departures.saturating_mul(services.len()) > MAX_PROFILE_CELLS {
            let gib = (departures as f64) * (services.len() as f64) * 8.0 / (1u64 << 30) as f64;
            return Err(Error::parameter(
                "window_minutes",
                format!(
                    "{departures} departures in the window x {} services need about {gib:.1} GiB of travel times: use a shorter window or fewer services",
                    services.len()
                ),
            ));
        }
        let to_stops = Walker::new(model.walk_network.as_ref(), &model.stop_index, &model.settings)?;
        let to_services = Walker::new(model.walk_network.as_ref(), services, &model.settings)?;
        // walking is taken as symmetric: the walk from a service to a stop is the walk back
        let egress = (0..services.len()).map(|s| to_stops.from(services.point(s))).collect();
        let profiles = (0..stops).map(|_| OnceLock::new()).collect();
        Ok(BoundTransit { model, services, to_stops, to_services, egress, profiles })
    }

    fn profile(&self, stop: u32) -> &StopProfile {
        self.profiles[stop as usize].get_or_init(|| {
            let m = self.model;
            let departures = &m.departures_at[stop as usize];
            let n = self.services.len();
            let mut arrivals = vec![f64::INFINITY; departures.len() * n];
            with_raptor(&m.timetable, |raptor| {
                for (row, &d) in arrivals.chunks_mut(n.max(1)).zip(departures) {
                    let deadline = d.saturating_add(m.settings.max_trip_s as u32);
                    raptor.run(&m.timetable, &[(stop, d)], &m.transfers, m.settings.max_rides, deadline);
                    for (arrival, egress) in row.iter_mut().zip(&self.egress) {
                        for &(e, walk) in egress {
                            let arrived = raptor.by_ride[e as usize];
                            if arrived != UNREACHED {
                                *arrival = arrival.min(arrived as f64 + walk);
                            }
                        }
                    }
                }
            });
            StopProfile { arrivals }
        })
    }

    /// Travel seconds to every service of a category (or all), per departure of the window.
    fn times(&self, origin: [f64; 2], category: Option<usize>) -> Vec<(usize, Vec<f64>)> {
        let m = self.model;
        let n = self.services.len();
        let window = m.settings.window_minutes as usize;
        let wanted: Vec<usize> =
            (0..n).filter(|&s| category.is_none_or(|c| self.services.categories_of(s).contains(c))).collect();
        let mut direct = vec![f64::INFINITY; n];
        for (s, walk) in self.to_services.from(origin) {
            direct[s as usize] = walk;
        }
        let access = self.to_stops.from(origin);
        // best[service position][departure]
        let mut best = vec![f64::INFINITY; wanted.len() * window];
        for (k, t) in m.departures().enumerate() {
            for &(stop, walk) in &access {
                let (profile, departures) = (self.profile(stop), &m.departures_at[stop as usize]);
                // boarding needs a departure at or after the arrival: whole seconds, rounded up
                let ready = t + walk.ceil() as u32;
                let e = departures.partition_point(|&d| d < ready);
                if e == departures.len() {
                    continue;
                }
                let row = &profile.arrivals[e * n..(e + 1) * n];
                for (q, &s) in wanted.iter().enumerate() {
                    let slot = &mut best[q * window + k];
                    *slot = slot.min(row[s] - t as f64);
                }
            }
        }
        wanted
            .iter()
            .enumerate()
            .map(|(q, &s)| {
                let times = best[q * window..(q + 1) * window]
                    .iter()
                    .map(|&b| {
                        let b = b.min(direct[s]);
                        if b <= m.settings.max_trip_s {
                            b
                        } else {
                            f64::INFINITY
                        }
                    })
                    .collect();
                (s, times)
            })
            .collect()
    }
}

impl ServiceCosts for BoundTransit<'_> {
    fn nearest(&self, origin: [f64; 2], category: Option<usize>) -> Option<Reach> {
        self.within(origin, category, self.model.settings.max_trip_s).into_iter().next()
    }

    fn within(&self, origin: [f64; 2], category: Option<usize>, cutoff_s: f64) -> Vec<Reach> {
        let mut found: Vec<Reach> = self
            .times(origin, category)
            .into_iter()
            .filter_map(|(s, times)| {
                let time_s = percentile(times, self.model.settings.percentile);
                let p = self.services.point(s);
                (time_s <= cutoff_s).then(|| Reach {
                    service: s,
                    distance_m: (p[0] - origin[0]).hypot(p[1] - origin[1]),
                    time_s,
                })
            })
            .collect();
        found.sort_by(|a, b| a.time_s.total_cmp(&b.time_s).then(a.service.cmp(&b.service)));
        found
    }
}
