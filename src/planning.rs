//! File-to-file planning jobs: accessibility with service gaps, and new-site
//! suggestion. The CLI, the Python API and the QGIS plugin run these.

use crate::accessibility::{accessibility, CostMatrix, Method};
use crate::catalogue::{vocabulary, Service};
use crate::cost::{CostModel, Mode, StraightLine};
use crate::crs::WorkingCrs;
use crate::error::{Error, Result};
use crate::gaps::{by_zone, unit_gaps, LowClass, UnitGap};
use crate::index::FacilityIndex;
use crate::io::{add_to_geopackage, read_demand, read_layer, read_services, write_geopackage, Demand, DemandFields, FieldKind, GeometryKind, LayerSource, OutputLayer, Value};
use crate::network::{Network, NetworkCost};
use crate::job::Zones;
use crate::progress::Progress;
use crate::styles::{self, LayerStyle};
use crate::siting::{CoverProblem, Siting};
use std::path::PathBuf;
use std::sync::Arc;

/// What every planning job reads, and how people travel.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanningInputs {
    pub services: LayerSource,
    pub demand: LayerSource,
    pub demand_fields: DemandFields,
    /// Demand field naming the zone (municipality) to sum gaps by; the unit's name when `None`.
    pub zone_field: Option<String>,
    pub mode: Mode,
    pub network: Option<Arc<Network>>,
    pub working_epsg: Option<u32>,
    /// Polygons to show the demand units with in the output (e.g. municipalities).
    pub zones: Option<Zones>,
}

/// Inputs read and the cost model ready.
struct Prepared {
    services: Vec<Service>,
    demand: Demand,
    zone_of_unit: Vec<String>,
    working_crs: WorkingCrs,
}

fn prepare(inputs: &PlanningInputs) -> Result<Prepared> {
    let epsg = match (&inputs.network, inputs.working_epsg) {
        (Some(n), Some(e)) if n.epsg != e => {
            return Err(Error::parameter("working_epsg", format!("EPSG:{e} differs from the network's EPSG:{}", n.epsg)))
        }
        (Some(n), _) => Some(n.epsg),
        (None, e) => e,
    };
    let (services, working_crs) = read_services(&inputs.services, epsg)?;
    let demand = read_demand(&inputs.demand, &inputs.demand_fields, &working_crs)?;
    let zone_of_unit = match &inputs.zone_field {
        None => demand.names.clone(),
        Some(field) => {
            let layer = read_layer(&inputs.demand)?;
            layer.require_field(field)?;
            layer.features.iter().map(|f| f.fields.get(field).cloned().flatten().unwrap_or_default()).collect()
        }
    };
    Ok(Prepared { services, demand, zone_of_unit, working_crs })
}

/// Runs `work` with the job's cost model.
fn with_model<T>(inputs: &PlanningInputs, work: impl FnOnce(&dyn CostModel) -> Result<T>) -> Result<T> {
    match &inputs.network {
        Some(network) => work(&NetworkCost::new(network.mode(inputs.mode)?)),
        None => work(&StraightLine::for_mode(inputs.mode)),
    }
}

fn write_output(path: &std::path::Path, append: bool, layers: &[OutputLayer], crs: &WorkingCrs) -> Result<()> {
    if append {
        add_to_geopackage(path, layers, crs)
    } else {
        write_geopackage(path, layers, crs)
    }
}

/// Accessibility and gaps per category.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessibilityJob {
    pub inputs: PlanningInputs,
    /// Category ids; every category when empty.
    pub categories: Vec<String>,
    pub method: Method,
    /// The catchment.
    ///
    /// # Units
    /// seconds
    pub max_cost_s: f64,
    /// A unit is unserved when no service of the category is within this time.
    ///
    /// # Units
    /// seconds
    pub served_within_s: f64,
    pub low_class: LowClass,
    pub output: Option<PathBuf>,
    /// Add the layers to an existing `output` rather than replace the file.
    pub append: bool,
}

/// One category's results.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryAccess {
    pub category: usize,
    pub access: Vec<f64>,
    pub gaps: Vec<UnitGap>,
    /// Zones, worst first.
    pub by_zone: Vec<(String, UnitGap)>,
}

/// What an accessibility job found.
pub struct AccessibilityReport {
    pub working_crs: WorkingCrs,
    /// Zone polygons standing for the demand units in the output, when given.
    pub zone_geometries: Option<Vec<geo::Geometry<f64>>>,
    pub services: Vec<Service>,
    pub demand: Demand,
    pub categories: Vec<CategoryAccess>,
}

/// Runs accessibility and gaps; writes the layers `accessibility` and `gaps_by_zone`.
pub fn run_accessibility(job: &AccessibilityJob, progress: &dyn Progress) -> Result<AccessibilityReport> {
    let categories = vocabulary().indices_of(&job.categories)?;
    if !(job.served_within_s > 0.0) {
        return Err(Error::parameter("minutes", "the time for 'served' must be positive"));
    }
    let prepared = prepare(&job.inputs)?;
    let Prepared { services, demand, zone_of_unit, working_crs } = prepared;
    let total = categories.len();
    let results = with_model(&job.inputs, |model| {
        let mut out = Vec::new();
        for (n, &category) in categories.iter().enumerate() {
            let members: Vec<usize> = (0..services.len()).filter(|&s| services[s].categories.contains(category)).collect();
            let index = FacilityIndex::new(members.iter().map(|&s| [services[s].x, services[s].y]).collect(), Vec::new())?;
            let scaled = |done: usize, all: usize| progress.report(n * all + done, total * all.max(1));
            let reach_s = job.max_cost_s.max(job.served_within_s);
            let matrix = CostMatrix::from_model(&demand.points, &index, model, None, reach_s, &scaled)?;
            let supply: Vec<f64> = members.iter().map(|&s| services[s].capacity).collect();
            let access = if members.is_empty() {
                vec![0.0; demand.points.len()]
            } else {
                accessibility(&matrix, &supply, &demand.population, &job.method, job.max_cost_s)?.access
            };
            let mut served = vec![false; demand.points.len()];
            for p in matrix.pairs.iter().filter(|p| p.cost_s <= job.served_within_s) {
                served[p.demand as usize] = true;
            }
            let gaps = unit_gaps(&served, &access, &demand.population, job.low_class)?;
            let zones = by_zone(&gaps, &zone_of_unit);
            out.push(CategoryAccess { category, access, gaps, by_zone: zones });
        }
        Ok(out)
    })?;
    let zone_geometries = match &job.inputs.zones {
        Some(z) => Some(crate::job::zone_geometries(z, &demand.ids, &working_crs)?),
        None => None,
    };
    let report = AccessibilityReport { working_crs, zone_geometries, services, demand, categories: results };
    if let Some(path) = &job.output {
        let layers = [access_layer(&report), gaps_table(&report)];
        write_output(path, job.append, &layers, &report.working_crs)?;
    }
    Ok(report)
}

fn access_layer(report: &AccessibilityReport) -> OutputLayer {
    let vocabulary = vocabulary();
    let mut fields = Demand::unit_fields();
    for c in &report.categories {
        let id = &vocabulary.categories[c.category].id;
        for (suffix, kind) in [("access", FieldKind::Real), ("unserved", FieldKind::Real), ("low_access", FieldKind::Real), ("gap_score", FieldKind::Real)] {
            fields.push((format!("{id}_{suffix}"), kind));
        }
    }
    let demand = &report.demand;
    let rows = (0..demand.ids.len())
        .map(|i| {
            let mut values = demand.unit_values(i);
            for c in &report.categories {
                let g = c.gaps[i];
                values.extend([Value::Real(c.access[i]), Value::Real(g.unserved), Value::Real(g.low_access), Value::Real(g.score)]);
            }
            let geometry = report.zone_geometries.as_ref().map_or(&demand.geometries[i], |z| &z[i]).clone();
            (Some(geometry), values)
        })
        .collect();
    let polygons = report.zone_geometries.is_some();
    let mut styles = styles::quintile_styles("accessibility", &per_field(report, "access", |c| c.access.clone()), false, polygons);
    let gaps = styles::quintile_styles(
        "accessibility",
        &per_field(report, "gap_score", |c| c.gaps.iter().map(|g| g.score).collect()),
        true,
        polygons,
    );
    styles.extend(gaps.into_iter().map(|g| LayerStyle { default: false, ..g }));
    let geometry = if polygons { GeometryKind::MultiPolygon } else { GeometryKind::Unknown };
    OutputLayer { name: "accessibility".into(), geometry: Some(geometry), fields, rows, styles }
}

/// `({category}_{suffix}, values)` for every category of a report.
fn per_field(report: &AccessibilityReport, suffix: &str, values: impl Fn(&CategoryAccess) -> Vec<f64>) -> Vec<(String, Vec<f64>)> {
    let vocabulary = vocabulary();
    report.categories.iter().map(|c| (format!("{}_{suffix}", vocabulary.categories[c.category].id), values(c))).collect()
}

fn gaps_table(report: &AccessibilityReport) -> OutputLayer {
    let vocabulary = vocabulary();
    let fields = vec![
        ("category".to_string(), FieldKind::Text),
        ("zone".into(), FieldKind::Text),
        ("rank".into(), FieldKind::Integer),
        ("unserved".into(), FieldKind::Real),
        ("low_access".into(), FieldKind::Real),
        ("gap_score".into(), FieldKind::Real),
    ];
    let rows = report
        .categories
        .iter()
        .flat_map(|c| {
            c.by_zone.iter().enumerate().map(move |(rank, (zone, g))| {
                let values = vec![
                    Value::Text(vocabulary.categories[c.category].id.clone()),
                    Value::Text(zone.clone()),
                    Value::Integer(rank as i64 + 1),
                    Value::Real(g.unserved),
                    Value::Real(g.low_access),
                    Value::Real(g.score),
                ];
                (None, values)
            })
        })
        .collect();
    OutputLayer { name: "gaps_by_zone".into(), geometry: None, fields, rows, styles: Vec::new() }
}

/// New sites for one category.
#[derive(Debug, Clone, PartialEq)]
pub struct SitingJob {
    pub inputs: PlanningInputs,
    pub category: String,
    /// Number of new sites.
    pub sites: usize,
    /// Covered means a service within this time.
    ///
    /// # Units
    /// seconds
    pub within_s: f64,
    /// Candidate points; the demand units' points when `None`.
    pub candidates: Option<LayerSource>,
    pub output: Option<PathBuf>,
    /// Add the layer to an existing `output` rather than replace the file.
    pub append: bool,
}

/// What a siting job chose.
pub struct SitingReport {
    pub working_crs: WorkingCrs,
    pub candidates: Vec<[f64; 2]>,
    /// Candidate labels (demand names, or the candidates' ids).
    pub labels: Vec<String>,
    pub siting: Siting,
    pub population_total: f64,
}

/// Runs MCLP for one category; writes the layer `suggested_sites`.
pub fn run_siting(job: &SitingJob, progress: &dyn Progress) -> Result<SitingReport> {
    let category = vocabulary().indices_of(std::slice::from_ref(&job.category))?[0];
    if !(job.within_s > 0.0) {
        return Err(Error::parameter("minutes", "the coverage time must be positive"));
    }
    let Prepared { services, demand, working_crs, .. } = prepare(&job.inputs)?;
    let (candidates, labels) = match &job.candidates {
        None => (demand.points.clone(), demand.names.clone()),
        Some(source) => {
            let layer = read_layer(source)?;
            let transformer = layer.transformer(&working_crs)?;
            let mut points = Vec::new();
            let mut labels = Vec::new();
            for f in &layer.features {
                let label = layer.label(f, Some("id"));
                match &f.geometry {
                    Some(geo::Geometry::Point(p)) => points.push(transformer.apply([p.x(), p.y()])?),
                    _ => return Err(Error::input(&layer.name, Some(label), Some("geometry"), "candidates must be points")),
                }
                labels.push(label);
            }
            (points, labels)
        }
    };
    let existing: Vec<[f64; 2]> =
        services.iter().filter(|s| s.categories.contains(category)).map(|s| [s.x, s.y]).collect();
    let problem = with_model(&job.inputs, |model| {
        let existing = FacilityIndex::new(existing, Vec::new())?;
        let covered_matrix = CostMatrix::from_model(&demand.points, &existing, model, None, job.within_s, progress)?;
        let mut covered = vec![false; demand.points.len()];
        for p in &covered_matrix.pairs {
            covered[p.demand as usize] = true;
        }
        let candidate_index = FacilityIndex::new(candidates.clone(), Vec::new())?;
        let matrix = CostMatrix::from_model(&demand.points, &candidate_index, model, None, job.within_s, progress)?;
        let mut covers = vec![Vec::new(); candidates.len()];
        for p in &matrix.pairs {
            covers[p.service as usize].push(p.demand);
        }
        Ok(CoverProblem { population: demand.population.clone(), covered, covers })
    })?;
    let siting = problem.solve(job.sites)?;
    let report = SitingReport {
        working_crs,
        candidates,
        labels,
        siting,
        population_total: demand.population.iter().sum(),
    };
    if let Some(path) = &job.output {
        write_output(path, job.append, &[sites_layer(&report, &job.category)], &report.working_crs)?;
    }
    Ok(report)
}

fn sites_layer(report: &SitingReport, category: &str) -> OutputLayer {
    let fields = vec![
        ("rank".to_string(), FieldKind::Integer),
        ("candidate".into(), FieldKind::Text),
        ("category".into(), FieldKind::Text),
        ("population_gained".into(), FieldKind::Real),
        ("covered_before".into(), FieldKind::Real),
        ("covered_after".into(), FieldKind::Real),
    ];
    let s = &report.siting;
    let rows = s
        .sites
        .iter()
        .zip(&s.gains)
        .enumerate()
        .map(|(rank, (&site, &gain))| {
            let p = report.candidates[site];
            let values = vec![
                Value::Integer(rank as i64 + 1),
                Value::Text(report.labels[site].clone()),
                Value::Text(category.to_string()),
                Value::Real(gain),
                Value::Real(s.covered_before),
                Value::Real(s.covered_after),
            ];
            (Some(geo::Geometry::Point(geo::Point::new(p[0], p[1]))), values)
        })
        .collect();
    OutputLayer { name: "suggested_sites".into(), geometry: Some(GeometryKind::Point), fields, rows, styles: vec![styles::sites_style()] }
}
