//! The needs job: what the desks' anonymised request records say, with the
//! one disclosure rule applied to every count (see [`crate::needs`]).

use super::inputs::{DemandInput, OutputOptions, ServicesInput, TravelInput};
use super::params::Kind;
use super::prepare::{network_for, prepare, Prepared};
use super::{check, deliver, required, seconds};
use crate::accessibility::CostMatrix;
use crate::catalogue::vocabulary;
use crate::error::Result;
use crate::job_options;
use crate::needs::{analyse, read_requests, today, DecayFit, Needs, Settings, Times, Zones};
use crate::network::Network;
use crate::output::i18n::Source;
use crate::output::styles::Shape;
use crate::output::{
    styles, FieldKind, FieldSchema, GeometryKind, Granularity, LayerColumns, LayerSchema, OutputLayer, Role, Value,
};
use crate::progress::Progress;
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

/// The period flows are counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowPeriod {
    /// All the records together.
    All,
    Year,
    Month,
}

impl FlowPeriod {
    pub const NAMES: &'static [&'static str] = &["all", "year", "month"];
}

job_options! {
    /// Options of the needs job.
    pub struct NeedsOptions {
        flatten { services: ServicesInput, travel: TravelInput, demand: DemandInput, output: OutputOptions }
        /// Anonymised request records (CSV or any OGR table), one row per request, with only the fields date, desk_id, category, residence, language, nationality_group, outcome, referred_to; residence matches the demand layer's id field.
        #[param(kind(Kind::File), required(true), it("Richieste anonimizzate (CSV o tabella OGR), una riga per richiesta, solo con i campi date, desk_id, category, residence, language, nationality_group, outcome, referred_to; residence corrisponde al campo identificativo della domanda"))]
        pub requests: Option<std::path::PathBuf> = None,
        /// Layer of the requests file, when it has several.
        #[param(advanced(true), kind(Kind::Text), it("Layer del file delle richieste, se ne ha più d'uno"))]
        pub requests_layer: Option<String> = None,
        /// Counts below this (and above zero) are suppressed, with secondary suppression so that totals cannot give them back; smaller flows are merged into "other".
        #[param(kind(Kind::Integer), unit("requests"), min(1.0), max(1000.0), it("I conteggi sotto questa soglia (e sopra zero) sono soppressi, con soppressione secondaria perché i totali non li rivelino; i flussi più piccoli sono uniti in «altri»"))]
        pub min_count: u32 = 10,
        /// Flows per period: all the records together, per year or per month (a flow below the minimum in its period joins "other").
        #[param(kind(Kind::Choice), choices(FlowPeriod::NAMES), it("Flussi per periodo: tutte le richieste insieme, per anno o per mese (un flusso sotto il minimo nel suo periodo va in «altri»)"))]
        pub flow_period: FlowPeriod = FlowPeriod::All,
        /// A desk serves a zone (for the languages offered) when within this time.
        #[param(kind(Kind::Number), unit("min"), positive(0.0), max(1440.0), it("Uno sportello serve una zona (per le lingue offerte) se è entro questo tempo"))]
        pub served_within_minutes: f64 = 30.0,
        /// Flows longer than this have no travel time (out of reach).
        #[param(advanced(true), kind(Kind::Number), unit("min"), positive(0.0), max(1440.0), it("I flussi più lunghi di così non hanno un tempo di viaggio (fuori portata)"))]
        pub max_minutes: f64 = 180.0,
        /// A note carried in every layer's abstract and the report (e.g. that the records are synthetic).
        #[param(advanced(true), kind(Kind::Text), it("Una nota riportata nella descrizione di ogni layer e nel rapporto (es. che i dati sono sintetici)"))]
        pub note: Option<String> = None,
    }
}

/// What a needs job found (counts as published: suppressed ones are absent).
#[derive(Debug, Clone, Serialize)]
pub struct NeedsReport {
    pub working_epsg: u32,
    pub records: usize,
    pub languages: Vec<String>,
    pub suppressed: usize,
    pub decay: Option<DecayFit>,
    /// Seconds spent reading and validating, on travel times, and on the analyses.
    pub timings_s: std::collections::BTreeMap<String, f64>,
    pub layers: Vec<String>,
    pub zones: Vec<serde_json::Value>,
    pub note: Option<String>,
}

/// Runs the needs analysis; writes the layers `needs_zones`, `needs_flows`,
/// `needs_referrals`, `needs_desks`, `needs_languages`, `needs_bypass_languages`,
/// `needs_monthly` and `needs_decay` (and hands them to `memory`, when
/// given: see [`deliver`]).
pub fn run_needs(
    options: &NeedsOptions,
    network: Option<Arc<Network>>,
    progress: &dyn Progress,
    memory: Option<&mut Vec<LayerColumns>>,
) -> Result<NeedsReport> {
    check(options)?;
    let requests_path = required(&options.requests, "requests")?;
    let network = network_for(&options.travel, network)?;
    prepare(&options.services, &options.travel, Some(&options.demand), None, network.as_deref(), |prepared, model| {
        let demand = prepared.demand();
        let mut timings = std::collections::BTreeMap::new();
        let started = Instant::now();
        let requests =
            read_requests(requests_path, options.requests_layer.as_deref(), &prepared.services, &demand.ids, today())?;
        timings.insert("read_and_validate".to_string(), started.elapsed().as_secs_f64());
        let started = Instant::now();
        let matrix = CostMatrix::from_model(
            &demand.points,
            &prepared.index,
            model.as_dyn(),
            None,
            seconds(options.max_minutes),
            progress,
        )?;
        let desks = prepared.services.len();
        let mut times = Times { desks, seconds: vec![f64::NAN; demand.points.len() * desks] };
        for p in &matrix.pairs {
            times.seconds[p.demand as usize * desks + p.service as usize] = p.cost_s;
        }
        timings.insert("travel_times".to_string(), started.elapsed().as_secs_f64());
        let started = Instant::now();
        let settings = Settings {
            k: f64::from(options.min_count),
            served_within_s: seconds(options.served_within_minutes),
            categories: vocabulary().categories.len(),
            months_per_period: match options.flow_period {
                FlowPeriod::All => None,
                FlowPeriod::Year => Some(12),
                FlowPeriod::Month => Some(1),
            },
        };
        let needs =
            analyse(&requests, &prepared.services, &Zones { population: &demand.population }, &times, &settings)?;
        timings.insert("analyse".to_string(), started.elapsed().as_secs_f64());
        let mut report = NeedsReport {
            working_epsg: prepared.working_crs.epsg,
            records: requests.len(),
            // the languages in published counts only: a language of one requester is not named
            languages: published_languages(&needs),
            suppressed: needs.suppressed,
            decay: needs.decay.clone(),
            timings_s: timings,
            layers: Vec::new(),
            zones: zone_summaries(&prepared, &needs),
            note: options.note.clone(),
        };
        let started = Instant::now();
        report.layers = deliver(&options.output, &prepared.working_crs, prepared.window.as_ref(), memory, || {
            layers(options, &prepared, &needs)
        })?;
        if !report.layers.is_empty() {
            report.timings_s.insert("write".to_string(), started.elapsed().as_secs_f64());
        }
        Ok(report)
    })
}

fn published_languages(needs: &Needs) -> Vec<String> {
    let named: std::collections::BTreeSet<&String> =
        needs.languages.iter().filter_map(|l| l.language.as_ref()).collect();
    named.into_iter().cloned().collect()
}

/// Per zone and category with published requests, for the report.
fn zone_summaries(prepared: &Prepared, needs: &Needs) -> Vec<serde_json::Value> {
    let demand = prepared.demand();
    let vocabulary = vocabulary();
    needs
        .zones
        .iter()
        .filter(|z| z.requests.is_some_and(|n| n > 0.0))
        .map(|z| {
            serde_json::json!({
                "zone": demand.ids[z.zone], "name": demand.names[z.zone], "population": demand.population[z.zone],
                "category": vocabulary.categories[z.category].id, "requests": z.requests,
                "rate_per_1000": z.rate_per_1000, "nearest_min": z.nearest_min, "access": z.access,
                "gap_score": z.gap_score, "bypass_share": z.bypass_share, "unmet": z.unmet,
                "languages_not_offered": z.languages_not_offered,
            })
        })
        .collect()
}

/// Values grouped by category, in the vocabulary's order.
fn per_category(values: impl Iterator<Item = (usize, f64)>) -> Vec<(usize, Vec<f64>)> {
    let mut grouped: std::collections::BTreeMap<usize, Vec<f64>> = std::collections::BTreeMap::new();
    for (category, value) in values {
        grouped.entry(category).or_default().push(value);
    }
    grouped.into_iter().collect()
}

/// `all`, `YYYY` or `YYYY-MM` of a flow's period (its first month).
fn period_label(first_month: Option<u32>, period: FlowPeriod) -> String {
    match (period, first_month) {
        (FlowPeriod::All, _) | (_, None) => "all".to_string(),
        (FlowPeriod::Year, Some(m)) => format!("{:04}", m / 12),
        (FlowPeriod::Month, Some(m)) => format!("{:04}-{:02}", m / 12, m % 12 + 1),
    }
}

fn count(value: Option<f64>) -> Value {
    value.map_or(Value::Null, Value::Real)
}

fn requests_field(name: &str, it: &str, en: &str) -> FieldSchema {
    FieldSchema::new(name, FieldKind::Real, Role::CountOfPeople, Some("requests"), it, en)
}

fn text_field(name: &str, role: Role, it: &str, en: &str) -> FieldSchema {
    FieldSchema::new(name, FieldKind::Text, role, None, it, en)
}

fn share_field(name: &str, it: &str, en: &str) -> FieldSchema {
    FieldSchema::new(name, FieldKind::Real, Role::Index, Some("share"), it, en)
}

/// A layer without geometry or style.
fn table(schema: LayerSchema, rows: Vec<(Option<geo::Geometry<f64>>, Vec<Value>)>) -> OutputLayer {
    OutputLayer { schema, geometry: None, rows, styles: Vec::new() }
}

fn minutes_field(name: &str, it: &str, en: &str) -> FieldSchema {
    FieldSchema::new(name, FieldKind::Real, Role::TravelTime, Some("min"), it, en)
}

fn yes_no(value: Option<bool>) -> Value {
    value.map_or(Value::Null, |v| Value::text(if v { "yes" } else { "no" }))
}

fn schema(
    name: &str,
    granularity: Granularity,
    titles: (&str, &str),
    abstracts: (String, String),
    fields: Vec<FieldSchema>,
    note: &Option<String>,
) -> LayerSchema {
    let suffix = note.as_ref().map(|n| format!(" {n}")).unwrap_or_default();
    LayerSchema {
        name: name.into(),
        granularity,
        title_it: titles.0.into(),
        title_en: titles.1.into(),
        abstract_it: format!("{}{suffix}", abstracts.0),
        abstract_en: format!("{}{suffix}", abstracts.1),
        fields,
    }
}

fn point(p: [f64; 2]) -> geo::Geometry<f64> {
    geo::Geometry::Point(geo::Point::new(p[0], p[1]))
}

fn line(a: [f64; 2], b: [f64; 2]) -> geo::Geometry<f64> {
    geo::Geometry::LineString(geo::LineString::from(vec![(a[0], a[1]), (b[0], b[1])]))
}

fn layers(options: &NeedsOptions, prepared: &Prepared, needs: &Needs) -> Vec<OutputLayer> {
    let demand = prepared.demand();
    let services = &prepared.services;
    let vocabulary = vocabulary();
    let category = |c: usize| Value::Text(vocabulary.categories[c].id.clone());
    let desk_xy = |d: usize| [services[d].x, services[d].y];
    let k = options.min_count;
    let note = &options.note;
    let rule_it = format!(
        "Conteggi sotto {k} soppressi, con soppressione secondaria; flussi sotto {k} uniti in «altri»; esiti, lingue, \
         mesi e invii sono somme delle parti pubblicate dei flussi pubblicati."
    );
    let rule_en = format!(
        "Counts below {k} suppressed, with secondary suppression; flows below {k} merged into 'other'; outcomes, \
         languages, months and referrals are sums of the published parts of the published flows."
    );

    // zones: observed beside modelled
    let mut fields = crate::demand::Demand::unit_fields();
    fields.extend([
        text_field("category", Role::Category, "Categoria", "Category"),
        requests_field("requests", "Richieste", "Requests"),
        FieldSchema::new(
            "rate_per_1000",
            FieldKind::Real,
            Role::Index,
            Some("requests per 1,000 residents"),
            "Richieste ogni 1.000 residenti",
            "Requests per 1,000 residents",
        ),
        requests_field("served", "Servite", "Served"),
        requests_field("referred", "Inviate altrove", "Referred"),
        requests_field("unmet", "Non soddisfatte", "Unmet"),
        share_field(
            "in_published_flows",
            "Quota delle richieste nei flussi pubblicati",
            "Share of the requests in the published flows",
        ),
        requests_field("bypassing", "Oltre lo sportello più vicino", "Bypassing the nearest desk"),
        share_field("bypass_share", "Quota oltre il più vicino", "Share bypassing the nearest"),
        minutes_field("bypass_extra_min", "Tempo in più (media)", "Extra time (mean)"),
        minutes_field("nearest_min", "Minuti allo sportello più vicino", "Minutes to the nearest desk"),
        FieldSchema::new(
            "access",
            FieldKind::Real,
            Role::Index,
            Some("supply per person"),
            "Indice di accessibilità E2SFCA",
            "E2SFCA accessibility index",
        ),
        FieldSchema::new(
            "gap_score",
            FieldKind::Real,
            Role::CountOfPeople,
            Some("persons"),
            "Punteggio di carenza",
            "Gap score",
        ),
        text_field("languages_not_offered", Role::Attribute, "Lingue non offerte", "Languages not offered"),
    ]);
    let rows = needs
        .zones
        .iter()
        .map(|z| {
            let geometry =
                prepared.display_polygons.as_ref().map_or(&demand.geometries[z.zone], |p| &p[z.zone]).clone();
            let values = vec![
                Value::Text(demand.ids[z.zone].clone()),
                Value::Text(demand.names[z.zone].clone()),
                Value::Real(demand.population[z.zone]),
                category(z.category),
                count(z.requests),
                count(z.rate_per_1000),
                count(z.served),
                count(z.referred),
                count(z.unmet),
                count(z.in_published_flows),
                count(z.bypassing),
                count(z.bypass_share),
                count(z.bypass_extra_min),
                count(z.nearest_min),
                Value::Real(z.access),
                Value::Real(z.gap_score),
                Value::text(&z.languages_not_offered.join(";")),
            ];
            (Some(geometry), values)
        })
        .collect();
    let rates = per_category(needs.zones.iter().filter_map(|z| z.rate_per_1000.map(|r| (z.category, r))));
    let polygons = prepared.display_polygons.is_some()
        || demand.geometries.iter().any(|g| matches!(g, geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_)));
    let zones = OutputLayer {
        schema: schema(
            "needs_zones",
            Granularity::Zone,
            ("Bisogni per zona e categoria", "Needs by zone and category"),
            (format!("Richieste registrate agli sportelli per zona di residenza e categoria, accanto all'accessibilità e alla carenza modellate. {rule_it}"), format!("Requests recorded at the desks by zone of residence and category, beside the modelled accessibility and gap. {rule_en}")),
            fields,
            note,
        ),
        geometry: Some(if polygons { GeometryKind::MultiPolygon } else { GeometryKind::Point }),
        rows,
        styles: styles::per_category_styles(
            "needs_zones",
            "rate_per_1000",
            "richieste ogni 1.000 residenti",
            "requests per 1,000 residents",
            &rates,
            Shape::of(polygons),
            true,
        ),
    };

    // flows: zone point to desk
    let fields = vec![
        text_field("zone_id", Role::Id, "Zona", "Zone"),
        text_field("zone_name", Role::Label, "Nome della zona", "Zone name"),
        text_field(
            "desk_id",
            Role::Id,
            "Sportello («other»: le richieste in nessun flusso pubblicato)",
            "Desk ('other': the requests in no published flow)",
        ),
        text_field("desk_name", Role::Label, "Nome dello sportello", "Desk name"),
        text_field("category", Role::Category, "Categoria", "Category"),
        text_field("period", Role::Label, "Periodo (AAAA, AAAA-MM o «all»)", "Period (YYYY, YYYY-MM or 'all')"),
        requests_field("requests", "Richieste", "Requests"),
        minutes_field("travel_min", "Minuti di viaggio", "Travel minutes"),
    ];
    let rows = needs
        .flows
        .iter()
        .map(|f| {
            let geometry = f.desk.map(|d| line(demand.points[f.zone], desk_xy(d)));
            let values = vec![
                Value::Text(demand.ids[f.zone].clone()),
                Value::Text(demand.names[f.zone].clone()),
                Value::Text(f.desk.map_or("other".to_string(), |d| services[d].id.clone())),
                Value::text(&f.desk.map_or(String::new(), |d| services[d].name.clone())),
                category(f.category),
                Value::Text(period_label(f.period, options.flow_period)),
                Value::Real(f.requests),
                count(f.travel_min),
            ];
            (geometry, values)
        })
        .collect();
    let counts: Vec<f64> = needs.flows.iter().filter(|f| f.desk.is_some()).map(|f| f.requests).collect();
    let by_category = per_category(needs.flows.iter().filter(|f| f.desk.is_some()).map(|f| (f.category, f.requests)));
    let flows = OutputLayer {
        schema: schema(
            "needs_flows",
            Granularity::Zone,
            ("Flussi di richieste dalla zona allo sportello", "Request flows from zone to desk"),
            (format!("Richieste da ogni zona di residenza a ogni sportello, per categoria, con il tempo di viaggio del modello in uso. {rule_it}"), format!("Requests from each zone of residence to each desk, per category, with the travel time of the cost model in use. {rule_en}")),
            fields,
            note,
        ),
        geometry: Some(GeometryKind::LineString),
        rows,
        styles: [
            vec![styles::flows_style(
                "needs_flows",
                "requests",
                &Source::new("Richieste, tutte le categorie", "Requests, every category"),
                &counts,
            )],
            styles::per_category_styles("needs_flows", "requests", "richieste", "requests", &by_category, Shape::Lines, false),
        ]
        .concat(),
    };

    // referral network
    let fields = vec![
        text_field("from_desk", Role::Id, "Da sportello", "From desk"),
        text_field("to_desk", Role::Id, "A sportello", "To desk"),
        text_field("category", Role::Category, "Categoria", "Category"),
        requests_field("requests", "Richieste inviate", "Requests referred"),
        text_field(
            "receiver_serves_category",
            Role::Attribute,
            "Chi riceve offre la categoria",
            "Receiver offers the category",
        ),
    ];
    let rows = needs
        .referrals
        .iter()
        .map(|r| {
            let geometry = Some(line(desk_xy(r.from), desk_xy(r.to)));
            let values = vec![
                Value::Text(services[r.from].id.clone()),
                Value::Text(services[r.to].id.clone()),
                category(r.category),
                Value::Real(r.requests),
                yes_no(Some(r.receiver_serves)),
            ];
            (geometry, values)
        })
        .collect();
    let counts: Vec<f64> = needs.referrals.iter().map(|r| r.requests).collect();
    let referrals = OutputLayer {
        schema: schema(
            "needs_referrals",
            Granularity::Service,
            ("Rete degli invii tra sportelli", "Referral network between desks"),
            (format!("Richieste inviate da uno sportello a un altro, per categoria; «no» segnala uno sportello che riceve richieste di una categoria che non offre. {rule_it}"), format!("Requests referred from one desk to another, per category; 'no' flags a desk receiving requests of a category it does not offer. {rule_en}")),
            fields,
            note,
        ),
        geometry: Some(GeometryKind::LineString),
        rows,
        styles: vec![styles::flows_style("needs_referrals", "requests", &Source::new("Invii", "Referrals"), &counts)],
    };

    // desks
    let fields = vec![
        text_field("desk_id", Role::Id, "Sportello", "Desk"),
        text_field("desk_name", Role::Label, "Nome", "Name"),
        text_field("category", Role::Category, "Categoria", "Category"),
        requests_field("requests", "Richieste", "Requests"),
        text_field("serves_category", Role::Attribute, "Offre la categoria", "Offers the category"),
        requests_field("referrals_received", "Invii ricevuti", "Referrals received"),
    ];
    let rows = needs
        .desks
        .iter()
        .map(|d| {
            let values = vec![
                Value::Text(services[d.desk].id.clone()),
                Value::Text(services[d.desk].name.clone()),
                category(d.category),
                Value::Real(d.requests),
                yes_no(Some(d.serves_category)),
                Value::Real(d.referrals_received),
            ];
            (Some(point(desk_xy(d.desk))), values)
        })
        .collect();
    let desks = OutputLayer {
        schema: schema(
            "needs_desks",
            Granularity::Service,
            ("Richieste per sportello e categoria", "Requests by desk and category"),
            (rule_it.clone(), rule_en.clone()),
            fields,
            note,
        ),
        geometry: Some(GeometryKind::Point),
        rows,
        styles: Vec::new(),
    };

    // languages
    let fields = vec![
        text_field("zone_id", Role::Id, "Zona", "Zone"),
        text_field("zone_name", Role::Label, "Nome della zona", "Zone name"),
        text_field("category", Role::Category, "Categoria", "Category"),
        text_field(
            "language",
            Role::Label,
            "Lingua («other»: le richieste in nessuna parte pubblicata)",
            "Language ('other': the requests in no published part)",
        ),
        requests_field("requests", "Richieste", "Requests"),
        text_field(
            "offered",
            Role::Attribute,
            "Parlata da uno sportello entro il tempo",
            "Spoken at a desk within the time",
        ),
    ];
    let rows = needs
        .languages
        .iter()
        .map(|l| {
            let values = vec![
                Value::Text(demand.ids[l.zone].clone()),
                Value::Text(demand.names[l.zone].clone()),
                category(l.category),
                Value::Text(l.language.clone().unwrap_or_else(|| "other".into())),
                Value::Real(l.requests),
                yes_no(l.offered),
            ];
            (None, values)
        })
        .collect();
    let minutes = options.served_within_minutes;
    let languages = table(
        schema(
            "needs_languages",
            Granularity::Zone,
            ("Lingue dei richiedenti e lingue offerte", "Requesters' languages and languages offered"),
            (format!("Per zona e categoria, le lingue usate dai richiedenti e se uno sportello della categoria entro {minutes} minuti le parla. {rule_it}"), format!("Per zone and category, the languages requesters used and whether a desk of the category within {minutes} minutes speaks them. {rule_en}")),
            fields,
            note,
        ),
        rows,
    );

    // bypass by language
    let fields = vec![
        text_field("category", Role::Category, "Categoria", "Category"),
        text_field("language", Role::Label, "Lingua", "Language"),
        requests_field("requests", "Richieste", "Requests"),
        requests_field("bypassing", "Oltre lo sportello più vicino", "Bypassing the nearest desk"),
        share_field("bypass_share", "Quota oltre il più vicino", "Share bypassing the nearest"),
    ];
    let rows = needs
        .bypass_by_language
        .iter()
        .map(|b| {
            let values = vec![
                category(b.category),
                Value::Text(b.language.clone()),
                count(b.requests),
                count(b.bypassing),
                count(b.share),
            ];
            (None, values)
        })
        .collect();
    let bypass = table(
        schema(
            "needs_bypass_languages",
            Granularity::Total,
            ("Richieste oltre lo sportello più vicino, per lingua", "Requests bypassing the nearest desk, by language"),
            (format!("Quota delle richieste presentate a uno sportello più lontano del più vicino della categoria: un indizio di lingua, orari o qualità. {rule_it}"), format!("Share of requests made at a desk farther than the category's nearest: a hint of language, hours or quality. {rule_en}")),
            fields,
            note,
        ),
        rows,
    );

    // months
    let fields = vec![
        text_field("desk_id", Role::Id, "Sportello", "Desk"),
        text_field("category", Role::Category, "Categoria", "Category"),
        text_field("month", Role::Label, "Mese (AAAA-MM)", "Month (YYYY-MM)"),
        requests_field("requests", "Richieste", "Requests"),
        requests_field(
            "change_vs_year_before",
            "Variazione sullo stesso mese dell'anno prima",
            "Change against the same month a year before",
        ),
        FieldSchema::new("change_pct", FieldKind::Real, Role::Index, Some("%"), "Variazione %", "Change %"),
    ];
    let rows = needs
        .monthly
        .iter()
        .map(|m| {
            let month = format!("{:04}-{:02}", m.month / 12, m.month % 12 + 1);
            let values = vec![
                Value::Text(services[m.desk].id.clone()),
                category(m.category),
                Value::Text(month),
                Value::Real(m.requests),
                count(m.change),
                count(m.change_pct),
            ];
            (None, values)
        })
        .collect();
    let monthly = table(
        schema(
            "needs_monthly",
            Granularity::Service,
            ("Richieste per mese, sportello e categoria", "Requests by month, desk and category"),
            (rule_it, rule_en),
            fields,
            note,
        ),
        rows,
    );

    // the fitted decay
    let fields = vec![
        text_field("decay", Role::Label, "Funzione", "Function"),
        minutes_field("decay_minutes", "Tempo di decadimento T (exp(-t/T))", "Decay time T (exp(-t/T))"),
        minutes_field("standard_error_minutes", "Errore standard di T", "Standard error of T"),
        FieldSchema::new("beta_per_min", FieldKind::Real, Role::Index, Some("1/min"), "Beta", "Beta"),
    ];
    let rows = needs
        .decay
        .iter()
        .map(|d| {
            let values = vec![
                Value::text("exponential"),
                Value::Real(d.decay_minutes),
                Value::Real(d.standard_error_minutes),
                Value::Real(d.beta_per_min),
            ];
            (None, values)
        })
        .collect();
    let decay = table(
        schema(
            "needs_decay",
            Granularity::Total,
            ("Decadimento con la distanza stimato dai flussi", "Distance decay fitted to the flows"),
            ("Decadimento esponenziale exp(-t/T) stimato per massima verosimiglianza della scelta dello sportello; T si può usare come decay_minutes (decay exponential) nell'accessibilità.".into(), "Exponential decay exp(-t/T) fitted by maximum likelihood of the choice of desk; T can be used as decay_minutes (decay exponential) in accessibility.".into()),
            fields,
            note,
        ),
        rows,
    );
    vec![zones, flows, referrals, desks, languages, bypass, monthly, decay]
}
