//! File-to-file jobs: what the CLI, the Python API and the QGIS plugin run.
//! Reading, analysis and writing are composed here, once.

use crate::catalogue::{vocabulary, Service, FIELDS};
use crate::cost::{CostModel, Mode, StraightLine};
use crate::coverage::{coverage, population_summary, CategoryCoverage, CoverageOptions, PopulationSummary};
use crate::crs::WorkingCrs;
use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use crate::io::{
    read_demand, read_layer, read_services, write_geopackage, Demand, DemandFields, FieldKind, GeometryKind,
    LayerSource, OutputLayer, Value,
};
use crate::network::{Network, NetworkCost};
use crate::progress::Progress;
use crate::styles;
use crate::travel_areas::{dissolve_by_category, travel_areas, TimeSurface, TravelArea, TravelAreaOptions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Polygons to show demand units on a map, joined to them by a key field
/// (e.g. municipality boundaries joined by ISTAT code to town-centre points).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zones {
    pub source: LayerSource,
    /// Field of the zones layer matching the demand id.
    pub key_field: String,
}

/// A coverage analysis from files.
///
/// # Units
/// `count_within_s` and `summary_thresholds_s` in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageJob {
    pub services: LayerSource,
    pub demand: LayerSource,
    pub demand_fields: DemandFields,
    pub zones: Option<Zones>,
    pub mode: Mode,
    /// Category ids to analyse; every category when empty.
    pub categories: Vec<String>,
    pub count_within_s: f64,
    pub summary_thresholds_s: Vec<f64>,
    /// EPSG code of the working CRS; the UTM zone of the services when `None`.
    pub working_epsg: Option<u32>,
    /// GeoPackage to write; nothing is written when `None`.
    pub output: Option<PathBuf>,
    /// Name of the demand layer in the output.
    pub demand_layer_name: String,
    /// Travel on this network (in its CRS); straight lines when `None`.
    pub network: Option<Arc<Network>>,
}

impl CoverageJob {
    /// A job with the defaults: walking, counts within 30 minutes, summary at 15, 30 and 60 minutes.
    pub fn new(services: LayerSource, demand: LayerSource, population_field: &str) -> Self {
        CoverageJob {
            services,
            demand,
            demand_fields: DemandFields { population: population_field.to_string(), id: None, name: None },
            zones: None,
            mode: Mode::Walk,
            categories: Vec::new(),
            count_within_s: 1800.0,
            summary_thresholds_s: vec![900.0, 1800.0, 3600.0],
            working_epsg: None,
            output: None,
            demand_layer_name: "coverage".to_string(),
            network: None,
        }
    }
}

/// What a coverage job found.
pub struct CoverageReport {
    pub working_crs: WorkingCrs,
    pub mode: Mode,
    pub services: Vec<Service>,
    pub demand: Demand,
    pub coverage: Vec<CategoryCoverage>,
    pub summaries: Vec<PopulationSummary>,
    pub count_within_s: f64,
    /// Services the cost model cannot reach (too far from the network).
    pub unreachable_services: Vec<usize>,
}

/// The working CRS: the network's when there is one (a different named one is refused).
fn working_epsg(named: Option<u32>, network: Option<&Network>) -> Result<Option<u32>> {
    match (named, network) {
        (Some(a), Some(n)) if a != n.epsg => Err(Error::parameter(
            "working_epsg",
            format!("EPSG:{a} differs from the network's EPSG:{}; rebuild the network in EPSG:{a} or leave it out", n.epsg),
        )),
        (_, Some(n)) => Ok(Some(n.epsg)),
        (named, None) => Ok(named),
    }
}

/// Runs a coverage job: read, validate, analyse, and write the GeoPackage.
pub fn run_coverage(job: &CoverageJob, progress: &dyn Progress) -> Result<CoverageReport> {
    let vocabulary = vocabulary();
    let categories = vocabulary.indices_of(&job.categories)?;
    for &t in &job.summary_thresholds_s {
        if !(t.is_finite() && t > 0.0) {
            return Err(Error::parameter("summary_thresholds_s", format!("{t} is not a positive time")));
        }
    }
    let network = job.network.as_deref();
    let (services, working_crs) = read_services(&job.services, working_epsg(job.working_epsg, network)?)?;
    let demand = read_demand(&job.demand, &job.demand_fields, &working_crs)?;
    let index = FacilityIndex::new(
        services.iter().map(|s| [s.x, s.y]).collect(),
        services.iter().map(|s| s.categories).collect(),
    )?;
    let straight = StraightLine::for_mode(job.mode);
    let on_network = match network {
        Some(n) => Some(NetworkCost::new(n.mode(job.mode)?)),
        None => None,
    };
    let model: &dyn CostModel = match &on_network {
        Some(m) => m,
        None => &straight,
    };
    let unreachable_services = model.bind(&index)?.unreachable_services();
    let options = CoverageOptions { categories, count_within_s: job.count_within_s };
    let coverage = coverage(&demand.points, &index, model, &options, progress)?;
    let summaries = population_summary(&coverage, &demand.population, &job.summary_thresholds_s)?;
    let report = CoverageReport {
        working_crs,
        mode: job.mode,
        services,
        demand,
        coverage,
        summaries,
        count_within_s: job.count_within_s,
        unreachable_services,
    };
    if let Some(path) = &job.output {
        let zones = match &job.zones {
            Some(z) => Some(zone_geometries(z, &report.demand.ids, &report.working_crs)?),
            None => None,
        };
        let layers = [
            services_layer(&report.services),
            demand_layer(&job.demand_layer_name, &report, zones),
            summary_table(&report),
        ];
        write_geopackage(path, &layers, &report.working_crs)?;
    }
    Ok(report)
}

/// Zone polygons in the working CRS, one per demand unit, by key.
pub fn zone_geometries(zones: &Zones, ids: &[String], working: &WorkingCrs) -> Result<Vec<geo::Geometry<f64>>> {
    let layer = read_layer(&zones.source)?;
    layer.require_field(&zones.key_field)?;
    let transformer = layer.transformer(working)?;
    let mut by_key = HashMap::new();
    for feature in &layer.features {
        if let (Some(Some(key)), Some(geometry)) = (feature.fields.get(&zones.key_field), &feature.geometry) {
            by_key.insert(key.clone(), crate::io::project(geometry, &transformer)?);
        }
    }
    ids.iter()
        .map(|id| {
            by_key.remove(id).ok_or_else(|| {
                Error::input(&layer.name, None, Some(&zones.key_field), format!("no zone for demand unit '{id}'"))
            })
        })
        .collect()
}

fn text(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        Value::Text(s.to_string())
    }
}

fn services_layer(services: &[Service]) -> OutputLayer {
    let vocabulary = vocabulary();
    let rows = services
        .iter()
        .map(|s| {
            let categories: Vec<&str> =
                s.categories.indices().map(|i| vocabulary.categories[i].id.as_str()).collect();
            let values = vec![
                text(&s.id),
                text(&s.name),
                text(&s.operator),
                s.operator_kind.map_or(Value::Null, |k| text(k.as_str())),
                text(&categories.join(";")),
                text(&s.languages.join(";")),
                text(&s.opening_hours),
                text(&s.address),
                text(&s.municipality_istat),
                text(&s.phone),
                text(&s.email),
                text(&s.website),
                s.appointment_required.map_or(Value::Null, |b| Value::Integer(b as i64)),
                Value::Real(s.capacity),
                text(&s.updated_at),
            ];
            (Some(geo::Geometry::Point(geo::Point::new(s.x, s.y))), values)
        })
        .collect();
    OutputLayer {
        styles: vec![styles::services_style()],
        name: "services".into(),
        geometry: Some(GeometryKind::Point),
        fields: FIELDS
            .iter()
            .map(|f| {
                let kind = match *f {
                    "capacity" => FieldKind::Real,
                    "appointment_required" => FieldKind::Integer,
                    _ => FieldKind::Text,
                };
                (f.to_string(), kind)
            })
            .collect(),
        rows,
    }
}

/// Output field name for the count within the job's time, e.g. `legal_count_30min`.
pub fn count_field(category: &str, count_within_s: f64) -> String {
    format!("{category}_count_{}min", (count_within_s / 60.0).round() as i64)
}

fn demand_layer(name: &str, report: &CoverageReport, zones: Option<Vec<geo::Geometry<f64>>>) -> OutputLayer {
    let vocabulary = vocabulary();
    let mut fields = Demand::unit_fields();
    for c in &report.coverage {
        let id = &vocabulary.categories[c.category].id;
        fields.push((format!("{id}_nearest_id"), FieldKind::Text));
        fields.push((format!("{id}_nearest_m"), FieldKind::Real));
        fields.push((format!("{id}_nearest_min"), FieldKind::Real));
        fields.push((count_field(id, report.count_within_s), FieldKind::Integer));
    }
    let demand = &report.demand;
    let rows = (0..demand.ids.len())
        .map(|i| {
            let mut values = demand.unit_values(i);
            for c in &report.coverage {
                let unit = c.units[i];
                match unit.nearest {
                    Some(r) => values.extend([
                        Value::Text(report.services[r.service].id.clone()),
                        Value::Real(r.distance_m),
                        Value::Real(r.time_s / 60.0),
                    ]),
                    None => values.extend([Value::Null, Value::Null, Value::Null]),
                }
                values.push(Value::Integer(unit.count_within as i64));
            }
            let geometry = zones.as_ref().map_or(&demand.geometries[i], |z| &z[i]).clone();
            (Some(geometry), values)
        })
        .collect();
    let polygons = zones.is_some();
    let geometry = if polygons { GeometryKind::MultiPolygon } else { GeometryKind::Unknown };
    let styles = report
        .coverage
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let field = format!("{}_nearest_min", vocabulary.categories[c.category].id);
            let mut style = styles::bands_style(&field, &field, &[15.0, 30.0, 45.0, 60.0, 1e6], polygons);
            style.default = n == 0;
            style
        })
        .collect();
    OutputLayer { name: name.to_string(), geometry: Some(geometry), fields, rows, styles }
}

fn summary_table(report: &CoverageReport) -> OutputLayer {
    let vocabulary = vocabulary();
    let mut fields = vec![
        ("category".to_string(), FieldKind::Text),
        ("label_en".into(), FieldKind::Text),
        ("label_it".into(), FieldKind::Text),
        ("services".into(), FieldKind::Integer),
        ("population_total".into(), FieldKind::Real),
    ];
    if let Some(first) = report.summaries.first() {
        for (t, _) in &first.population_within {
            fields.push((format!("population_within_{}min", (t / 60.0).round() as i64), FieldKind::Real));
        }
    }
    fields.push(("worst_served".into(), FieldKind::Text));
    let rows = report
        .summaries
        .iter()
        .map(|s| {
            let category = &vocabulary.categories[s.category];
            let count = report.services.iter().filter(|x| x.categories.contains(s.category)).count();
            let mut values = vec![
                Value::Text(category.id.clone()),
                Value::Text(category.labels["en"].clone()),
                Value::Text(category.labels["it"].clone()),
                Value::Integer(count as i64),
                Value::Real(s.population_total),
            ];
            values.extend(s.population_within.iter().map(|(_, p)| Value::Real(*p)));
            let worst: Vec<&str> = s.worst_served.iter().take(3).map(|&i| report.demand.names[i].as_str()).collect();
            values.push(Value::Text(worst.join("; ")));
            (None, values)
        })
        .collect();
    OutputLayer { name: "summary".into(), geometry: None, fields, rows, styles: Vec::new() }
}

/// Travel areas of the services of a catalogue, on a network.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelAreasJob {
    pub services: LayerSource,
    pub network: Arc<Network>,
    pub mode: Mode,
    pub options: TravelAreaOptions,
    /// Category ids of the services to use; every service when empty.
    pub categories: Vec<String>,
    /// Union the areas of each category, per band.
    pub dissolve: bool,
    /// Points farther than this from the network are unreachable.
    ///
    /// # Units
    /// metres
    pub max_snap_m: f64,
    pub output: Option<PathBuf>,
}

/// What a travel-areas job made.
pub struct TravelAreasReport {
    pub working_crs: WorkingCrs,
    pub services: Vec<Service>,
    pub areas: Vec<TravelArea>,
    /// Per service when asked for (see [`TravelAreaOptions::keep_surfaces`]).
    pub surfaces: Vec<Option<TimeSurface>>,
    pub unreachable_services: Vec<usize>,
}

/// Runs a travel-areas job and writes the `travel_areas` layer.
pub fn run_travel_areas(job: &TravelAreasJob, progress: &dyn Progress) -> Result<TravelAreasReport> {
    let vocabulary = vocabulary();
    let wanted = vocabulary
        .parse_set(job.categories.iter().map(String::as_str))
        .map_err(|message| Error::parameter("categories", message))?;
    let (all, working_crs) = read_services(&job.services, Some(job.network.epsg))?;
    let services: Vec<Service> =
        all.into_iter().filter(|s| wanted.is_empty() || s.categories.0 & wanted.0 != 0).collect();
    let index = FacilityIndex::new(
        services.iter().map(|s| [s.x, s.y]).collect(),
        services.iter().map(|s| s.categories).collect(),
    )?;
    let mut model = NetworkCost::new(job.network.mode(job.mode)?);
    model.max_snap_m = job.max_snap_m;
    let unreachable_services = model.bind(&index)?.unreachable_services();
    let computed = travel_areas(&model, &index, &job.options, progress)?;
    let mut areas = computed.areas;
    if job.dissolve {
        let categories: Vec<usize> = if wanted.is_empty() {
            (0..vocabulary.categories.len()).collect()
        } else {
            wanted.indices().collect()
        };
        areas = dissolve_by_category(&areas, &index, &categories);
    }
    let report = TravelAreasReport { working_crs, services, areas, surfaces: computed.surfaces, unreachable_services };
    if let Some(path) = &job.output {
        write_geopackage(path, &[services_layer(&report.services), areas_layer(&report)], &report.working_crs)?;
    }
    Ok(report)
}

fn areas_layer(report: &TravelAreasReport) -> OutputLayer {
    let vocabulary = vocabulary();
    let fields = vec![
        ("service_id".to_string(), FieldKind::Text),
        ("service_name".into(), FieldKind::Text),
        ("category".into(), FieldKind::Text),
        ("band_min".into(), FieldKind::Real),
    ];
    let rows = report
        .areas
        .iter()
        .map(|a| {
            let (id, name, categories) = match a.service {
                Some(s) => {
                    let service = &report.services[s];
                    let ids: Vec<&str> = service.categories.indices().map(|i| vocabulary.categories[i].id.as_str()).collect();
                    (text(&service.id), text(&service.name), text(&ids.join(";")))
                }
                None => (Value::Null, Value::Null, text(a.category.map_or("", |c| vocabulary.categories[c].id.as_str()))),
            };
            (Some(geo::Geometry::MultiPolygon(a.geometry.clone())), vec![id, name, categories, Value::Real(a.band_s / 60.0)])
        })
        .collect();
    let mut bands: Vec<f64> = report.areas.iter().map(|a| a.band_s / 60.0).collect();
    bands.sort_by(f64::total_cmp);
    bands.dedup();
    let styles = vec![styles::bands_style("travel_areas", "band_min", &bands, true)];
    OutputLayer { name: "travel_areas".into(), geometry: Some(GeometryKind::MultiPolygon), fields, rows, styles }
}
