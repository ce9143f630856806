//! Travel areas (isochrones): for each service, the area from which it can
//! be reached within each time band, the approach of R5 and OpenTripPlanner:
//! a time surface on a grid, each cell joining the network at the nearest
//! point of the nearest link (within `off_network_m`, walked at walking
//! speed) as any origin does, then contoured by marching squares. Not a
//! convex or concave hull.
//!
//! Resolution: the surface is exact at cell centres; between them it is
//! interpolated, so a place's time is known to within about
//! `2 * sqrt 2 * cell_m / walk_m_s`. Bands are cumulative (the 15-minute
//! area holds the 10-minute one).

use crate::cost::CostModel;
use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use crate::network::{with_search, Graph, NetworkCost, Snap};
use crate::progress::{par_map_chunked, Progress};
use crate::transit::TransitCost;
use contour::ContourBuilder;
use geo::{BooleanOps, MultiPolygon};
use rayon::prelude::*;

/// Options of the travel areas.
///
/// # Units
/// `bands_s` in seconds; `cell_m` and `off_network_m` in metres.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelAreaOptions {
    /// Time bands, ascending (default 5, 10, 15 and 30 minutes).
    pub bands_s: Vec<f64>,
    /// Grid cell size; `None`: 50 m walking, 75 m cycling, 100 m driving or by transit.
    pub cell_m: Option<f64>,
    /// Farthest walk between a place and the network; `None`: two cells.
    pub off_network_m: Option<f64>,
    /// Also return each service's time surface.
    pub keep_surfaces: bool,
}

impl Default for TravelAreaOptions {
    fn default() -> Self {
        TravelAreaOptions {
            bands_s: vec![300.0, 600.0, 900.0, 1800.0],
            cell_m: None,
            off_network_m: None,
            keep_surfaces: false,
        }
    }
}

/// The most grid cells a travel-areas run may use (about 2 GiB of snapped cells).
const MAX_GRID_CELLS: usize = 40_000_000;

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

/// A service's time surface: the time from each cell centre to the service.
///
/// # Units
/// `x0`, `y0` (the centre of the first cell, south-west) and `cell_m` in
/// metres of the working CRS; `times_s` in seconds, row-major from the
/// south, infinity where the service is not reached within the last band.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSurface {
    pub x0: f64,
    pub y0: f64,
    pub cell_m: f64,
    pub width: usize,
    pub height: usize,
    pub times_s: Vec<f64>,
}

/// Serialised with `times_s` as rows (`height` lists of `width` times).
impl serde::Serialize for TimeSurface {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let rows: Vec<&[f64]> = self.times_s.chunks(self.width.max(1)).collect();
        let mut out = serializer.serialize_struct("TimeSurface", 6)?;
        out.serialize_field("x0", &self.x0)?;
        out.serialize_field("y0", &self.y0)?;
        out.serialize_field("cell_m", &self.cell_m)?;
        out.serialize_field("width", &self.width)?;
        out.serialize_field("height", &self.height)?;
        out.serialize_field("times_s", &rows)?;
        out.end()
    }
}

/// The areas, and the surfaces when asked for (one per service, `None` when unreachable).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TravelAreas {
    pub areas: Vec<TravelArea>,
    pub surfaces: Vec<Option<TimeSurface>>,
    /// Services too far from the network to have an area.
    pub unreachable: Vec<usize>,
}

/// Travel areas of every service, in parallel. Services too far from the
/// network get none (see [`crate::cost::ServiceCosts::unreachable_services`]).
pub fn travel_areas(
    model: &NetworkCost,
    services: &FacilityIndex,
    options: &TravelAreaOptions,
    progress: &dyn Progress,
) -> Result<TravelAreas> {
    let bands = checked_bands(&options.bands_s)?;
    let cell_m = cell_size(options.cell_m, model.mode)?;
    let off_network_m = options.off_network_m.unwrap_or(2.0 * cell_m);
    if !(off_network_m.is_finite() && off_network_m >= 0.0) {
        return Err(Error::parameter("off_network_m", format!("{off_network_m} is not a distance")));
    }
    let cells = SnappedGrid::cells(model, cell_m, off_network_m);
    if cells > MAX_GRID_CELLS {
        let gib = cells as f64 * 48.0 / (1u64 << 30) as f64;
        return Err(too_many_cells(cell_m, cells, gib));
    }
    let grid = SnappedGrid::new(model, cell_m, off_network_m);
    let reversed = model.mode_graph.reversed();
    let per_service = par_map_chunked(services.len(), 4, progress, |s| {
        service_areas(model, reversed, &grid, services.point(s), &bands)
    })?;
    Ok(collected(per_service, &bands, options.keep_surfaces))
}

/// The most grid cells x services a transit run may hold travel times for (about 4 GiB).
const MAX_TRANSIT_REACHES: usize = 200_000_000;

/// Travel areas by public transport: a grid over the stops and services
/// with a walk's margin, each cell centre an origin like any other (the
/// percentile over the departure window), contoured as on a network.
pub fn transit_travel_areas(
    model: &TransitCost,
    services: &FacilityIndex,
    options: &TravelAreaOptions,
    progress: &dyn Progress,
) -> Result<TravelAreas> {
    let bands = checked_bands(&options.bands_s)?;
    let max_s = *bands.last().expect("bands checked");
    let cell_m = cell_size(options.cell_m, crate::Mode::Transit)?;
    let points: Vec<[f64; 2]> =
        model.timetable.stops.iter().map(|s| s.xy).chain((0..services.len()).map(|s| services.point(s))).collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for p in &points {
        (x0, y0, x1, y1) = (x0.min(p[0]), y0.min(p[1]), x1.max(p[0]), y1.max(p[1]));
    }
    let margin = model.settings.max_walk_m + cell_m;
    let (x0, y0) = (x0 - margin, y0 - margin);
    let span = |lo: f64, hi: f64| ((hi + margin - lo) / cell_m).ceil().max(0.0) + 1.0;
    let (width, height) = (span(x0, x1), span(y0, y1));
    let cells = (width * height).min(usize::MAX as f64) as usize;
    if cells > MAX_GRID_CELLS || cells.saturating_mul(services.len()) > MAX_TRANSIT_REACHES {
        let gib = cells as f64 * (services.len() as f64) * 24.0 / (1u64 << 30) as f64;
        return Err(too_many_cells(cell_m, cells, gib));
    }
    let width = width as usize;
    let centre = |c: usize| [x0 + (c % width) as f64 * cell_m, y0 + (c / width) as f64 * cell_m];
    let costs = model.bind(services)?;
    let reached = par_map_chunked(cells, 256, progress, |c| costs.within(centre(c), None, max_s))?;
    let mut per_service: Vec<Vec<(usize, f64)>> = vec![Vec::new(); services.len()];
    for (c, found) in reached.into_iter().enumerate() {
        for reach in found {
            per_service[reach.service].push((c, reach.time_s));
        }
    }
    let computed = per_service
        .into_par_iter()
        .map(|reached| {
            // the window of the reached cells, with two cells of margin for the contours
            let (mut i0, mut j0, mut i1, mut j1) = (usize::MAX, usize::MAX, 0, 0);
            for &(c, _) in &reached {
                (i0, j0, i1, j1) = (i0.min(c % width), j0.min(c / width), i1.max(c % width), j1.max(c / width));
            }
            if reached.is_empty() {
                return None;
            }
            let (i0, j0) = (i0.saturating_sub(2), j0.saturating_sub(2));
            let (w, h) = (i1 + 3 - i0, j1 + 3 - j0);
            let mut times = vec![f64::INFINITY; w * h];
            for &(c, t) in &reached {
                times[(c / width - j0) * w + c % width - i0] = t;
            }
            let origin = [x0 + i0 as f64 * cell_m, y0 + j0 as f64 * cell_m];
            Some(contoured(origin, cell_m, w, h, times, &bands))
        })
        .collect();
    Ok(collected(computed, &bands, options.keep_surfaces))
}

/// The grid cell size: as given, or the mode's default.
fn cell_size(cell_m: Option<f64>, mode: crate::Mode) -> Result<f64> {
    let cell_m = cell_m.unwrap_or(match mode {
        crate::Mode::Walk => 50.0,
        crate::Mode::Bike => 75.0,
        crate::Mode::Car | crate::Mode::Transit => 100.0,
    });
    if !(cell_m.is_finite() && cell_m > 0.0) {
        return Err(Error::parameter("cell_m", format!("{cell_m} is not a positive size")));
    }
    Ok(cell_m)
}

fn too_many_cells(cell_m: f64, cells: usize, gib: f64) -> Error {
    Error::parameter(
        "cell_m",
        format!("{cell_m} m cells make a grid of {cells} cells (about {gib:.1} GiB; at most {MAX_GRID_CELLS}): use larger cells"),
    )
}

/// The areas of each service's surface (`None`: the service is unreachable).
fn collected(
    per_service: Vec<Option<(TimeSurface, Vec<MultiPolygon<f64>>)>>,
    bands: &[f64],
    keep_surfaces: bool,
) -> TravelAreas {
    let mut result = TravelAreas::default();
    for (s, found) in per_service.into_iter().enumerate() {
        let Some((surface, polygons)) = found else {
            result.unreachable.push(s);
            result.surfaces.extend(keep_surfaces.then_some(None));
            continue;
        };
        let areas = polygons.into_iter().zip(bands).filter(|(geometry, _)| !geometry.0.is_empty());
        result.areas.extend(areas.map(|(geometry, &band_s)| TravelArea {
            service: Some(s),
            category: None,
            band_s,
            geometry,
        }));
        result.surfaces.extend(keep_surfaces.then_some(Some(surface)));
    }
    result
}

/// A grid over the network whose cell centres are joined to the network
/// once, for every service.
struct SnappedGrid {
    x0: f64,
    y0: f64,
    width: usize,
    height: usize,
    cell_m: f64,
    off_network_m: f64,
    /// Links meeting at each node, to find the extent of partly reached links.
    links_of_node: Vec<Vec<u32>>,
    /// Per cell (row-major from the south-west): the snap, if within reach.
    /// Made when a service's search first reaches near the cell.
    snaps: Vec<std::sync::OnceLock<Option<Snap>>>,
}

impl SnappedGrid {
    /// How many cells the grid over the network would have.
    fn cells(model: &NetworkCost, cell_m: f64, off_network_m: f64) -> usize {
        let xy = &model.graph.xy;
        let span = |axis: usize| {
            let (lo, hi) =
                xy.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p[axis]), hi.max(p[axis])));
            ((hi - lo + 2.0 * (off_network_m + cell_m)) / cell_m).ceil().max(0.0) + 1.0
        };
        (span(0) * span(1)).min(usize::MAX as f64) as usize
    }

    fn new(model: &NetworkCost, cell_m: f64, off_network_m: f64) -> Self {
        let xy = &model.graph.xy;
        let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for p in xy {
            x0 = x0.min(p[0]);
            y0 = y0.min(p[1]);
            x1 = x1.max(p[0]);
            y1 = y1.max(p[1]);
        }
        let margin = off_network_m + cell_m;
        let (x0, y0) = (x0 - margin, y0 - margin);
        let width = (((x1 + margin - x0) / cell_m).ceil() as usize + 1).max(1);
        let height = (((y1 + margin - y0) / cell_m).ceil() as usize + 1).max(1);
        let snaps = (0..width * height).map(|_| std::sync::OnceLock::new()).collect();
        let mut links_of_node = vec![Vec::new(); xy.len()];
        for (l, link) in model.graph.links.iter().enumerate() {
            links_of_node[link.from as usize].push(l as u32);
            links_of_node[link.to as usize].push(l as u32);
        }
        SnappedGrid { x0, y0, width, height, cell_m, off_network_m, links_of_node, snaps }
    }

    /// Where cell `c`'s centre joins the network, if within reach (snapped once, when first asked).
    fn snap(&self, model: &NetworkCost, c: usize) -> Option<&Snap> {
        self.snaps[c]
            .get_or_init(|| {
                let centre =
                    [self.x0 + (c % self.width) as f64 * self.cell_m, self.y0 + (c / self.width) as f64 * self.cell_m];
                model.snapper.snap(centre, self.off_network_m)
            })
            .as_ref()
    }
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
                .filter(|a| {
                    a.band_s == band_s && a.service.is_some_and(|s| services.categories_of(s).contains(category))
                })
                .fold(MultiPolygon::new(Vec::new()), |acc, a| acc.union(&a.geometry));
            if !geometry.0.is_empty() {
                out.push(TravelArea { service: None, category: Some(category), band_s, geometry });
            }
        }
    }
    out
}

/// The time surface and one polygon per band for a service at `point`
/// (`None` when it is too far from the network).
fn service_areas(
    model: &NetworkCost,
    reversed: &Graph,
    grid: &SnappedGrid,
    point: [f64; 2],
    bands: &[f64],
) -> Option<(TimeSurface, Vec<MultiPolygon<f64>>)> {
    let anchor = model.anchor(point)?;
    let graph = model.graph;
    let max_s = *bands.last().expect("bands checked");
    // Time from each reached node to the service: a search on the reversed graph.
    let mut node_time = std::collections::HashMap::new();
    let (mut x0, mut y0, mut x1, mut y1) = (point[0], point[1], point[0], point[1]);
    with_search(|search| {
        search.run(reversed, &anchor.arrivals, max_s, |node, time_s, _| {
            node_time.insert(node, time_s);
            // The links leaving a reached node may be reached part of the way.
            for &l in &grid.links_of_node[node as usize] {
                for p in &graph.links[l as usize].geometry {
                    (x0, y0, x1, y1) = (x0.min(p[0]), y0.min(p[1]), x1.max(p[0]), y1.max(p[1]));
                }
            }
            true
        })
    });
    let time_of = |n: u32| node_time.get(&n).copied().unwrap_or(f64::INFINITY);
    // The time at a point of a link: on to either end, or straight to the service on its own link.
    let time_on_link = |snap: &Snap| {
        let link = &graph.links[snap.link as usize];
        let f = snap.fraction;
        let mut time = f64::INFINITY;
        if let Some(e) = link.forward {
            time = time.min((1.0 - f) * graph.time_s[e as usize] + time_of(link.to));
        }
        if let Some(e) = link.backward {
            time = time.min(f * graph.time_s[e as usize] + time_of(link.from));
        }
        if anchor.snap.link == snap.link {
            let delta = anchor.snap.fraction - f;
            if let Some(e) = if delta >= 0.0 { link.forward } else { link.backward } {
                time = time.min(delta.abs() * graph.time_s[e as usize] + anchor.snap.distance_m / model.walk_m_s);
            }
        }
        time + snap.distance_m / model.walk_m_s
    };
    // The window of the grid the reached links span, with a margin.
    let margin = 2.0 * grid.cell_m + grid.off_network_m;
    let column = |x: f64| (((x - grid.x0) / grid.cell_m).floor().max(0.0) as usize).min(grid.width - 1);
    let row = |y: f64| (((y - grid.y0) / grid.cell_m).floor().max(0.0) as usize).min(grid.height - 1);
    let (i0, i1, j0, j1) = (column(x0 - margin), column(x1 + margin) + 1, row(y0 - margin), row(y1 + margin) + 1);
    let (width, height) = ((i1 - i0 + 1).min(grid.width - i0), (j1 - j0 + 1).min(grid.height - j0));
    let origin = [grid.x0 + i0 as f64 * grid.cell_m, grid.y0 + j0 as f64 * grid.cell_m];
    let mut times = vec![f64::INFINITY; width * height];
    for j in 0..height {
        for i in 0..width {
            if let Some(snap) = grid.snap(model, (j0 + j) * grid.width + i0 + i) {
                times[j * width + i] = time_on_link(snap);
            }
        }
    }
    Some(contoured(origin, grid.cell_m, width, height, times, bands))
}

/// The time surface of a window of cells (`origin`: the centre of its
/// south-west cell; `times` row-major from the south) and one polygon per
/// band. Times beyond the last band are only upper bounds (searches stop
/// there) and count as unreached.
fn contoured(
    origin: [f64; 2],
    cell_m: f64,
    width: usize,
    height: usize,
    mut times: Vec<f64>,
    bands: &[f64],
) -> (TimeSurface, Vec<MultiPolygon<f64>>) {
    let max_s = *bands.last().expect("bands checked");
    let unreached = max_s * 4.0 + 1.0;
    // Negated: the contour at or above -T is the area within T.
    let negated: Vec<f64> = times.iter().map(|&t| if t <= max_s { -t } else { -unreached }).collect();
    let thresholds: Vec<f64> = bands.iter().map(|b| -b).collect();
    // Value k sits at the cell centre; contour places it at k + 0.5 steps from the origin.
    let builder = ContourBuilder::new(width, height, true)
        .x_origin(origin[0] - cell_m / 2.0)
        .y_origin(origin[1] - cell_m / 2.0)
        .x_step(cell_m)
        .y_step(cell_m);
    let contours = builder.contours(&negated, &thresholds).expect("the window holds width x height values");
    for t in &mut times {
        if *t > max_s {
            *t = f64::INFINITY;
        }
    }
    let surface = TimeSurface { x0: origin[0], y0: origin[1], cell_m, width, height, times_s: times };
    (surface, contours.into_iter().map(|c| c.into_inner().0).collect())
}
