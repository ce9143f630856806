//! The siting job: new sites for a category that cover the most population
//! not yet within reach (MCLP, greedy with interchange).

use super::inputs::{DemandInput, OutputOptions, ServicesInput, TravelInput, WindowInput};
use super::params::Kind;
use super::prepare::{network_for, prepare_with_candidates};
use super::{check, deliver, required, seconds};
use crate::accessibility::CostMatrix;
use crate::catalogue::vocabulary;
use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use crate::io::{read_layer, LayerSource};
use crate::job_options;
use crate::location::{self, Instance, LocationModel, LocationOptions, Method};
use crate::network::Network;
use crate::output::{
    styles, FieldKind, FieldSchema, GeometryKind, Granularity, LayerColumns, LayerSchema, OutputLayer, Role, Value,
};
use crate::progress::Progress;
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
        /// The location model: mclp (most residents newly covered by NEW_SITES sites), lscp (fewest sites that cover every resident a candidate can reach), pmedian (least total travel time), capacitated_pmedian (the same, each desk serving at most its capacity).
        #[param(kind(Kind::Choice), choices(LocationModel::NAMES), it("Il modello: mclp (più residenti coperti con NEW_SITES sedi), lscp (meno sedi che coprono ogni residente raggiungibile), pmedian (minor tempo di viaggio totale), capacitated_pmedian (lo stesso, ogni sportello entro la sua capacità)"))]
        pub model: LocationModel = LocationModel::Mclp,
        /// Solve the model exactly (an integer program, HiGHS), starting from greedy plus interchange; off: the heuristic only.
        #[param(kind(Kind::Bool), it("Risolvi il modello in modo esatto (programma intero, HiGHS) partendo da greedy con scambi; disattivato: solo l'euristica"))]
        pub exact: bool = true,
        /// Stop the exact solver after this time and keep its best answer (with its gap) or the heuristic's.
        #[param(kind(Kind::Number), unit("s"), positive(0.0), max(86400.0), it("Ferma il risolutore esatto dopo questo tempo e tieni la sua risposta migliore (con il suo gap) o quella euristica"))]
        pub time_limit_seconds: f64 = 60.0,
        /// p-median: the travel time counted for a resident no desk reaches within it.
        #[param(kind(Kind::Number), unit("min"), positive(0.0), max(1440.0), it("p-mediana: il tempo contato per un residente che nessuno sportello raggiunge entro questo tempo"))]
        pub unreached_minutes: f64 = 120.0,
        /// Capacitated p-median: the residents each new desk can serve. Default: the mean capacity of the category's desks.
        #[param(kind(Kind::Number), unit("persons"), positive(0.0), it("p-mediana capacitata: i residenti che ogni nuovo sportello può servire (predefinito: la capacità media degli sportelli della categoria)"))]
        pub new_site_capacity: Option<f64> = None,
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
    /// Per site, the residents it newly covers (covering models) or serves (p-median).
    pub gains: Vec<f64>,
    /// Residents within the covering time of a desk, before and after.
    pub covered_before: f64,
    pub covered_after: f64,
    pub population_total: f64,
    /// The model, how it was solved, and its objective beside the heuristic's.
    pub solution: SitingSolution,
    pub layers: Vec<String>,
}

/// How a siting answer was found.
///
/// # Units
/// `objective`: residents covered (MCLP), sites (LSCP) or resident-minutes
/// (p-median); `mean_minutes` per resident (p-median); `solve_time_s` in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct SitingSolution {
    pub model: LocationModel,
    pub method: Method,
    pub proven_optimal: bool,
    /// Proven by trying every set of sites (small problems), not by HiGHS.
    pub enumerated: bool,
    /// Relative MIP gap when the time limit stopped HiGHS.
    pub mip_gap: Option<f64>,
    pub solve_time_s: f64,
    pub objective: f64,
    pub heuristic_objective: f64,
    pub heuristic_sites: Vec<String>,
    pub mean_minutes: Option<f64>,
    /// Residents no candidate or desk reaches (within the covering time for mclp and lscp).
    pub unreachable_population: f64,
    /// How the answer was found, in a sentence (Italian, English).
    pub summary_it: String,
    pub summary_en: String,
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

/// Runs MCLP for one category; writes the layer `suggested_sites` (and
/// hands it to `memory`, when given: see [`deliver`]).
pub fn run_siting(
    options: &SitingOptions,
    network: Option<Arc<Network>>,
    progress: &dyn Progress,
    memory: Option<&mut Vec<LayerColumns>>,
) -> Result<SitingReport> {
    check(options)?;
    let category_id = required(&options.category, "category")?;
    let category = vocabulary().indices_of(std::slice::from_ref(category_id))?[0];
    let within_s = seconds(options.covered_within_minutes);
    let network = network_for(&options.travel, network)?;
    // a travel-cost matrix may name the candidates as destinations
    let candidate_ids = match (&options.travel.matrix, &options.candidates) {
        (Some(_), Some(path)) => {
            let layer = read_layer(&LayerSource::new(path, None))?;
            let id_field = Some(options.candidates_id_field.as_deref().unwrap_or("id"));
            layer.features.iter().map(|f| layer.label(f, id_field)).collect()
        }
        _ => Vec::new(),
    };
    prepare_with_candidates(
        &options.services,
        &options.travel,
        Some(&options.demand),
        Some(&options.window),
        network.as_deref(),
        &candidate_ids,
        |prepared, model| {
            let demand = prepared.demand();
            let (candidates, labels, keys) = match &options.candidates {
                None => (demand.points.clone(), demand.names.clone(), demand.ids.clone()),
                Some(path) => {
                    let (points, labels) =
                        read_candidates(path, options.candidates_id_field.as_deref(), &prepared.working_crs)?;
                    (points, labels.clone(), labels)
                }
            };
            let members = prepared.members(category);
            let existing: Vec<[f64; 2]> =
                members.iter().map(|&s| [prepared.services[s].x, prepared.services[s].y]).collect();
            let existing_ids = members.iter().map(|&s| prepared.services[s].id.clone()).collect();
            let existing_index = FacilityIndex::new(existing, Vec::new())?.with_keys(existing_ids)?;
            let candidate_index = FacilityIndex::new(candidates.clone(), Vec::new())?.with_keys(keys)?;
            let location = LocationOptions {
                model: options.model,
                new_sites: options.new_sites,
                cutoff_s: within_s,
                unreached_cost_s: seconds(options.unreached_minutes),
                exact: options.exact,
                time_limit_s: options.time_limit_seconds,
                ..LocationOptions::default()
            };
            let reach_s = match options.model {
                LocationModel::Mclp | LocationModel::Lscp => within_s,
                _ => within_s.max(location.unreached_cost_s),
            };
            let mut pairs = vec![Vec::new(); demand.points.len()];
            for (index, offset) in [(&candidate_index, 0), (&existing_index, candidates.len() as u32)] {
                let matrix = CostMatrix::from_model(&demand.points, index, model.as_dyn(), None, reach_s, progress)?;
                for p in &matrix.pairs {
                    pairs[p.demand as usize].push((offset + p.service, p.cost_s));
                }
            }
            let capacity = (options.model == LocationModel::CapacitatedPMedian)
                .then(|| {
                    site_capacities(options, candidates.len(), members.iter().map(|&s| prepared.services[s].capacity))
                })
                .transpose()?;
            let instance = Instance {
                weights: demand.population.clone(),
                candidates: candidates.len(),
                existing: members.len(),
                pairs,
                capacity,
            };
            let found = location::solve(&instance, &location)?;
            // the sites ranked by the residents each serves
            let mut order: Vec<usize> = (0..found.sites.len()).collect();
            order.sort_by(|&a, &b| found.served[b].total_cmp(&found.served[a]).then(a.cmp(&b)));
            let sites: Vec<usize> = order.iter().map(|&k| found.sites[k]).collect();
            let covering = LocationOptions { model: LocationModel::Mclp, ..location };
            let population_total: f64 = demand.population.iter().sum();
            let mut report = SitingReport {
                working_epsg: prepared.working_crs.epsg,
                category: category_id.clone(),
                sites: sites.iter().map(|&i| labels[i].clone()).collect(),
                site_index: sites.clone(),
                xy: sites.iter().map(|&i| candidates[i]).collect(),
                gains: order.iter().map(|&k| found.served[k]).collect(),
                covered_before: instance.objective(&covering, &[]),
                covered_after: instance.objective(&covering, &sites),
                population_total,
                solution: SitingSolution {
                    model: found.model,
                    method: found.method,
                    proven_optimal: found.proven_optimal,
                    enumerated: found.enumerated,
                    mip_gap: found.mip_gap,
                    solve_time_s: found.solve_time_s,
                    objective: in_report_units(options.model, found.objective),
                    heuristic_objective: in_report_units(options.model, found.heuristic_objective),
                    heuristic_sites: found.heuristic_sites.iter().map(|&i| labels[i].clone()).collect(),
                    mean_minutes: matches!(options.model, LocationModel::PMedian | LocationModel::CapacitatedPMedian)
                        .then(|| found.objective / 60.0 / population_total.max(f64::MIN_POSITIVE)),
                    unreachable_population: found.unreachable_weight,
                    summary_it: String::new(),
                    summary_en: String::new(),
                },
                layers: Vec::new(),
            };
            report.solution.summary_it = solution_text(&report.solution, false);
            report.solution.summary_en = solution_text(&report.solution, true);
            report.layers = deliver(&options.output, &prepared.working_crs, prepared.window.as_ref(), memory, || {
                vec![sites_layer(options, &report)]
            })?;
            Ok(report)
        },
    )
}

/// p-median objectives are reported in resident-minutes.
fn in_report_units(model: LocationModel, objective: f64) -> f64 {
    match model {
        LocationModel::PMedian | LocationModel::CapacitatedPMedian => objective / 60.0,
        _ => objective,
    }
}

/// Capacities of the candidates, then of the existing desks.
fn site_capacities(
    options: &SitingOptions,
    candidates: usize,
    existing: impl Iterator<Item = f64>,
) -> Result<Vec<f64>> {
    let existing: Vec<f64> = existing.collect();
    let new_site = match options.new_site_capacity {
        Some(c) => c,
        None if !existing.is_empty() => existing.iter().sum::<f64>() / existing.len() as f64,
        None => {
            return Err(Error::parameter(
                "new_site_capacity",
                "the category has no desk to take a capacity from: give the new desks' capacity",
            ))
        }
    };
    Ok(std::iter::repeat_n(new_site, candidates).chain(existing).collect())
}

fn model_text_it(options: &SitingOptions, minutes: f64) -> String {
    match options.model {
        LocationModel::Mclp => {
            format!("Sedi che porterebbero entro {minutes} minuti da un servizio il maggior numero di residenti (MCLP).")
        }
        LocationModel::Lscp => format!("Il minor numero di sedi che porta entro {minutes} minuti ogni residente raggiungibile (LSCP)."),
        LocationModel::PMedian => "Sedi che rendono minimo il tempo di viaggio totale dei residenti (p-mediana).".into(),
        LocationModel::CapacitatedPMedian => {
            "Sedi che rendono minimo il tempo di viaggio totale, ogni sportello entro la sua capacità (p-mediana capacitata)."
                .into()
        }
    }
}

fn model_text_en(options: &SitingOptions, minutes: f64) -> String {
    match options.model {
        LocationModel::Mclp => {
            format!("Sites that would bring the most residents within {minutes} minutes of a service (MCLP).")
        }
        LocationModel::Lscp => {
            format!("The fewest sites that bring every reachable resident within {minutes} minutes (LSCP).")
        }
        LocationModel::PMedian => "Sites that minimise the residents' total travel time (p-median).".into(),
        LocationModel::CapacitatedPMedian => {
            "Sites that minimise the total travel time, each desk within its capacity (capacitated p-median).".into()
        }
    }
}

/// How the answer was found and what it is worth, in Italian or English.
fn solution_text(solution: &SitingSolution, english: bool) -> String {
    let unit = match (solution.model, english) {
        (LocationModel::Mclp, false) => "residenti coperti",
        (LocationModel::Mclp, true) => "residents covered",
        (LocationModel::Lscp, false) => "sedi",
        (LocationModel::Lscp, true) => "sites",
        (_, false) => "minuti-residente",
        (_, true) => "resident-minutes",
    };
    let value = |v: f64| format!("{v:.0} {unit}");
    let (objective, heuristic) = (value(solution.objective), value(solution.heuristic_objective));
    let (time_s, gap) = (solution.solve_time_s, 100.0 * solution.mip_gap.unwrap_or(f64::NAN));
    match (solution.method, english) {
        (Method::Exact, false) if solution.enumerated => format!(
            "Ottimo dimostrato: {objective} (provate tutte le combinazioni di sedi, {time_s:.1} s; euristica: {heuristic})."
        ),
        (Method::Exact, true) if solution.enumerated => {
            format!("Proven optimal: {objective} (every set of sites tried, {time_s:.1} s; heuristic: {heuristic}).")
        }
        (Method::Exact, false) => {
            format!("Ottimo dimostrato: {objective} (HiGHS, {time_s:.1} s; euristica: {heuristic}).")
        }
        (Method::Exact, true) => format!("Proven optimal: {objective} (HiGHS, {time_s:.1} s; heuristic: {heuristic})."),
        // stopped before HiGHS had a bound: no gap to give
        (Method::TimeLimit, false) if !gap.is_finite() => {
            format!("Limite di tempo raggiunto, gap non ancora noto: {objective} (euristica: {heuristic}).")
        }
        (Method::TimeLimit, true) if !gap.is_finite() => {
            format!("Time limit reached, no gap known yet: {objective} (heuristic: {heuristic}).")
        }
        (Method::TimeLimit, false) => {
            format!("Limite di tempo raggiunto: {objective}, gap {gap:.2} % (euristica: {heuristic}).")
        }
        (Method::TimeLimit, true) => {
            format!("Time limit reached: {objective}, gap {gap:.2} % (heuristic: {heuristic}).")
        }
        (Method::Heuristic, false) => format!("Greedy con scambi (euristica, ottimo non dimostrato): {objective}."),
        (Method::Heuristic, true) => format!("Greedy with interchange (heuristic, not proven optimal): {objective}."),
    }
}

fn sites_layer(options: &SitingOptions, report: &SitingReport) -> OutputLayer {
    let minutes = options.covered_within_minutes;
    let covering = matches!(options.model, LocationModel::Mclp | LocationModel::Lscp);
    let fields = vec![
        FieldSchema::new("rank", FieldKind::Integer, Role::Rank, None, "Posizione", "Rank"),
        FieldSchema::new("candidate", FieldKind::Text, Role::Label, None, "Luogo", "Place"),
        FieldSchema::new("category", FieldKind::Text, Role::Category, None, "Categoria", "Category"),
        if covering {
            FieldSchema::new(
                "population_gained",
                FieldKind::Real,
                Role::CountOfPeople,
                Some("persons"),
                "Residenti in più coperti",
                "Residents newly covered",
            )
        } else {
            FieldSchema::new(
                "population_gained",
                FieldKind::Real,
                Role::CountOfPeople,
                Some("persons"),
                "Residenti serviti",
                "Residents served",
            )
        },
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
        abstract_it: format!("{} {}", model_text_it(options, minutes), report.solution.summary_it),
        abstract_en: format!("{} {}", model_text_en(options, minutes), report.solution.summary_en),
        fields,
    };
    OutputLayer { schema, geometry: Some(GeometryKind::Point), rows, styles: vec![styles::sites_style()] }
}
