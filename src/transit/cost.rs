//! The transit cost model: for each minute of a departure window, RAPTOR
//! from the stops within walking distance of the origin; a service's travel
//! time is a percentile over the window (as R5 and r5py report).
//!
//! Walking legs (to the first stop, between rides, from the last stop, or
//! the whole way) follow the straight line times the walk detour factor,
//! and none is longer than `max_walk_m`: a place that only a longer walk
//! reaches is unreachable, never given a straight-line time.

use super::raptor::{with_raptor, UNREACHED};
use super::timetable::Timetable;
use crate::cost::{CostModel, Mode, Reach, ServiceCosts};
use crate::error::{Error, Result};
use crate::index::FacilityIndex;

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

/// The transit model over one day's timetable.
pub struct TransitCost {
    pub timetable: Timetable,
    pub settings: TransitSettings,
    /// Per stop: (other stop, walking seconds) within `max_walk_m`.
    transfers: Vec<Vec<(u32, u32)>>,
    stop_index: FacilityIndex,
}

impl TransitCost {
    pub fn new(timetable: Timetable, settings: TransitSettings) -> Result<Self> {
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
        let mut cost = TransitCost { timetable, settings, transfers: Vec::new(), stop_index };
        cost.transfers = (0..cost.timetable.stops.len())
            .map(|s| {
                cost.walks(cost.timetable.stops[s].xy)
                    .into_iter()
                    .filter(|&(q, _)| q as usize != s)
                    .map(|(q, t)| (q, t.ceil() as u32))
                    .collect()
            })
            .collect();
        Ok(cost)
    }

    /// Walking seconds for a straight distance.
    pub fn walk_s(&self, distance_m: f64) -> f64 {
        distance_m * self.settings.detour_factor / self.settings.walk_m_s
    }

    /// Stops within walking distance of a point, with the walking time.
    fn walks(&self, point: [f64; 2]) -> Vec<(u32, f64)> {
        self.stop_index
            .within(point, self.settings.max_walk_m, None)
            .into_iter()
            .map(|f| (f.service as u32, self.walk_s(f.distance_m)))
            .collect()
    }

    /// The departure times of the window.
    pub fn departures(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.settings.window_minutes).map(|k| self.settings.departure_s + 60 * k)
    }
}

impl TransitCost {
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
        let egress = (0..index.len()).map(|s| self.walks(index.point(s))).collect();
        let bound = BoundTransit { model: self, services: &index, egress };
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

impl CostModel for TransitCost {
    fn mode(&self) -> Mode {
        Mode::Transit
    }

    fn bind<'a>(&'a self, services: &'a FacilityIndex) -> Result<Box<dyn ServiceCosts + 'a>> {
        let egress = (0..services.len()).map(|s| self.walks(services.point(s))).collect();
        Ok(Box::new(BoundTransit { model: self, services, egress }))
    }
}

struct BoundTransit<'a> {
    model: &'a TransitCost,
    services: &'a FacilityIndex,
    /// Per service: the stops within walking distance and the walk from each.
    egress: Vec<Vec<(u32, f64)>>,
}

impl BoundTransit<'_> {
    /// Travel seconds to every service of a category (or all), per departure of the window.
    fn times(&self, origin: [f64; 2], category: Option<usize>) -> Vec<(usize, Vec<f64>)> {
        let m = self.model;
        let wanted: Vec<usize> = (0..self.services.len())
            .filter(|&s| category.is_none_or(|c| self.services.categories_of(s).contains(c)))
            .collect();
        let access = m.walks(origin);
        let direct: Vec<f64> = wanted
            .iter()
            .map(|&s| {
                let p = self.services.point(s);
                let d = (p[0] - origin[0]).hypot(p[1] - origin[1]);
                if d <= m.settings.max_walk_m {
                    m.walk_s(d)
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        let mut out: Vec<(usize, Vec<f64>)> = wanted.iter().map(|&s| (s, Vec::new())).collect();
        with_raptor(&m.timetable, |raptor| {
            for t in m.departures() {
                let deadline = t.saturating_add(m.settings.max_trip_s as u32);
                // boarding needs a departure at or after the arrival: whole seconds, rounded up, decide alike
                let starts: Vec<(u32, u32)> = access.iter().map(|&(s, w)| (s, t + w.ceil() as u32)).collect();
                raptor.run(&m.timetable, &starts, &m.transfers, m.settings.max_rides, deadline);
                for (k, (s, times)) in out.iter_mut().enumerate() {
                    let mut best = direct[k];
                    for &(stop, walk) in &self.egress[*s] {
                        let arrived = raptor.by_ride[stop as usize];
                        if arrived != UNREACHED {
                            best = best.min(arrived as f64 + walk - t as f64);
                        }
                    }
                    times.push(if best <= m.settings.max_trip_s { best } else { f64::INFINITY });
                }
            }
        });
        out
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
