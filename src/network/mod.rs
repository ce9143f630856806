//! Road networks: a directed graph per travel mode, built from an
//! OpenStreetMap PBF file or from any OGR line layer, saved to a compact
//! binary file that records its source and is rebuilt when the source changes.

mod cost;
mod file;
mod graph;
mod lines;
mod osm;
mod search;
mod snap;

pub use cost::NetworkCost;
pub use graph::{Graph, Islands, Link, RawLink};
pub use lines::LineFields;
pub use osm::{parse_maxspeed_km_h, OsmSpeeds};
pub use search::{times_to_all, with_search, Search, Start};
pub use snap::{Anchor, Snap, Snapper};

use crate::cost::Mode;
use crate::crs::{Transformer, WorkingCrs};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;

/// Where a network came from, to tell when it must be rebuilt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub path: String,
    pub bytes: u64,
    pub crc32: u32,
    /// The build options, to rebuild the same way.
    pub options: BuildOptions,
}

impl SourceInfo {
    pub fn of(path: &Path, options: &BuildOptions) -> Result<Self> {
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
        let mut hasher = crc32fast::Hasher::new();
        let mut buffer = vec![0u8; 1 << 20];
        let mut bytes = 0u64;
        loop {
            let n = file.read(&mut buffer).map_err(|e| Error::io(path.display(), e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            bytes += n as u64;
        }
        Ok(SourceInfo { path: path.display().to_string(), bytes, crc32: hasher.finalize(), options: options.clone() })
    }
}

/// The graph of one mode and what building it dropped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModeGraph {
    pub mode: Mode,
    pub graph: Graph,
    pub islands: Islands,
    /// The reversed graph, made on first use (searches towards a service).
    #[serde(skip)]
    pub reversed: std::sync::OnceLock<Graph>,
    /// The R-tree joining points to the links, made on first use.
    #[serde(skip)]
    pub snapper: std::sync::OnceLock<Snapper>,
}

/// Equal graphs are equal whether or not their reversed graph was made yet.
impl PartialEq for ModeGraph {
    fn eq(&self, other: &Self) -> bool {
        self.mode == other.mode && self.graph == other.graph && self.islands == other.islands
    }
}

impl ModeGraph {
    pub fn new(mode: Mode, graph: Graph, islands: Islands) -> Self {
        ModeGraph { mode, graph, islands, reversed: std::sync::OnceLock::new(), snapper: std::sync::OnceLock::new() }
    }

    /// The graph with every edge reversed, made once.
    pub fn reversed(&self) -> &Graph {
        self.reversed.get_or_init(|| self.graph.reversed())
    }

    /// The R-tree joining points to the links, made once.
    pub fn snapper(&self) -> &Snapper {
        self.snapper.get_or_init(|| Snapper::new(&self.graph))
    }
}

/// A built network: one graph per mode, in a metric working CRS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub source: SourceInfo,
    pub epsg: u32,
    pub modes: Vec<ModeGraph>,
}

/// Options of a network build.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BuildOptions {
    /// EPSG code of the working CRS; the UTM zone of the data when `None`.
    pub working_epsg: Option<u32>,
    pub speeds: OsmSpeeds,
    /// For line layers: the fields to read.
    pub fields: LineFields,
    /// For line layers: end points closer than this are one node.
    ///
    /// # Units
    /// metres
    pub tolerance_m: f64,
}

impl Network {
    /// Builds from an OSM PBF file (`.pbf`) or any OGR line layer.
    pub fn build(path: &Path, options: &BuildOptions) -> Result<Network> {
        if !path.exists() {
            return Err(Error::io(path.display(), "no such file"));
        }
        let source = SourceInfo::of(path, options)?;
        let is_pbf = path.to_string_lossy().to_ascii_lowercase().ends_with(".pbf");
        let (epsg, modes) = if is_pbf { build_osm(path, options)? } else { lines::build_lines(path, options)? };
        Ok(Network { source, epsg, modes })
    }

    /// The graph of a mode.
    pub fn mode(&self, mode: Mode) -> Result<&ModeGraph> {
        self.modes
            .iter()
            .find(|m| m.mode == mode)
            .ok_or_else(|| Error::parameter("mode", format!("the network has no {} graph", mode.as_str())))
    }

    /// Saves to a file (temporary file, then moved into place).
    pub fn save(&self, path: &Path) -> Result<()> {
        file::save(self, path)
    }

    /// Loads a saved network (checked before use).
    pub fn load(path: &Path) -> Result<Network> {
        file::load(path)?.map_err(|unusable| unusable_error(path, &unusable))
    }

    /// Opens a saved network; when the file it was built from has changed
    /// since, or the saved file's graphs are damaged but its source record
    /// is readable and the source exists, rebuilds it the same way and saves it over. Returns
    /// the network and whether it was rebuilt.
    pub fn open(path: &Path) -> Result<(Network, bool)> {
        let source = match file::load(path)? {
            Ok(network) => {
                let source = Path::new(&network.source.path);
                if !source.exists() || SourceInfo::of(source, &network.source.options)? == network.source {
                    return Ok((network, false));
                }
                network.source
            }
            Err(file::Unusable { source: Some(source), .. }) if Path::new(&source.path).exists() => source,
            Err(unusable) => return Err(unusable_error(path, &unusable)),
        };
        let rebuilt = Network::build(Path::new(&source.path), &source.options)?;
        rebuilt.save(path)?;
        Ok((rebuilt, true))
    }
}

fn unusable_error(path: &Path, unusable: &file::Unusable) -> Error {
    let how = match &unusable.source {
        Some(source) => format!("build it again from {} (network build)", source.path),
        None => "build it again from its OSM or line-layer source (network build)".to_string(),
    };
    Error::io(path.display(), format!("this network file cannot be used: {}; {how}", unusable.reason))
}

/// Projects lon/lat points to the working CRS (the named one, or the UTM
/// zone of their mean).
fn project_lonlat(points: &[[f64; 2]], working_epsg: Option<u32>) -> Result<(WorkingCrs, Vec<[f64; 2]>)> {
    let working = match working_epsg {
        Some(code) => WorkingCrs::from_epsg(code)?,
        None => {
            let n = points.len().max(1) as f64;
            let (lon, lat) = points.iter().fold((0.0, 0.0), |(a, b), p| (a + p[0] / n, b + p[1] / n));
            WorkingCrs::utm_for_lonlat(lon, lat)
        }
    };
    let transformer = Transformer::new("EPSG:4326", &working.definition())?;
    let projected = points.iter().map(|p| transformer.apply(*p)).collect::<Result<_>>()?;
    Ok((working, projected))
}

fn build_osm(path: &Path, options: &BuildOptions) -> Result<(u32, Vec<ModeGraph>)> {
    let data = osm::read_pbf(path)?;
    let ids: Vec<i64> = data.nodes.keys().copied().collect();
    let lonlat: Vec<[f64; 2]> = ids.iter().map(|id| data.nodes[id]).collect();
    let (working, xy) = project_lonlat(&lonlat, options.working_epsg)?;
    let position: std::collections::HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut modes = Vec::new();
    for mode in [Mode::Walk, Mode::Bike, Mode::Car] {
        let mut compact = vec![u32::MAX; xy.len()];
        let mut mode_xy = Vec::new();
        let mut links = Vec::new();
        for way in &data.ways {
            let tags = osm::Tags(way.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect());
            let Some(speed_m_s) = osm::access(&tags, mode, &options.speeds) else { continue };
            let (forward, backward) = osm::directions(&tags, mode);
            let ferry = tags.0.get("route") == Some(&"ferry");
            let last = way.nodes.len().saturating_sub(2);
            for (s, pair) in way.nodes.windows(2).enumerate() {
                let (Some(&a), Some(&b)) = (position.get(&pair[0]), position.get(&pair[1])) else { continue };
                if a == b {
                    continue;
                }
                let mut node = |i: usize| {
                    if compact[i] == u32::MAX {
                        compact[i] = mode_xy.len() as u32;
                        mode_xy.push(xy[i]);
                    }
                    compact[i]
                };
                let (from, to) = (node(a), node(b));
                let length_m = (xy[b][0] - xy[a][0]).hypot(xy[b][1] - xy[a][1]);
                // Boarding a ferry costs a wait, once, at the end the trip starts from.
                let board = |first: bool| if ferry && first { options.speeds.ferry_boarding_s } else { 0.0 };
                links.push(graph::RawLink {
                    from,
                    to,
                    geometry: vec![xy[a], xy[b]],
                    forward_s: forward.then(|| length_m / speed_m_s + board(s == 0)),
                    backward_s: backward.then(|| length_m / speed_m_s + board(s == last)),
                });
            }
        }
        let (graph, islands) = Graph::from_links(mode_xy, links);
        modes.push(ModeGraph::new(mode, graph, islands));
    }
    Ok((working.epsg, modes))
}
