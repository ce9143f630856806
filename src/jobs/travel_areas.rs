//! The travel-areas job: isochrone bands of each service on a network.

use super::inputs::{OutputOptions, ServicesInput, TravelInput};
use super::params::Kind;
use super::prepare::{network_for, prepare, Model};
use super::{check, deliver, seconds};
use crate::catalogue::{vocabulary, Service};
use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use crate::job_options;
use crate::network::Network;
use crate::output::i18n::Source;
use crate::output::services::services_layer;
use crate::output::{
    styles, FieldKind, FieldSchema, GeometryKind, Granularity, LayerColumns, LayerSchema, OutputLayer, Role, Value,
};
use crate::progress::Progress;
use crate::travel_areas::{
    dissolve_by_category, transit_travel_areas, travel_areas, TimeSurface, TravelArea, TravelAreaOptions,
};
use serde::Serialize;
use std::sync::Arc;

job_options! {
    /// Options of the travel-areas job.
    pub struct TravelAreasOptions {
        flatten { services: ServicesInput, travel: TravelInput, output: OutputOptions }
        /// Only services of these categories; every service when empty.
        #[param(kind(Kind::Categories), it("Solo i servizi di queste categorie; tutti se vuoto"))]
        pub categories: Vec<String> = Vec::new(),
        /// Time bands, ascending; each area holds the smaller ones.
        #[param(kind(Kind::Numbers), unit("min"), positive(0.0), max(1440.0), it("Fasce di tempo, crescenti; ogni area contiene le minori"))]
        pub time_bands_minutes: Vec<f64> = vec![5.0, 10.0, 15.0, 30.0],
        /// Grid cell of the time surface. Default: 50 m walking, 75 m cycling, 100 m driving or by transit.
        #[param(kind(Kind::Number), unit("m"), positive(0.0), it("Cella della griglia dei tempi (predefinito: 50 m a piedi, 75 m in bici, 100 m in auto o con i mezzi pubblici)"))]
        pub cell_m: Option<f64> = None,
        /// Farthest walk between a grid cell and the network. Default: two cells.
        #[param(advanced(true), kind(Kind::Number), unit("m"), min(0.0), it("Massima distanza a piedi tra una cella e la rete (predefinito: due celle)"))]
        pub off_network_m: Option<f64> = None,
        /// One area per category and band instead of one per service.
        #[param(kind(Kind::Bool), it("Un'area per categoria e fascia invece che per servizio"))]
        pub dissolve: bool = false,
        /// Also return each service's time surface (Python only).
        #[param(advanced(true), kind(Kind::Bool), it("Restituisci anche la superficie dei tempi di ogni servizio (solo Python)"))]
        pub keep_surfaces: bool = false,
    }
}

/// A ring of `(x, y)` in the working CRS.
pub type Ring = Vec<(f64, f64)>;

/// One area as a report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AreaReport {
    pub service: Option<String>,
    pub category: Option<String>,
    pub minutes: f64,
    /// Polygons as (exterior ring, interior rings) of `(x, y)` in the working CRS.
    pub polygons: Vec<(Ring, Vec<Ring>)>,
}

/// What a travel-areas job made.
#[derive(Debug, Clone, Serialize)]
pub struct TravelAreasReport {
    pub working_epsg: u32,
    pub unreachable_services: Vec<String>,
    pub areas: Vec<AreaReport>,
    /// Service id -> time surface, when asked for.
    pub surfaces: std::collections::BTreeMap<String, TimeSurface>,
    pub layers: Vec<String>,
}

/// Runs a travel-areas job and writes the layers `services` and
/// `travel_areas` (and hands them to `memory`, when given: see [`deliver`]).
pub fn run_travel_areas(
    options: &TravelAreasOptions,
    network: Option<Arc<Network>>,
    progress: &dyn Progress,
    memory: Option<&mut Vec<LayerColumns>>,
) -> Result<TravelAreasReport> {
    check(options)?;
    let vocabulary = vocabulary();
    let wanted = vocabulary
        .parse_set(options.categories.iter().map(String::as_str))
        .map_err(|m| Error::parameter("categories", m))?;
    let network = network_for(&options.travel, network)?;
    prepare(&options.services, &options.travel, None, None, network.as_deref(), |prepared, model| {
        let services: Vec<Service> =
            prepared.services.into_iter().filter(|s| wanted.is_empty() || s.categories.0 & wanted.0 != 0).collect();
        let index = FacilityIndex::new(
            services.iter().map(|s| [s.x, s.y]).collect(),
            services.iter().map(|s| s.categories).collect(),
        )?;
        let bands_s = options.time_bands_minutes.iter().map(|m| seconds(*m)).collect();
        let area_options = TravelAreaOptions {
            bands_s,
            cell_m: options.cell_m,
            off_network_m: options.off_network_m,
            keep_surfaces: options.keep_surfaces,
        };
        let computed = match model {
            Model::Network(model) => travel_areas(model, &index, &area_options, progress)?,
            Model::Transit(model) => transit_travel_areas(model, &index, &area_options, progress)?,
            Model::StraightLine(_) | Model::Matrix(_) => {
                return Err(Error::parameter("network", "travel areas need a road network, or mode transit"))
            }
        };
        if computed.areas.is_empty() && !services.is_empty() {
            crate::warnings::warn(format!(
                "no travel area was drawn: the services are out of reach, or the bands reach less than a grid cell around them; use smaller cells (cell_m, now {})",
                options.cell_m.map_or("the default".to_string(), |c| format!("{c} m"))
            ));
        }
        let mut areas = computed.areas;
        if options.dissolve {
            let categories: Vec<usize> =
                if wanted.is_empty() { (0..vocabulary.categories.len()).collect() } else { wanted.indices().collect() };
            areas = dissolve_by_category(&areas, &index, &categories);
        }
        let unreachable = computed.unreachable.clone();
        let layers = deliver(&options.output, &prepared.working_crs, prepared.window.as_ref(), memory, || {
            vec![services_layer(&services), areas_layer(&services, &areas)]
        })?;
        let surfaces = services
            .iter()
            .zip(computed.surfaces)
            .filter_map(|(s, surface)| surface.map(|surface| (s.id.clone(), surface)))
            .collect();
        Ok(TravelAreasReport {
            working_epsg: prepared.working_crs.epsg,
            unreachable_services: unreachable.iter().map(|&s| services[s].id.clone()).collect(),
            areas: areas.iter().map(|a| area_report(&services, a)).collect(),
            surfaces,
            layers,
        })
    })
}

fn area_report(services: &[Service], a: &TravelArea) -> AreaReport {
    let ring = |r: &geo::LineString<f64>| r.0.iter().map(|c| (c.x, c.y)).collect::<Vec<_>>();
    AreaReport {
        service: a.service.map(|s| services[s].id.clone()),
        category: a.category.map(|c| vocabulary().categories[c].id.clone()),
        minutes: a.band_s / 60.0,
        polygons: a.geometry.0.iter().map(|p| (ring(p.exterior()), p.interiors().iter().map(ring).collect())).collect(),
    }
}

fn areas_layer(services: &[Service], areas: &[TravelArea]) -> OutputLayer {
    let vocabulary = vocabulary();
    let fields = vec![
        FieldSchema::new("service_id", FieldKind::Text, Role::Id, None, "Servizio", "Service"),
        FieldSchema::new("service_name", FieldKind::Text, Role::Label, None, "Nome del servizio", "Service name"),
        FieldSchema::new("category", FieldKind::Text, Role::Category, None, "Categorie", "Categories"),
        FieldSchema::new(
            "band_min",
            FieldKind::Real,
            Role::TravelTime,
            Some("min"),
            "Entro (minuti)",
            "Within (minutes)",
        ),
    ];
    let rows = areas
        .iter()
        .map(|a| {
            let (id, name, categories) = match a.service {
                Some(s) => {
                    let service = &services[s];
                    let ids: Vec<&str> =
                        service.categories.indices().map(|i| vocabulary.categories[i].id.as_str()).collect();
                    (Value::text(&service.id), Value::text(&service.name), Value::text(&ids.join(";")))
                }
                None => (
                    Value::Null,
                    Value::Null,
                    Value::text(a.category.map_or("", |c| vocabulary.categories[c].id.as_str())),
                ),
            };
            (
                Some(geo::Geometry::MultiPolygon(a.geometry.clone())),
                vec![id, name, categories, Value::Real(a.band_s / 60.0)],
            )
        })
        .collect();
    let mut bands: Vec<f64> = areas.iter().map(|a| a.band_s / 60.0).collect();
    bands.sort_by(f64::total_cmp);
    bands.dedup();
    let schema = LayerSchema {
        name: "travel_areas".into(),
        granularity: Granularity::Place,
        title_it: "Aree di percorrenza".into(),
        title_en: "Travel areas".into(),
        abstract_it: "Aree da cui si raggiunge un servizio entro ciascuna fascia di tempo.".into(),
        abstract_en: "Areas from which a service is reached within each time band.".into(),
        fields,
    };
    let title = Source::new("Raggiunto entro (minuti)", "Reached within (minutes)");
    let styles = vec![styles::bands_style("travel_areas", "band_min", &title, &bands, true, false)];
    OutputLayer { schema, geometry: Some(GeometryKind::MultiPolygon), rows, styles }
}
