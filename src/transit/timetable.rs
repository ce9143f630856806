//! A day's timetable from one or several GTFS feeds, in the shape RAPTOR
//! scans: boardable stops in the working CRS, and routes as patterns (one
//! stop sequence) whose trips never overtake each other.

use crate::crs::Transformer;
use crate::error::{Error, Result};
use chrono::NaiveDate;
use gtfs_structures::{Gtfs, LocationType};
use std::collections::HashMap;
use std::path::Path;

/// A boardable stop.
///
/// # Units
/// `xy` in metres of the working CRS.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitStop {
    /// `feed:stop_id`.
    pub id: String,
    pub name: String,
    pub xy: [f64; 2],
}

/// Trips running the same stop sequence, sorted so that none overtakes
/// another: trip `t` departs and arrives at every stop no later than `t + 1`.
///
/// # Units
/// Times in seconds after midnight of the service date (past 24 h after midnight).
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub stops: Vec<u32>,
    /// Per trip, per stop position: (arrival, departure).
    pub times: Vec<Vec<(u32, u32)>>,
}

/// One service date's timetable.
#[derive(Debug, Clone, PartialEq)]
pub struct Timetable {
    pub date: NaiveDate,
    pub stops: Vec<TransitStop>,
    pub patterns: Vec<Pattern>,
    /// Per stop: (pattern, position in it).
    pub stop_patterns: Vec<Vec<(u32, u32)>>,
    /// Trips running on the date (frequency-based trips counted once per run).
    pub trips: usize,
}

fn gtfs_error(path: &Path, error: gtfs_structures::Error) -> Error {
    // the crate's error chain names the file and row; keep every level
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    Error::io(path.display(), format!("not a readable GTFS feed ({message})"))
}

/// Whether a service runs on a date (calendar weekdays and range, then calendar_dates exceptions).
fn runs_on(gtfs: &Gtfs, service_id: &str, date: NaiveDate) -> bool {
    gtfs.trip_days(service_id, date).first() == Some(&0)
}

impl Timetable {
    /// Reads the feeds and keeps the trips running on `date`, their stops
    /// projected by `to_working` (from WGS 84).
    pub fn build(feeds: &[impl AsRef<Path>], date: NaiveDate, to_working: &Transformer) -> Result<Timetable> {
        if feeds.is_empty() {
            return Err(Error::parameter("gtfs", "transit needs at least one GTFS feed"));
        }
        let mut stops: Vec<TransitStop> = Vec::new();
        // (stop sequence) -> trips' times
        let mut by_sequence: HashMap<Vec<u32>, Vec<Vec<(u32, u32)>>> = HashMap::new();
        let mut trips = 0;
        for (f, path) in feeds.iter().enumerate() {
            let path = path.as_ref();
            if !path.exists() {
                return Err(Error::io(path.display(), "no such file"));
            }
            let gtfs = Gtfs::from_path(path).map_err(|e| gtfs_error(path, e))?;
            let mut index: HashMap<&str, u32> = HashMap::new();
            let mut ids: Vec<&String> = gtfs.stops.keys().collect();
            ids.sort();
            for id in ids {
                let stop = &gtfs.stops[id];
                if !matches!(stop.location_type, LocationType::StopPoint | LocationType::BoardingArea) {
                    continue; // stations and entrances are not boarded
                }
                let (Some(lon), Some(lat)) = (stop.longitude, stop.latitude) else {
                    return Err(Error::input(
                        "stops.txt",
                        Some(id.clone()),
                        Some("stop_lat"),
                        "the stop has no coordinates",
                    ));
                };
                index.insert(id.as_str(), stops.len() as u32);
                let name = stop.name.clone().unwrap_or_default();
                stops.push(TransitStop { id: format!("{f}:{id}"), name, xy: to_working.apply([lon, lat])? });
            }
            let mut trip_ids: Vec<&String> = gtfs.trips.keys().collect();
            trip_ids.sort();
            for trip_id in trip_ids {
                let trip = &gtfs.trips[trip_id];
                if !runs_on(&gtfs, &trip.service_id, date) {
                    continue;
                }
                let mut sequence = Vec::with_capacity(trip.stop_times.len());
                let mut times = Vec::with_capacity(trip.stop_times.len());
                for st in &trip.stop_times {
                    let Some(&s) = index.get(st.stop.id.as_str()) else { continue };
                    let (arrival, departure) = match (st.arrival_time, st.departure_time) {
                        (Some(a), Some(d)) => (a, d),
                        (Some(a), None) => (a, a),
                        (None, Some(d)) => (d, d),
                        (None, None) => continue, // untimed stop: not used
                    };
                    if let Some(&(_, previous)) = times.last() {
                        if arrival < previous || departure < arrival {
                            return Err(Error::input(
                                "stop_times.txt",
                                Some(trip_id.clone()),
                                Some("arrival_time"),
                                format!("times go back at stop_sequence {} of trip {trip_id}", st.stop_sequence),
                            ));
                        }
                    }
                    sequence.push(s);
                    times.push((arrival, departure));
                }
                if sequence.len() < 2 {
                    continue;
                }
                let starts: Vec<u32> = if trip.frequencies.is_empty() {
                    vec![times[0].1]
                } else {
                    trip.frequencies
                        .iter()
                        .flat_map(|f| (f.start_time..f.end_time).step_by(f.headway_secs.max(1) as usize))
                        .collect()
                };
                let first = times[0].1;
                for start in starts {
                    let shifted = times.iter().map(|&(a, d)| (a - first + start, d - first + start)).collect();
                    by_sequence.entry(sequence.clone()).or_default().push(shifted);
                    trips += 1;
                }
            }
        }
        if trips == 0 {
            return Err(Error::parameter("service_date", format!("no trip of the feeds runs on {date}")));
        }
        let mut patterns = Vec::new();
        let mut sequences: Vec<_> = by_sequence.into_iter().collect();
        sequences.sort();
        for (sequence, mut runs) in sequences {
            runs.sort();
            // split runs that overtake into separate patterns (each stays FIFO)
            let mut groups: Vec<Vec<Vec<(u32, u32)>>> = Vec::new();
            for run in runs {
                let fits = |g: &Vec<Vec<(u32, u32)>>| {
                    let last = g.last().expect("groups are never empty");
                    last.iter().zip(&run).all(|(a, b)| a.0 <= b.0 && a.1 <= b.1)
                };
                match groups.iter_mut().find(|g| fits(g)) {
                    Some(g) => g.push(run),
                    None => groups.push(vec![run]),
                }
            }
            patterns.extend(groups.into_iter().map(|times| Pattern { stops: sequence.clone(), times }));
        }
        let mut stop_patterns = vec![Vec::new(); stops.len()];
        for (p, pattern) in patterns.iter().enumerate() {
            for (i, &s) in pattern.stops.iter().enumerate() {
                stop_patterns[s as usize].push((p as u32, i as u32));
            }
        }
        Ok(Timetable { date, stops, patterns, stop_patterns, trips })
    }

    /// The fastest a vehicle goes between two consecutive stops.
    ///
    /// # Units
    /// metres per second
    pub fn max_speed_m_s(&self) -> f64 {
        let mut fastest: f64 = 0.0;
        for p in &self.patterns {
            for w in 0..p.stops.len().saturating_sub(1) {
                let (a, b) = (self.stops[p.stops[w] as usize].xy, self.stops[p.stops[w + 1] as usize].xy);
                let metres = (a[0] - b[0]).hypot(a[1] - b[1]);
                for run in &p.times {
                    let seconds = run[w + 1].0.saturating_sub(run[w].1).max(1);
                    fastest = fastest.max(metres / seconds as f64);
                }
            }
        }
        fastest
    }
}
