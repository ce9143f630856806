//! The network-build job, and opening any network a job is given.

use super::params::Kind;
use super::{check, required};
use crate::error::{Error, Result};
use crate::job_options;
use crate::network::{BuildOptions, LineFields, Network};
use serde::Serialize;
use std::path::Path;

job_options! {
    /// Options of a network build.
    pub struct NetworkBuildOptions {
        flatten {}
        /// An OpenStreetMap .pbf file or an OGR line layer.
        #[param(kind(Kind::File), required(true), it("File .pbf di OpenStreetMap o layer di linee"))]
        pub source: Option<std::path::PathBuf> = None,
        /// The network file to write (.cmnet). An existing one built the same way from the same, unchanged source is kept.
        #[param(kind(Kind::Output), required(true), it("File della rete da scrivere (.cmnet)"))]
        pub output: Option<std::path::PathBuf> = None,
        /// EPSG code of the metric working CRS. Default: the UTM zone of the data.
        #[param(kind(Kind::Integer), min(1.0), max(999999.0), it("Codice EPSG del sistema metrico di lavoro (predefinito: il fuso UTM dei dati)"))]
        pub working_epsg: Option<u32> = None,
        /// Line layers: field with the car speed.
        #[param(kind(Kind::Text), unit("km/h"), it("Layer di linee: campo della velocità in auto"))]
        pub speed_field: Option<String> = None,
        /// Line layers: one-way field (yes/1/FT forward only, -1/TF backward only).
        #[param(kind(Kind::Text), it("Layer di linee: campo del senso unico (yes/1/FT avanti, -1/TF indietro)"))]
        pub oneway_field: Option<String> = None,
        /// Line layers: field with the allowed modes, e.g. walk;bike;car.
        #[param(kind(Kind::Text), it("Layer di linee: campo dei modi ammessi, es. walk;bike;car"))]
        pub modes_field: Option<String> = None,
        /// Line layers: end points closer than this are one node.
        #[param(kind(Kind::Number), unit("m"), positive(0.0), max(1000.0), it("Layer di linee: estremi più vicini di così sono un solo nodo"))]
        pub tolerance_m: f64 = 1.0,
    }
}

impl NetworkBuildOptions {
    /// The core's build options.
    pub fn build_options(&self) -> BuildOptions {
        BuildOptions {
            working_epsg: self.working_epsg,
            fields: LineFields {
                speed_km_h: self.speed_field.clone(),
                oneway: self.oneway_field.clone(),
                modes: self.modes_field.clone(),
            },
            tolerance_m: self.tolerance_m,
            ..Default::default()
        }
    }
}

/// A network's size per mode, as a report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ModeInfo {
    pub nodes: usize,
    pub edges: usize,
    pub length_m: f64,
    pub islands_dropped: usize,
    pub island_nodes_dropped: usize,
    pub island_length_m_dropped: f64,
}

/// A network's source and size.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkInfo {
    pub source: String,
    pub source_bytes: u64,
    pub epsg: u32,
    /// Mode name -> its graph's size.
    pub modes: std::collections::BTreeMap<&'static str, ModeInfo>,
}

impl NetworkInfo {
    pub fn of(network: &Network) -> Self {
        NetworkInfo {
            source: network.source.path.clone(),
            source_bytes: network.source.bytes,
            epsg: network.epsg,
            modes: network
                .modes
                .iter()
                .map(|m| {
                    (
                        m.mode.as_str(),
                        ModeInfo {
                            nodes: m.graph.node_count(),
                            edges: m.graph.edge_count(),
                            length_m: m.graph.links.iter().map(|l| l.length_m).sum(),
                            islands_dropped: m.islands.count,
                            island_nodes_dropped: m.islands.nodes,
                            island_length_m_dropped: m.islands.length_m,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// What a network build did.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkBuildReport {
    /// `built`, `rebuilt` (the saved one's source had changed) or `up_to_date`.
    pub status: &'static str,
    pub info: NetworkInfo,
}

/// Builds and saves a network, unless the output already holds one built
/// the same way from the same, unchanged source.
pub fn run_network_build(options: &NetworkBuildOptions) -> Result<NetworkBuildReport> {
    check(options)?;
    let source = required(&options.source, "source")?;
    let output = required(&options.output, "output")?;
    let wanted = options.build_options();
    if output.exists() {
        if let Ok(existing) = Network::load(output) {
            let same_source = Path::new(&existing.source.path).canonicalize().ok() == source.canonicalize().ok();
            if same_source && existing.source.options == wanted {
                let (network, rebuilt) = Network::open(output)?;
                let status = if rebuilt { "rebuilt" } else { "up_to_date" };
                return Ok(NetworkBuildReport { status, info: NetworkInfo::of(&network) });
            }
        }
    }
    let network = Network::build(source, &wanted)?;
    network.save(output)?;
    Ok(NetworkBuildReport { status: "built", info: NetworkInfo::of(&network) })
}

/// A network from a saved `.cmnet` file (rebuilt when its source changed;
/// the flag says so) or built in memory, with the default options, from an
/// OSM `.pbf` file or a line layer.
pub fn open_network(path: &Path) -> Result<(Network, bool)> {
    if !path.exists() {
        return Err(Error::io(path.display(), "no such file"));
    }
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("cmnet")) {
        Network::open(path)
    } else {
        Ok((Network::build(path, &NetworkBuildOptions::default().build_options())?, false))
    }
}
