//! The siting job: new sites for a category that cover the most population
//! not yet within reach (MCLP, greedy with interchange).

use super::inputs::{DemandInput, OutputOptions, ServicesInput, TravelInput, WindowInput};
use super::params::Kind;
use super::prepare::{network_for, prepare};
use super::{check, required, seconds};
use crate::accessibility::CostMatrix;
use crate::catalogue::vocabulary;
use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use crate::io::{read_layer, LayerSource};
use crate::job_options;
use crate::network::Network;
use crate::output::{styles, FieldKind, FieldSchema, GeometryKind, Granularity, LayerSchema, OutputLayer, Role, Value};
use crate::progress::Progress;
use crate::siting::CoverProblem;
use serde::Serialize;
use std::sync::Arc;

job_options! {
    /// Options of the siting job.
    pub struct SitingOptions {
        flatten { services: ServicesInput, travel: TravelInput, demand: DemandInput, window: WindowInput, output: OutputOptions }
        /// The category of the new services.
        #[param(kind(Kind::Category), required(true), it("La categoria dei nuovi servizi"))]
        pub category: Option<String> = None,
        /// Number of new sites to choose.
        #[param(kind(Kind::Integer), min(1.0), max(1000.0), it("Numero di nuove sedi da scegliere"))]
        pub new_sites: usize = 3,
        /// A resident is covered when a service is within this time.
        #[param(kind(Kind::Number), unit("min"), positive(0.0), max(1440.0), it("Un residente è coperto se un servizio è entro questo tempo"))]
        pub covered_within_minutes: f64 = 30.0,
        /// Candidate points for the new sites. Default: the demand units.
        #[param(kind(Kind::Layer), geometry("point"), it("Punti candidati per le nuove sedi (predefinito: le unità di domanda)"))]
        pub candidates: Option<std::path::PathBuf> = None,
        /// Field of the candidates naming each one. Default: `id`, else the feature id.
        #[param(kind(Kind::Field), parent("candidates"), it("Campo dei candidati con il loro nome (predefinito: id)"))]
        pub candidates_id_field: Option<String> = None,
    }
}

/// What a siting job chose.
#[derive(Debug, Clone, Serialize)]
pub struct SitingReport {
    pub working_epsg: u32,
    pub category: String,
    /// Labels of the chosen candidates, best first.
    pub sites: Vec<String>,
    pub site_index: Vec<usize>,
    /// Working CRS, metres.
    pub xy: Vec<[f64; 2]>,
    /// Population newly covered by each site, in order.
    pub gains: Vec<f64>,
    pub covered_before: f64,
    pub covered_after: f64,
    pub population_total: f64,
    pub layers: Vec<String>,
}

/// Candidate points and labels from a layer, in the working CRS.
fn read_candidates(
    path: &std::path::Path,
    id_field: Option<&str>,
    working: &crate::crs::WorkingCrs,
) -> Result<(Vec<[f64; 2]>, Vec<String>)> {
    let layer = read_layer(&LayerSource::new(path, None))?;
    if let Some(field) = id_field {
        layer.require_field(field)?;
    }
    let transformer = layer.transformer(working)?;
    let mut points = Vec::new();
    let mut labels = Vec::new();
    for f in &layer.features {
        let label = layer.label(f, Some(id_field.unwrap_or("id")));
        match &f.geometry {
            Some(geo::Geometry::Point(p)) => points.push(transformer.apply([p.x(), p.y()])?),
            _ => return Err(Error::input(&layer.name, Some(label), Some("geometry"), "candidates must be points")),
        }
        labels.push(label);
    }
    Ok((points, labels))
}

/// Runs MCLP for one category; writes the layer `suggested_sites`.
pub fn run_siting(
    options: &SitingOptions,
    network: Option<Arc<Network>>,
    progress: &dyn Progress,
) -> Result<SitingReport> {
    check(options)?;
    let category_id = required(&options.category, "category")?;
    let category = vocabulary().indices_of(std::slice::from_ref(category_id))?[0];
    let within_s = seconds(options.covered_within_minutes);
    let network = network_for(&options.travel, network)?;
    prepare(
        &options.services,
        &options.travel,
        Some(&options.demand),
        Some(&options.window),
        network.as_deref(),
        |prepared, model| {
            let demand = prepared.demand();
            let (candidates, labels) = match &options.candidates {
                None => (demand.points.clone(), demand.names.clone()),
                Some(path) => read_candidates(path, options.candidates_id_field.as_deref(), &prepared.working_crs)?,
            };
            let existing: Vec<[f64; 2]> =
                prepared.members(category).iter().map(|&s| [prepared.services[s].x, prepared.services[s].y]).collect();
            let existing = FacilityIndex::new(existing, Vec::new())?;
            let covered_matrix =
                CostMatrix::from_model(&demand.points, &existing, model.as_dyn(), None, within_s, progress)?;
            let mut covered = vec![false; demand.points.len()];
            for p in &covered_matrix.pairs {
                covered[p.demand as usize] = true;
            }
            let candidate_index = FacilityIndex::new(candidates.clone(), Vec::new())?;
            let matrix =
                CostMatrix::from_model(&demand.points, &candidate_index, model.as_dyn(), None, within_s, progress)?;
            let mut covers = vec![Vec::new(); candidates.len()];
            for p in &matrix.pairs {
                covers[p.service as usize].push(p.demand);
            }
            let problem = CoverProblem { population: demand.population.clone(), covered, covers };
            let siting = problem.solve(options.new_sites)?;
            let mut report = SitingReport {
                working_epsg: prepared.working_crs.epsg,
                category: category_id.clone(),
                sites: siting.sites.iter().map(|&i| labels[i].clone()).collect(),
                site_index: siting.sites.clone(),
                xy: siting.sites.iter().map(|&i| candidates[i]).collect(),
                gains: siting.gains.clone(),
                covered_before: siting.covered_before,
                covered_after: siting.covered_after,
                population_total: demand.population.iter().sum(),
                layers: Vec::new(),
            };
            if let Some(path) = &options.output.output {
                let mut output = [sites_layer(options, &report)];
                report.layers = output.iter().map(|l| l.schema.name.clone()).collect();
                super::write(
                    path,
                    options.output.append,
                    &mut output,
                    &prepared.working_crs,
                    prepared.window.as_ref(),
                )?;
            }
            Ok(report)
        },
    )
}

fn sites_layer(options: &SitingOptions, report: &SitingReport) -> OutputLayer {
    let minutes = options.covered_within_minutes;
    let fields = vec![
        FieldSchema::new("rank", FieldKind::Integer, Role::Rank, None, "Posizione", "Rank"),
        FieldSchema::new("candidate", FieldKind::Text, Role::Label, None, "Luogo", "Place"),
        FieldSchema::new("category", FieldKind::Text, Role::Category, None, "Categoria", "Category"),
        FieldSchema::new(
            "population_gained",
            FieldKind::Real,
            Role::CountOfPeople,
            Some("persons"),
            "Residenti in più coperti",
            "Residents newly covered",
        ),
        FieldSchema::new(
            "covered_before",
            FieldKind::Real,
            Role::CountOfPeople,
            Some("persons"),
            "Coperti prima",
            "Covered before",
        ),
        FieldSchema::new(
            "covered_after",
            FieldKind::Real,
            Role::CountOfPeople,
            Some("persons"),
            "Coperti dopo",
            "Covered after",
        ),
    ];
    let rows = report
        .sites
        .iter()
        .zip(&report.gains)
        .zip(&report.xy)
        .enumerate()
        .map(|(rank, ((label, &gain), p))| {
            let values = vec![
                Value::Integer(rank as i64 + 1),
                Value::Text(label.clone()),
                Value::Text(report.category.clone()),
                Value::Real(gain),
                Value::Real(report.covered_before),
                Value::Real(report.covered_after),
            ];
            (Some(geo::Geometry::Point(geo::Point::new(p[0], p[1]))), values)
        })
        .collect();
    let schema = LayerSchema {
        name: "suggested_sites".into(),
        granularity: Granularity::Place,
        title_it: "Nuove sedi suggerite".into(),
        title_en: "Suggested new sites".into(),
        abstract_it: format!(
            "Sedi che porterebbero entro {minutes} minuti da un servizio il maggior numero di residenti."
        ),
        abstract_en: format!("Sites that would bring the most residents within {minutes} minutes of a service."),
        fields,
    };
    OutputLayer { schema, geometry: Some(GeometryKind::Point), rows, styles: vec![styles::sites_style()] }
}
