//! Travel areas (isochrones): for each service, the area from which it can
//! be reached within each time band, the approach of R5 and OpenTripPlanner:
//! network times to the service, spread on a grid with the off-network walk,
//! then contoured by marching squares. Not a convex or concave hull.
//!
//! A point inside the polygon of band `T` reaches the service within
//! `T + (off_network_m + cell_m * sqrt 2) / walk_m_s`; a network node whose
//! time is at most `T - cell_m * sqrt 2 / walk_m_s` lies inside. Bands are
//! cumulative (the 15-minute area holds the 10-minute one).

use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use crate::network::{with_search, Graph, NetworkCost};
use crate::progress::{par_map_chunked, Progress};
use contour::ContourBuilder;
use geo::{BooleanOps, MultiPolygon};

/// Options of the travel areas.
///
/// # Units
/// `bands_s` in seconds; `cell_m` and `off_network_m` in metres.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelAreaOptions {
    /// Time bands, ascending (default 5, 10, 15 and 30 minutes).
    pub bands_s: Vec<f64>,
    /// Grid cell size; `None`: 50 m walking, 75 m cycling, 100 m driving.
    pub cell_m: Option<f64>,
    /// Farthest walk from the network to a place; `None`: two cells.
    pub off_network_m: Option<f64>,
}

impl Default for TravelAreaOptions {
    fn default() -> Self {
        TravelAreaOptions { bands_s: vec![300.0, 600.0, 900.0, 1800.0], cell_m: None, off_network_m: None }
    }
}

/// The area of one band.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelArea {
    /// The service, or `None` for an area dissolved per category.
    pub service: Option<usize>,
    /// The category, for a dissolved area.
    pub category: Option<usize>,
    pub band_s: f64,
    pub geometry: MultiPolygon<f64>,
}

/// Travel areas of every service, in parallel. Services too far from the
/// network get none (see [`crate::cost::ServiceCosts::unreachable_services`]).
pub fn travel_areas(
    model: &NetworkCost,
    services: &FacilityIndex,
    options: &TravelAreaOptions,
    progress: &dyn Progress,
) -> Result<Vec<TravelArea>> {
    let bands = checked_bands(&options.bands_s)?;
    let cell_m = options.cell_m.unwrap_or(match model.mode {
        crate::Mode::Walk => 50.0,
        crate::Mode::Bike => 75.0,
        crate::Mode::Car => 100.0,
    });
    if !(cell_m.is_finite() && cell_m > 0.0) {
        return Err(Error::parameter("cell_m", format!("{cell_m} is not a positive size")));
    }
    let off_network_m = options.off_network_m.unwrap_or(2.0 * cell_m);
    let reversed = model.graph.reversed();
    let areas = par_map_chunked(services.len(), 4, progress, |s| {
        service_areas(model, &reversed, services.point(s), &bands, cell_m, off_network_m)
    })?;
    Ok(areas
        .into_iter()
        .enumerate()
        .flat_map(|(s, polygons)| {
            polygons.into_iter().zip(&bands).map(move |(geometry, &band_s)| TravelArea {
                service: Some(s),
                category: None,
                band_s,
                geometry,
            })
        })
        .collect())
}

fn checked_bands(bands_s: &[f64]) -> Result<Vec<f64>> {
    if bands_s.is_empty() {
        return Err(Error::parameter("bands", "at least one time band is needed"));
    }
    if bands_s.iter().any(|b| !(b.is_finite() && *b > 0.0)) || bands_s.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Error::parameter("bands", "time bands must be positive and ascending"));
    }
    Ok(bands_s.to_vec())
}

/// Unions the areas of the services of each category, per band.
pub fn dissolve_by_category(areas: &[TravelArea], services: &FacilityIndex, categories: &[usize]) -> Vec<TravelArea> {
    let mut bands: Vec<f64> = areas.iter().map(|a| a.band_s).collect();
    bands.sort_by(f64::total_cmp);
    bands.dedup();
    let mut out = Vec::new();
    for &category in categories {
        for &band_s in &bands {
            let geometry = areas
                .iter()
                .filter(|a| a.band_s == band_s && a.service.is_some_and(|s| services.categories_of(s).contains(category)))
                .fold(MultiPolygon::new(Vec::new()), |acc, a| acc.union(&a.geometry));
            if !geometry.0.is_empty() {
                out.push(TravelArea { service: None, category: Some(category), band_s, geometry });
            }
        }
    }
    out
}

/// One polygon per band for a service at `point` (empty when unreachable).
fn service_areas(
    model: &NetworkCost,
    reversed: &Graph,
    point: [f64; 2],
    bands: &[f64],
    cell_m: f64,
    off_network_m: f64,
) -> Vec<MultiPolygon<f64>> {
    let empty = || bands.iter().map(|_| MultiPolygon::new(Vec::new())).collect();
    let Some(anchor) = model.anchor(point) else { return empty() };
    let graph = model.graph;
    let max_s = *bands.last().expect("bands checked");
    // Time from each node to the service: a search on the reversed graph.
    let mut node_time = std::collections::HashMap::new();
    with_search(|search| {
        search.run(reversed, &anchor.arrivals, max_s, |node, time_s, _| {
            node_time.insert(node, time_s);
            true
        })
    });
    let time_of = |n: u32| node_time.get(&n).copied().unwrap_or(f64::INFINITY);
    // Samples along links: (x, y, time to the service).
    let step_m = cell_m / 2.0;
    let mut samples: Vec<[f64; 3]> = Vec::new();
    for (l, link) in graph.links.iter().enumerate() {
        let (t_from, t_to) = (time_of(link.from), time_of(link.to));
        if t_from.is_infinite() && t_to.is_infinite() && anchor.snap.link != l as u32 {
            continue;
        }
        let along_total = link.length_m.max(f64::MIN_POSITIVE);
        let mut along = 0.0;
        for w in link.geometry.windows(2) {
            let length = (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]);
            let pieces = (length / step_m).ceil().max(1.0) as usize;
            for k in 0..=pieces {
                let t = k as f64 / pieces as f64;
                let f = ((along + t * length) / along_total).min(1.0);
                let mut time = f64::INFINITY;
                if let Some(e) = link.forward {
                    time = time.min((1.0 - f) * graph.time_s[e as usize] + t_to);
                }
                if let Some(e) = link.backward {
                    time = time.min(f * graph.time_s[e as usize] + t_from);
                }
                if anchor.snap.link == l as u32 {
                    let delta = anchor.snap.fraction - f;
                    let edge = if delta >= 0.0 { link.forward } else { link.backward };
                    if let Some(e) = edge {
                        time = time.min(delta.abs() * graph.time_s[e as usize] + anchor.snap.distance_m / model.walk_m_s);
                    }
                }
                if time <= max_s {
                    samples.push([w[0][0] + t * (w[1][0] - w[0][0]), w[0][1] + t * (w[1][1] - w[0][1]), time]);
                }
            }
            along += length;
        }
    }
    if samples.is_empty() {
        return empty();
    }
    // The time surface: each sample spreads by walking, at most off_network_m.
    let margin = off_network_m + 2.0 * cell_m;
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for s in &samples {
        x0 = x0.min(s[0]);
        y0 = y0.min(s[1]);
        x1 = x1.max(s[0]);
        y1 = y1.max(s[1]);
    }
    let (x0, y0) = (x0 - margin, y0 - margin);
    let width = ((x1 + margin - x0) / cell_m).ceil() as usize + 1;
    let height = ((y1 + margin - y0) / cell_m).ceil() as usize + 1;
    let unreached = max_s * 4.0 + 1.0;
    let mut surface = vec![unreached; width * height];
    for s in &samples {
        let radius = off_network_m.min((max_s - s[2]) * model.walk_m_s);
        let (cx, cy) = ((s[0] - x0) / cell_m, (s[1] - y0) / cell_m);
        let r = radius / cell_m;
        let (i0, i1) = ((cx - r).floor().max(0.0) as usize, ((cx + r).ceil() as usize).min(width - 1));
        let (j0, j1) = ((cy - r).floor().max(0.0) as usize, ((cy + r).ceil() as usize).min(height - 1));
        for j in j0..=j1 {
            for i in i0..=i1 {
                let d = ((i as f64 - cx) * cell_m).hypot((j as f64 - cy) * cell_m);
                if d <= radius {
                    let t = s[2] + d / model.walk_m_s;
                    let cell = &mut surface[j * width + i];
                    if t < *cell {
                        *cell = t;
                    }
                }
            }
        }
    }
    // Contour the negated surface: the area at or above -T is the area within T.
    let negated: Vec<f64> = surface.iter().map(|t| -t).collect();
    let thresholds: Vec<f64> = bands.iter().map(|b| -b).collect();
    let builder = ContourBuilder::new(width, height, true)
        .x_origin(x0 - cell_m / 2.0)
        .y_origin(y0 - cell_m / 2.0)
        .x_step(cell_m)
        .y_step(cell_m);
    let contours = builder.contours(&negated, &thresholds).expect("the grid holds width x height values");
    contours.into_iter().map(|c| c.into_inner().0).collect()
}
