//! The accessibility job: a floating-catchment index per category, and the
//! service gaps it shows, per unit and summed by zone.

use super::inputs::{DemandInput, OutputOptions, ServicesInput, TravelInput, WindowInput};
use super::params::Kind;
use super::prepare::{network_for, prepare, Prepared};
use super::{check, deliver, seconds};
use crate::accessibility::{accessibility, CostMatrix, Decay, Method};
use crate::catalogue::vocabulary;
use crate::demand::Demand;
use crate::error::{Error, Result};
use crate::gaps::{by_zone, unit_gaps, LowClass, UnitGap};
use crate::index::FacilityIndex;
use crate::job_options;
use crate::network::Network;
use crate::output::styles::{self, LayerStyle};
use crate::output::{
    FieldKind, FieldSchema, GeometryKind, Granularity, LayerColumns, LayerSchema, OutputLayer, Role, Value,
};
use crate::progress::Progress;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The index to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IndexMethod {
    #[serde(rename = "2sfca")]
    TwoStep,
    #[serde(rename = "e2sfca")]
    Enhanced,
    #[serde(rename = "3sfca")]
    ThreeStep,
    #[serde(rename = "gravity")]
    Gravity,
}

impl IndexMethod {
    pub const NAMES: &'static [&'static str] = &["2sfca", "e2sfca", "3sfca", "gravity"];
}

/// How weight falls with travel time (2SFCA, 3SFCA, gravity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DecayName {
    /// The method's own: none for 2SFCA, power -1 for 3SFCA and gravity.
    Default,
    Uniform,
    Linear,
    Exponential,
    Gaussian,
    Power,
}

impl DecayName {
    pub const NAMES: &'static [&'static str] = &["default", "uniform", "linear", "exponential", "gaussian", "power"];
}

job_options! {
    /// How the accessibility index is computed (files or arrays alike).
    pub struct IndexOptions {
        flatten {}
        /// Accessibility index: 2SFCA (Luo and Wang 2003), E2SFCA (Luo and Qi 2009), 3SFCA (Wan, Zou and Sternberg 2012) or gravity (Shen 1998).
        #[param(kind(Kind::Choice), choices(IndexMethod::NAMES), it("Indice di accessibilità: 2SFCA, E2SFCA, 3SFCA o gravitazionale"))]
        pub method: IndexMethod = IndexMethod::Enhanced,
        /// Catchment of 2SFCA, 3SFCA and gravity: services farther than this do not count. E2SFCA uses its steps instead.
        #[param(kind(Kind::Number), unit("min"), positive(0.0), max(1440.0), it("Bacino di 2SFCA, 3SFCA e gravitazionale (E2SFCA usa i suoi gradini)"))]
        pub catchment_minutes: f64 = 30.0,
        /// E2SFCA steps as [upper minutes, weight] pairs, ascending (Luo and Qi 2009: 10 min 1.00, 20 min 0.68, 30 min 0.22).
        #[param(advanced(true), kind(Kind::Pairs), it("Gradini di E2SFCA come coppie [minuti massimi, peso], crescenti"))]
        pub e2sfca_steps: Vec<(f64, f64)> = vec![(10.0, 1.0), (20.0, 0.68), (30.0, 0.22)],
        /// Decay of 2SFCA, 3SFCA and gravity: weight falls with time as 1 - t/T (linear), exp(-t/T), exp(-t^2/2T^2) (gaussian) or max(t, T)^exponent (power), T being decay_minutes.
        #[param(kind(Kind::Choice), choices(DecayName::NAMES), it("Decadimento per 2SFCA, 3SFCA e gravitazionale: lineare, esponenziale, gaussiano o potenza"))]
        pub decay: DecayName = DecayName::Default,
        /// The decay's time T: where linear reaches zero, the exponential scale, the Gaussian sigma, the power's smallest time.
        #[param(advanced(true), kind(Kind::Number), unit("min"), min(0.0), it("Il tempo T del decadimento"))]
        pub decay_minutes: f64 = 10.0,
        /// Exponent of the power decay.
        #[param(advanced(true), kind(Kind::Number), max(0.0), it("Esponente del decadimento a potenza"))]
        pub decay_exponent: f64 = -1.0,
    }
}

job_options! {
    /// Options of the accessibility and gaps job.
    pub struct AccessibilityOptions {
        flatten { services: ServicesInput, travel: TravelInput, demand: DemandInput, window: WindowInput, output: OutputOptions, index: IndexOptions }
        /// Categories to analyse; all when empty.
        #[param(kind(Kind::Categories), it("Categorie da analizzare; tutte se vuoto"))]
        pub categories: Vec<String> = Vec::new(),
        /// A unit is unserved when no service of the category is within this time.
        #[param(kind(Kind::Number), unit("min"), positive(0.0), max(1440.0), it("Un'unità non è servita se nessun servizio della categoria è entro questo tempo"))]
        pub served_within_minutes: f64 = 30.0,
        /// Low access: index below this value. Default: the lowest fifth of the population by index.
        #[param(advanced(true), kind(Kind::Number), min(0.0), it("Accesso basso: indice sotto questo valore (predefinito: il quinto più basso della popolazione)"))]
        pub low_access_below: Option<f64> = None,
    }
}

impl IndexOptions {
    /// The core's method from the options (minutes to seconds).
    pub fn method(&self) -> Result<Method> {
        let t = seconds(self.decay_minutes);
        let decay = match self.decay {
            DecayName::Default => None,
            DecayName::Uniform => Some(Decay::Uniform),
            DecayName::Linear => Some(Decay::Linear { zero_at_s: t }),
            DecayName::Exponential => Some(Decay::Exponential { scale_s: t }),
            DecayName::Gaussian => Some(Decay::Gaussian { sigma_s: t }),
            DecayName::Power => Some(Decay::Power { exponent: self.decay_exponent, min_cost_s: t }),
        };
        let decay =
            decay.map(Decay::validated).transpose().map_err(|e| Error::parameter("decay_minutes", e.to_string()))?;
        let method = match self.method {
            IndexMethod::TwoStep => Method::TwoStep { decay: decay.unwrap_or(Decay::Uniform) },
            IndexMethod::ThreeStep => {
                Method::ThreeStep { decay: decay.unwrap_or(Decay::Power { exponent: -1.0, min_cost_s: 0.0 }) }
            }
            IndexMethod::Gravity => {
                Method::Gravity { decay: decay.unwrap_or(Decay::Power { exponent: -1.0, min_cost_s: 60.0 }) }
            }
            IndexMethod::Enhanced => {
                // E2SFCA's catchment and weights are its steps: other settings would be silently ignored
                let defaults = IndexOptions::default();
                if self.catchment_minutes != defaults.catchment_minutes {
                    return Err(Error::parameter(
                        "catchment_minutes",
                        "E2SFCA's catchment is its last step (e2sfca_steps); leave catchment_minutes out, or choose another method",
                    ));
                }
                if decay.is_some() {
                    return Err(Error::parameter(
                        "decay",
                        "E2SFCA weighs by its steps (e2sfca_steps), not by a decay; leave decay out, or choose another method",
                    ));
                }
                let steps: Vec<(f64, f64)> = self.e2sfca_steps.iter().map(|(m, w)| (seconds(*m), *w)).collect();
                Decay::Step { zones: steps.clone() }
                    .validated()
                    .map_err(|e| Error::parameter("e2sfca_steps", e.to_string()))?;
                Method::Enhanced { zones: steps }
            }
        };
        Ok(method)
    }

    /// The catchment in seconds: E2SFCA's last step, else `catchment_minutes`.
    pub fn catchment_s(&self) -> f64 {
        match self.method {
            IndexMethod::Enhanced => self.e2sfca_steps.last().map_or(0.0, |s| seconds(s.0)),
            _ => seconds(self.catchment_minutes),
        }
    }
}

/// One category's results.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryAccess {
    #[serde(skip)]
    pub category: usize,
    pub access: Vec<f64>,
    pub unserved: Vec<f64>,
    pub low_access: Vec<f64>,
    pub gap_score: Vec<f64>,
    /// `(zone, unserved, low access, gap score)`, worst first.
    pub by_zone: Vec<(String, f64, f64, f64)>,
}

/// What an accessibility job found.
#[derive(Debug, Clone, Serialize)]
pub struct AccessibilityReport {
    pub working_epsg: u32,
    pub id: Vec<String>,
    pub name: Vec<String>,
    pub population: Vec<f64>,
    /// Category id -> results.
    pub categories: BTreeMap<String, CategoryAccess>,
    pub layers: Vec<String>,
}

/// Runs accessibility and gaps; writes the layers `accessibility` and
/// `gaps_by_zone` (and hands them to `memory`, when given: see [`deliver`]).
pub fn run_accessibility(
    options: &AccessibilityOptions,
    network: Option<Arc<Network>>,
    progress: &dyn Progress,
    memory: Option<&mut Vec<LayerColumns>>,
) -> Result<AccessibilityReport> {
    check(options)?;
    let categories = vocabulary().indices_of(&options.categories)?;
    let method = options.index.method()?;
    let catchment_s = options.index.catchment_s();
    let served_s = seconds(options.served_within_minutes);
    let low_class = options.low_access_below.map_or(LowClass::Quintile, LowClass::Below);
    let network = network_for(&options.travel, network)?;
    prepare(
        &options.services,
        &options.travel,
        Some(&options.demand),
        Some(&options.window),
        network.as_deref(),
        |prepared, model| {
            let demand = prepared.demand();
            let total = categories.len();
            let mut results = Vec::new();
            for (n, &category) in categories.iter().enumerate() {
                let members = prepared.members(category);
                let services = &prepared.services;
                let index =
                    FacilityIndex::new(members.iter().map(|&s| [services[s].x, services[s].y]).collect(), Vec::new())?
                        .with_keys(members.iter().map(|&s| services[s].id.clone()).collect())?;
                let scaled = |done: usize, all: usize| progress.report(n * all + done, total * all.max(1));
                let matrix = CostMatrix::from_model(
                    &demand.points,
                    &index,
                    model.as_dyn(),
                    None,
                    catchment_s.max(served_s),
                    &scaled,
                )?;
                let supply: Vec<f64> = members.iter().map(|&s| services[s].capacity).collect();
                let access = if members.is_empty() {
                    vec![0.0; demand.points.len()]
                } else {
                    accessibility(&matrix, &supply, &demand.population, &method, catchment_s)?.access
                };
                let mut served = vec![false; demand.points.len()];
                for p in matrix.pairs.iter().filter(|p| p.cost_s <= served_s) {
                    served[p.demand as usize] = true;
                }
                let gaps = unit_gaps(&served, &access, &demand.population, low_class)?;
                results.push(category_access(category, access, &gaps, &demand.zones));
            }
            let layers = deliver(&options.output, &prepared.working_crs, prepared.window.as_ref(), memory, || {
                vec![access_layer(options, &prepared, &results), gaps_table(options, &results)]
            })?;
            let vocabulary = vocabulary();
            Ok(AccessibilityReport {
                working_epsg: prepared.working_crs.epsg,
                id: demand.ids.clone(),
                name: demand.names.clone(),
                population: demand.population.clone(),
                categories: results.into_iter().map(|c| (vocabulary.categories[c.category].id.clone(), c)).collect(),
                layers,
            })
        },
    )
}

fn category_access(category: usize, access: Vec<f64>, gaps: &[UnitGap], zones: &[String]) -> CategoryAccess {
    CategoryAccess {
        category,
        access,
        unserved: gaps.iter().map(|g| g.unserved).collect(),
        low_access: gaps.iter().map(|g| g.low_access).collect(),
        gap_score: gaps.iter().map(|g| g.score).collect(),
        by_zone: by_zone(gaps, zones).into_iter().map(|(z, g)| (z, g.unserved, g.low_access, g.score)).collect(),
    }
}

/// `(field suffix, role, unit, Italian title, English title)` of each per-category field.
const PER_CATEGORY: [(&str, Role, Option<&str>, &str, &str); 4] = [
    ("access", Role::Index, Some("supply per person"), "indice di accessibilità", "accessibility index"),
    ("unserved", Role::CountOfPeople, Some("persons"), "residenti non serviti", "residents unserved"),
    ("low_access", Role::CountOfPeople, Some("persons"), "residenti con accesso basso", "residents with low access"),
    ("gap_score", Role::CountOfPeople, Some("persons"), "punteggio di carenza", "gap score"),
];

fn access_layer(options: &AccessibilityOptions, prepared: &Prepared, results: &[CategoryAccess]) -> OutputLayer {
    let vocabulary = vocabulary();
    let demand: &Demand = prepared.demand();
    let mut fields = Demand::unit_fields();
    for c in results {
        let category = &vocabulary.categories[c.category];
        for (suffix, role, unit, it, en) in PER_CATEGORY {
            fields.push(FieldSchema::new(
                format!("{}_{suffix}", category.id),
                FieldKind::Real,
                role,
                unit,
                format!("{}: {it}", category.labels["it"]),
                format!("{}: {en}", category.labels["en"]),
            ));
        }
    }
    let rows = (0..demand.ids.len())
        .map(|i| {
            let mut values = demand.unit_values(i);
            for c in results {
                values.extend([c.access[i], c.unserved[i], c.low_access[i], c.gap_score[i]].map(Value::Real));
            }
            let geometry = prepared.display_polygons.as_ref().map_or(&demand.geometries[i], |z| &z[i]).clone();
            (Some(geometry), values)
        })
        .collect();
    let polygons = prepared.display_polygons.is_some();
    let per_field = |suffix: &str, (it, en): (&str, &str), values: &dyn Fn(&CategoryAccess) -> Vec<f64>| {
        let field = |c: &CategoryAccess| format!("{}_{suffix}", vocabulary.categories[c.category].id);
        results.iter().map(|c| (field(c), styles::category_measure(c.category, it, en), values(c))).collect::<Vec<_>>()
    };
    let access = per_field("access", ("indice di accessibilità", "accessibility index"), &|c| c.access.clone());
    let mut styles = styles::quintile_styles("accessibility", &access, false, polygons);
    let gap_scores = per_field("gap_score", ("carenza di servizio", "service gap"), &|c| c.gap_score.clone());
    let gaps = styles::quintile_styles("accessibility", &gap_scores, true, polygons);
    styles.extend(gaps.into_iter().map(|g| LayerStyle { default: false, ..g }));
    let method = IndexMethod::NAMES[options.index.method as usize];
    let schema = LayerSchema {
        name: "accessibility".into(),
        granularity: if demand.units_are_zones { Granularity::Zone } else { Granularity::Unit },
        title_it: "Accessibilità e carenze".into(),
        title_en: "Accessibility and gaps".into(),
        abstract_it: format!(
            "Indice di accessibilità ({method}) e carenze di servizio per unità: non serviti oltre {} minuti.",
            options.served_within_minutes
        ),
        abstract_en: format!(
            "Accessibility index ({method}) and service gaps per unit: unserved beyond {} minutes.",
            options.served_within_minutes
        ),
        fields,
    };
    let geometry = if polygons { GeometryKind::MultiPolygon } else { GeometryKind::Unknown };
    OutputLayer { schema, geometry: Some(geometry), rows, styles }
}

fn gaps_table(options: &AccessibilityOptions, results: &[CategoryAccess]) -> OutputLayer {
    let vocabulary = vocabulary();
    let mut fields = vec![
        FieldSchema::new("category", FieldKind::Text, Role::Category, None, "Categoria", "Category"),
        FieldSchema::new("zone", FieldKind::Text, Role::Id, None, "Zona", "Zone"),
        FieldSchema::new("rank", FieldKind::Integer, Role::Rank, None, "Posizione", "Rank"),
    ];
    fields.extend(
        PER_CATEGORY[1..]
            .iter()
            .map(|&(suffix, role, unit, it, en)| FieldSchema::new(suffix, FieldKind::Real, role, unit, it, en)),
    );
    let rows = results
        .iter()
        .flat_map(|c| {
            c.by_zone.iter().enumerate().map(move |(rank, (zone, unserved, low, score))| {
                let values = vec![
                    Value::Text(vocabulary.categories[c.category].id.clone()),
                    Value::Text(zone.clone()),
                    Value::Integer(rank as i64 + 1),
                    Value::Real(*unserved),
                    Value::Real(*low),
                    Value::Real(*score),
                ];
                (None, values)
            })
        })
        .collect();
    let minutes = options.served_within_minutes;
    let schema = LayerSchema {
        name: "gaps_by_zone".into(),
        granularity: Granularity::Zone,
        title_it: "Carenze di servizio per zona".into(),
        title_en: "Service gaps by zone".into(),
        abstract_it: format!("Per categoria e zona: residenti senza servizi entro {minutes} minuti, con accesso basso, e punteggio di carenza, dalla zona peggio servita."),
        abstract_en: format!("Per category and zone: residents with no service within {minutes} minutes, with low access, and the gap score, worst zone first."),
        fields,
    };
    OutputLayer { schema, geometry: None, rows, styles: Vec::new() }
}
