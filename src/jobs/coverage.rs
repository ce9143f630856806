//! The coverage job ("nearest service"): per demand unit and category, the
//! nearest service and the services within a time; per zone and category,
//! the population reached; per category, the population within each
//! summary time.

use super::inputs::{DemandInput, OutputOptions, ServicesInput, TravelInput, WindowInput};
use super::params::Kind;
use super::prepare::{network_for, prepare};
use super::{check, deliver, seconds};
use crate::catalogue::vocabulary;
use crate::coverage::{coverage, population_summary, CategoryCoverage, PopulationSummary};
use crate::demand::Demand;
use crate::error::Result;
use crate::job_options;
use crate::network::Network;
use crate::output::services::services_layer;
use crate::output::{
    styles, FieldKind, FieldSchema, GeometryKind, Granularity, LayerColumns, LayerSchema, OutputLayer, Role, Value,
};
use crate::progress::Progress;
use serde::Serialize;
use std::collections::BTreeMap;

job_options! {
    /// Options of the coverage job.
    pub struct CoverageOptions {
        flatten { services: ServicesInput, travel: TravelInput, demand: DemandInput, window: WindowInput, output: OutputOptions }
        /// Categories to analyse (ids of the vocabulary); all when empty.
        #[param(kind(Kind::Categories), it("Categorie da analizzare; tutte se vuoto"))]
        pub categories: Vec<String> = Vec::new(),
        /// Count the services reachable within this time; a unit is reached when its nearest service is within it.
        #[param(kind(Kind::Number), unit("min"), positive(0.0), max(1440.0), it("Conta i servizi raggiungibili entro questo tempo"))]
        pub count_within_minutes: f64 = 30.0,
        /// Times at which the summary table counts the population whose nearest service is within reach.
        #[param(kind(Kind::Numbers), unit("min"), positive(0.0), max(1440.0), it("Tempi a cui la tabella riassuntiva conta la popolazione raggiunta"))]
        pub summary_minutes: Vec<f64> = vec![15.0, 30.0, 60.0],
        /// Name of the demand-unit layer in the output.
        #[param(advanced(true), kind(Kind::Text), it("Nome del layer delle unità di domanda nel risultato"))]
        pub output_layer: String = "coverage".to_string(),
    }
}

/// Per category, per demand unit: nearest service id, metres, seconds, and
/// the number of services within the time.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryResult {
    pub nearest_service: Vec<Option<String>>,
    pub nearest_distance_m: Vec<f64>,
    pub nearest_time_s: Vec<f64>,
    pub count_within: Vec<u32>,
}

impl CategoryResult {
    /// Nearest-service ids named by `service_id`.
    pub fn new(c: &CategoryCoverage, service_id: impl Fn(usize) -> String) -> Self {
        CategoryResult {
            nearest_service: c.units.iter().map(|u| u.nearest.map(|r| service_id(r.service))).collect(),
            nearest_distance_m: c.units.iter().map(|u| u.nearest.map_or(f64::INFINITY, |r| r.distance_m)).collect(),
            nearest_time_s: c.units.iter().map(|u| u.nearest.map_or(f64::INFINITY, |r| r.time_s)).collect(),
            count_within: c.units.iter().map(|u| u.count_within).collect(),
        }
    }
}

/// The demand units as a report shows them.
#[derive(Debug, Clone, Serialize)]
pub struct DemandReport {
    pub layer: String,
    pub id: Vec<String>,
    pub name: Vec<String>,
    pub zone: Vec<String>,
    pub population: Vec<f64>,
    /// Working CRS, metres.
    pub xy: Vec<[f64; 2]>,
}

impl DemandReport {
    pub fn new(d: &Demand) -> Self {
        DemandReport {
            layer: d.layer.clone(),
            id: d.ids.clone(),
            name: d.names.clone(),
            zone: d.zones.clone(),
            population: d.population.clone(),
            xy: d.points.clone(),
        }
    }
}

/// One category's population summary.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryRow {
    pub category: String,
    pub labels: BTreeMap<String, String>,
    pub services: usize,
    pub population_total: f64,
    /// Minutes -> population whose nearest service is within them.
    #[serde(serialize_with = "minutes_map")]
    pub population_within_minutes: Vec<(f64, f64)>,
    /// Demand unit indices, slowest first.
    pub worst_served: Vec<usize>,
}

fn minutes_map<S: serde::Serializer>(pairs: &[(f64, f64)], serializer: S) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_map(pairs.iter().copied())
}

/// What a coverage job found.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageReport {
    pub working_epsg: u32,
    pub mode: &'static str,
    pub cost_model: &'static str,
    pub count_within_minutes: f64,
    pub unreachable_services: Vec<String>,
    pub services: Vec<crate::catalogue::Service>,
    pub demand: DemandReport,
    /// Category id -> per-unit results.
    pub coverage: BTreeMap<String, CategoryResult>,
    pub summary: Vec<SummaryRow>,
    /// Layers written, when there is an output.
    pub layers: Vec<String>,
}

/// Runs a coverage job: read, analyse, and write the GeoPackage (and hand
/// the layers to `memory`, when given: see [`deliver`]).
pub fn run_coverage(
    options: &CoverageOptions,
    network: Option<std::sync::Arc<Network>>,
    progress: &dyn Progress,
    memory: Option<&mut Vec<LayerColumns>>,
) -> Result<CoverageReport> {
    check(options)?;
    let vocabulary = vocabulary();
    let categories = vocabulary.indices_of(&options.categories)?;
    let network = network_for(&options.travel, network)?;
    prepare(
        &options.services,
        &options.travel,
        Some(&options.demand),
        Some(&options.window),
        network.as_deref(),
        |prepared, model| {
            let demand = prepared.demand();
            let costs = model.as_dyn().bind(&prepared.index)?;
            let unreachable = costs.unreachable_services();
            let within_s = seconds(options.count_within_minutes);
            let found = coverage(&demand.points, costs.as_ref(), &categories, within_s, progress)?;
            let thresholds_s: Vec<f64> = options.summary_minutes.iter().map(|m| seconds(*m)).collect();
            let summaries = population_summary(&found, &demand.population, &thresholds_s)?;
            let layers = deliver(&options.output, &prepared.working_crs, prepared.window.as_ref(), memory, || {
                let mut output = vec![services_layer(&prepared.services), unit_layer(options, &prepared, &found)];
                if options.demand.aggregate_by.is_some() && !demand.units_are_zones {
                    output.push(zone_table(options, demand, &found));
                }
                output.push(summary_table(options, &prepared, &summaries));
                output
            })?;
            let service_id = |s: usize| prepared.services[s].id.clone();
            Ok(CoverageReport {
                working_epsg: prepared.working_crs.epsg,
                mode: options.travel.mode.as_str(),
                cost_model: model.name(),
                count_within_minutes: options.count_within_minutes,
                unreachable_services: unreachable.iter().map(|&s| service_id(s)).collect(),
                demand: DemandReport::new(demand),
                coverage: found
                    .iter()
                    .map(|c| (vocabulary.categories[c.category].id.clone(), CategoryResult::new(c, service_id)))
                    .collect(),
                summary: summaries.iter().map(|s| summary_row(&prepared, s)).collect(),
                services: prepared.services.clone(),
                layers,
            })
        },
    )
}

fn summary_row(prepared: &super::Prepared, s: &PopulationSummary) -> SummaryRow {
    let category = &vocabulary().categories[s.category];
    SummaryRow {
        category: category.id.clone(),
        labels: category.labels.clone().into_iter().collect(),
        services: prepared.members(s.category).len(),
        population_total: s.population_total,
        population_within_minutes: s.population_within.iter().map(|(t, p)| (t / 60.0, *p)).collect(),
        worst_served: s.worst_served.clone(),
    }
}

/// Output field name for the count within the job's time, e.g. `legal_count_30min`.
pub fn count_field(category: &str, minutes: f64) -> String {
    format!("{category}_count_{}min", minutes.round() as i64)
}

/// "Italian label / English label" of a category, for field titles.
fn labels(category: usize) -> (String, String) {
    let c = &vocabulary().categories[category];
    (c.labels["it"].clone(), c.labels["en"].clone())
}

/// Unit-level layer: one row per demand unit, drawn by its display polygon when there is one.
fn unit_layer(options: &CoverageOptions, prepared: &super::Prepared, found: &[CategoryCoverage]) -> OutputLayer {
    let vocabulary = vocabulary();
    let demand = prepared.demand();
    let minutes = options.count_within_minutes;
    let mut fields = Demand::unit_fields();
    for c in found {
        let id = &vocabulary.categories[c.category].id;
        let (it, en) = labels(c.category);
        fields.extend([
            FieldSchema::new(
                format!("{id}_nearest_id"),
                FieldKind::Text,
                Role::Attribute,
                None,
                format!("{it}: servizio più vicino"),
                format!("{en}: nearest service"),
            ),
            FieldSchema::new(
                format!("{id}_nearest_m"),
                FieldKind::Real,
                Role::Distance,
                Some("m"),
                format!("{it}: distanza (m)"),
                format!("{en}: distance (m)"),
            ),
            FieldSchema::new(
                format!("{id}_nearest_min"),
                FieldKind::Real,
                Role::TravelTime,
                Some("min"),
                format!("{it}: minuti al più vicino"),
                format!("{en}: minutes to the nearest"),
            ),
            FieldSchema::new(
                count_field(id, minutes),
                FieldKind::Integer,
                Role::CountOfServices,
                Some("services"),
                format!("{it}: servizi entro {minutes} min"),
                format!("{en}: services within {minutes} min"),
            ),
        ]);
    }
    let rows = (0..demand.ids.len())
        .map(|i| {
            let mut values = demand.unit_values(i);
            for c in found {
                let unit = c.units[i];
                match unit.nearest {
                    Some(r) => values.extend([
                        Value::Text(prepared.services[r.service].id.clone()),
                        Value::Real(r.distance_m),
                        Value::Real(r.time_s / 60.0),
                    ]),
                    None => values.extend([Value::Null, Value::Null, Value::Null]),
                }
                values.push(Value::Integer(unit.count_within as i64));
            }
            let geometry = prepared.display_polygons.as_ref().map_or(&demand.geometries[i], |z| &z[i]).clone();
            (Some(geometry), values)
        })
        .collect();
    let polygons = prepared.display_polygons.is_some();
    let styles = found
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let field = format!("{}_nearest_min", vocabulary.categories[c.category].id);
            let title =
                styles::category_measure(c.category, "minuti al servizio più vicino", "minutes to the nearest service");
            let mut style = styles::bands_style(&field, &field, &title, &[15.0, 30.0, 45.0, 60.0, 1e6], polygons, true);
            style.default = n == 0;
            style
        })
        .collect();
    let schema = LayerSchema {
        name: options.output_layer.clone(),
        granularity: if demand.units_are_zones { Granularity::Zone } else { Granularity::Unit },
        title_it: "Tempo al servizio più vicino".into(),
        title_en: "Time to the nearest service".into(),
        abstract_it: format!("Per unità e categoria: minuti al servizio più vicino e numero di servizi entro {minutes} minuti ({}).", options.travel.mode.as_str()),
        abstract_en: format!("Per unit and category: minutes to the nearest service and number of services within {minutes} minutes ({}).", options.travel.mode.as_str()),
        fields,
    };
    let geometry = if polygons { GeometryKind::MultiPolygon } else { GeometryKind::Unknown };
    OutputLayer { schema, geometry: Some(geometry), rows, styles }
}

/// Zone table: per category and zone, residents and residents whose nearest service is within the time.
fn zone_table(options: &CoverageOptions, demand: &Demand, found: &[CategoryCoverage]) -> OutputLayer {
    let vocabulary = vocabulary();
    let minutes = options.count_within_minutes;
    let within_s = seconds(minutes);
    let fields = vec![
        FieldSchema::new("category", FieldKind::Text, Role::Category, None, "Categoria", "Category"),
        FieldSchema::new("zone", FieldKind::Text, Role::Id, None, "Zona", "Zone"),
        FieldSchema::new("population", FieldKind::Real, Role::CountOfPeople, Some("persons"), "Residenti", "Residents"),
        FieldSchema::new(
            "reached",
            FieldKind::Real,
            Role::CountOfPeople,
            Some("persons"),
            format!("Residenti con un servizio entro {minutes} min"),
            format!("Residents with a service within {minutes} min"),
        ),
        FieldSchema::new(
            "not_reached",
            FieldKind::Real,
            Role::CountOfPeople,
            Some("persons"),
            format!("Residenti senza servizi entro {minutes} min"),
            format!("Residents with no service within {minutes} min"),
        ),
    ];
    let mut rows = Vec::new();
    for c in found {
        let mut by_zone: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for (i, unit) in c.units.iter().enumerate() {
            let entry = by_zone.entry(demand.zones[i].as_str()).or_default();
            entry.0 += demand.population[i];
            if unit.nearest.is_some_and(|r| r.time_s <= within_s) {
                entry.1 += demand.population[i];
            }
        }
        for (zone, (population, reached)) in by_zone {
            let values = vec![
                Value::Text(vocabulary.categories[c.category].id.clone()),
                Value::Text(zone.to_string()),
                Value::Real(population),
                Value::Real(reached),
                Value::Real(population - reached),
            ];
            rows.push((None, values));
        }
    }
    let schema = LayerSchema {
        name: "coverage_by_zone".into(),
        granularity: Granularity::Zone,
        title_it: format!("Residenti raggiunti entro {minutes} minuti, per zona"),
        title_en: format!("Residents reached within {minutes} minutes, by zone"),
        abstract_it: format!(
            "Per categoria e zona: residenti, residenti con un servizio entro {minutes} minuti e senza."
        ),
        abstract_en: format!(
            "Per category and zone: residents, residents with a service within {minutes} minutes and without."
        ),
        fields,
    };
    OutputLayer { schema, geometry: None, rows, styles: Vec::new() }
}

fn summary_table(
    options: &CoverageOptions,
    prepared: &super::Prepared,
    summaries: &[PopulationSummary],
) -> OutputLayer {
    let demand = prepared.demand();
    let mut fields = vec![
        FieldSchema::new("category", FieldKind::Text, Role::Category, None, "Categoria", "Category"),
        FieldSchema::new("label_en", FieldKind::Text, Role::Label, None, "Nome (inglese)", "Name (English)"),
        FieldSchema::new("label_it", FieldKind::Text, Role::Label, None, "Nome (italiano)", "Name (Italian)"),
        FieldSchema::new(
            "services",
            FieldKind::Integer,
            Role::CountOfServices,
            Some("services"),
            "Servizi",
            "Services",
        ),
        FieldSchema::new(
            "population_total",
            FieldKind::Real,
            Role::CountOfPeople,
            Some("persons"),
            "Residenti",
            "Residents",
        ),
    ];
    for minutes in &options.summary_minutes {
        let m = minutes.round() as i64;
        fields.push(FieldSchema::new(
            format!("population_within_{m}min"),
            FieldKind::Real,
            Role::CountOfPeople,
            Some("persons"),
            format!("Residenti entro {m} min dal più vicino"),
            format!("Residents within {m} min of the nearest"),
        ));
    }
    fields.push(FieldSchema::new("worst_served", FieldKind::Text, Role::Label, None, "Peggio servite", "Worst served"));
    let rows = summaries
        .iter()
        .map(|s| {
            let row = summary_row(prepared, s);
            let mut values = vec![
                Value::Text(row.category),
                Value::Text(row.labels["en"].clone()),
                Value::Text(row.labels["it"].clone()),
                Value::Integer(row.services as i64),
                Value::Real(row.population_total),
            ];
            values.extend(row.population_within_minutes.iter().map(|(_, p)| Value::Real(*p)));
            let worst: Vec<&str> = row.worst_served.iter().take(3).map(|&i| demand.names[i].as_str()).collect();
            values.push(Value::Text(worst.join("; ")));
            (None, values)
        })
        .collect();
    let schema = LayerSchema {
        name: "summary".into(),
        granularity: Granularity::Total,
        title_it: "Riepilogo per categoria".into(),
        title_en: "Summary by category".into(),
        abstract_it: "Per categoria: servizi, residenti e residenti raggiunti entro ciascun tempo.".into(),
        abstract_en: "Per category: services, residents and residents reached within each time.".into(),
        fields,
    };
    OutputLayer { schema, geometry: None, rows, styles: Vec::new() }
}

impl CoverageOptions {
    /// Options for the given files, the rest by default.
    pub fn for_files(
        services: impl Into<std::path::PathBuf>,
        demand: impl Into<std::path::PathBuf>,
        population_field: &str,
    ) -> Self {
        let mut options = CoverageOptions::default();
        options.services.services = Some(services.into());
        options.demand.demand = Some(demand.into());
        options.demand.population_field = Some(population_field.to_string());
        options
    }
}
