//! Building a network from an OGR line layer (a regional road graph):
//! topology from coincident end points within a tolerance.

use super::graph::{Graph, RawLink};
use super::{BuildOptions, ModeGraph};
use crate::cost::Mode;
use crate::error::{Error, Result};
use crate::io::{project, read_layer, LayerSource};
use std::collections::HashMap;
use std::path::Path;

/// Fields of a line layer; a missing one means: all modes, both directions,
/// the default speed of the mode.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct LineFields {
    /// Car speed in km/h (bikes go at most this fast, walkers at their own pace).
    pub speed_km_h: Option<String>,
    /// `yes`/`1`/`FT` forward only, `-1`/`TF` backward only, else both ways (cars and bikes).
    pub oneway: Option<String>,
    /// Allowed modes, e.g. `walk;bike;car`.
    pub modes: Option<String>,
}

/// Nodes by position: end points within `tolerance_m` merge.
struct NodeGrid {
    tolerance_m: f64,
    cells: HashMap<(i64, i64), Vec<u32>>,
    xy: Vec<[f64; 2]>,
}

impl NodeGrid {
    fn node(&mut self, p: [f64; 2]) -> u32 {
        let cell = ((p[0] / self.tolerance_m).floor() as i64, (p[1] / self.tolerance_m).floor() as i64);
        for dx in -1..=1 {
            for dy in -1..=1 {
                for &n in self.cells.get(&(cell.0 + dx, cell.1 + dy)).into_iter().flatten() {
                    let q = self.xy[n as usize];
                    if (q[0] - p[0]).hypot(q[1] - p[1]) <= self.tolerance_m {
                        return n;
                    }
                }
            }
        }
        let n = self.xy.len() as u32;
        self.xy.push(p);
        self.cells.entry(cell).or_default().push(n);
        n
    }
}

pub fn build_lines(path: &Path, options: &BuildOptions) -> Result<(u32, Vec<ModeGraph>)> {
    let layer = read_layer(&LayerSource::new(path, None))?;
    let fields = &options.fields;
    for field in [&fields.speed_km_h, &fields.oneway, &fields.modes].into_iter().flatten() {
        layer.require_field(field)?;
    }
    let working = layer.working_crs(options.working_epsg)?;
    let transformer = layer.transformer(&working)?;
    let tolerance_m = if options.tolerance_m > 0.0 { options.tolerance_m } else { 1.0 };
    let mut grid = NodeGrid { tolerance_m, cells: HashMap::new(), xy: Vec::new() };
    // (from, to, geometry, car speed, directions, modes)
    let mut parts = Vec::new();
    for feature in &layer.features {
        let label = layer.label(feature, None);
        let fail = |field: &str, message: String| Error::input(&layer.name, Some(label.clone()), Some(field), message);
        let Some(geometry) = &feature.geometry else { continue };
        let lines: Vec<geo::LineString<f64>> = match project(geometry, &transformer)? {
            geo::Geometry::LineString(l) => vec![l],
            geo::Geometry::MultiLineString(m) => m.0,
            other => {
                let kind = match other {
                    geo::Geometry::Point(_) | geo::Geometry::MultiPoint(_) => "points",
                    _ => "polygons",
                };
                return Err(fail("geometry", format!("the layer holds {kind}, not lines: it cannot be a network")));
            }
        };
        let value = |field: &Option<String>| field.as_ref().and_then(|f| feature.fields.get(f).cloned().flatten());
        let speed_km_h = match (&fields.speed_km_h, value(&fields.speed_km_h)) {
            (None, _) => None,
            (Some(f), Some(text)) => match text.trim().parse::<f64>() {
                Ok(v) if v > 0.0 && v.is_finite() => Some(v),
                _ => return Err(fail(f, format!("speed '{text}' is not a positive number of km/h"))),
            },
            (Some(f), None) => return Err(fail(f, "speed is empty".into())),
        };
        let directions = match value(&fields.oneway).as_deref().map(str::trim) {
            Some("yes" | "1" | "true" | "FT" | "ft") => (true, false),
            Some("-1" | "TF" | "tf" | "reverse") => (false, true),
            _ => (true, true),
        };
        let allowed: Vec<Mode> = match value(&fields.modes) {
            Some(text) => crate::catalogue::split_list(&text)
                .into_iter()
                .map(|m| {
                    m.parse::<Mode>().map_err(|_| {
                        fail(fields.modes.as_deref().unwrap_or(""), format!("'{m}' is not walk, bike or car"))
                    })
                })
                .collect::<Result<_>>()?,
            None => vec![Mode::Walk, Mode::Bike, Mode::Car],
        };
        for line in lines {
            let points: Vec<[f64; 2]> = line.0.iter().map(|c| [c.x, c.y]).collect();
            if points.len() < 2 {
                continue;
            }
            let (from, to) = (grid.node(points[0]), grid.node(points[points.len() - 1]));
            parts.push((from, to, points, speed_km_h, directions, allowed.clone()));
        }
    }
    let mut modes = Vec::new();
    for mode in [Mode::Walk, Mode::Bike, Mode::Car] {
        let default_m_s = match mode {
            Mode::Walk | Mode::Transit => options.speeds.walk_m_s,
            Mode::Bike => options.speeds.bike_m_s,
            Mode::Car => 50.0 / 3.6,
        };
        let mut links = Vec::new();
        for (from, to, points, speed_km_h, (forward, backward), allowed) in &parts {
            if !allowed.contains(&mode) || from == to {
                continue;
            }
            let speed_m_s = match (mode, speed_km_h) {
                (Mode::Walk | Mode::Transit, _) | (_, None) => default_m_s,
                (Mode::Bike, Some(v)) => default_m_s.min(v / 3.6),
                (Mode::Car, Some(v)) => v / 3.6,
            };
            let length_m: f64 = points.windows(2).map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1])).sum();
            let (forward, backward) = if mode == Mode::Walk { (true, true) } else { (*forward, *backward) };
            links.push(RawLink {
                from: *from,
                to: *to,
                geometry: points.clone(),
                forward_s: forward.then_some(length_m / speed_m_s),
                backward_s: backward.then_some(length_m / speed_m_s),
            });
        }
        let (graph, islands) = Graph::from_links(grid.xy.clone(), links);
        modes.push(ModeGraph::new(mode, graph, islands));
    }
    if modes.iter().all(|m| m.graph.edge_count() == 0) {
        return Err(Error::input(&layer.name, None, Some("geometry"), "no usable lines: the network is empty"));
    }
    Ok((working.epsg, modes))
}
